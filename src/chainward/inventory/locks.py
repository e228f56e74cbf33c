"""What the lock-file parsers share: a locked :class:`Dependency` and package lines.

One module per lock format (``uvlock``, ``poetrylock``, ``pylock``, ``pipfilelock``):
every locked package becomes a Dependency with ``locked=True``, its exact version and
every file hash the lock records.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from chainward.inventory.model import Dependency
from chainward.inventory.positions import LineFinder

# The lock files a manifest's folder (or a parent) may hold.


def locked_dependency(
    rel: str,
    line: int,
    raw_name: str,
    version: str | None,
    hashes: list[str],
    manifest: str,
    *,
    source: str = "index",
    url: str | None = None,
    marker: str | None = None,
) -> Dependency:
    from packaging.utils import canonicalize_name  # only when a package is read

    return Dependency(
        path=rel,
        line=line,
        name=canonicalize_name(raw_name),
        raw_name=raw_name,
        specifier=f"=={version}" if version and source == "index" else "",
        version=version,
        extras=(),
        marker=marker,
        hashes=tuple(dict.fromkeys(hashes)),
        source=source,
        url=url,
        manifest=manifest,
        locked=True,
    )


def package_lines(finder: LineFinder, header: str, count: int) -> list[int]:
    """The ``name = …`` line of each ``[[header]]`` table (the header's when absent)."""
    headers = finder.headers(header)
    bounds = [*headers[1:], len(finder.lines) + 1]
    lines = []
    for start, end in zip(headers, bounds, strict=False):
        line = finder.key("name", start)
        lines.append(line if start <= line < end else start)
    return lines + [1] * (count - len(lines))


def hash_table(value: Any) -> list[str]:
    if not isinstance(value, Mapping):
        return []
    hashes = value.get("hashes")
    if not isinstance(hashes, Mapping):
        return []
    return [f"{algo}:{digest}" for algo, digest in hashes.items() if isinstance(digest, str)]


def file_hashes(package: Mapping[str, Any], key: str) -> list[str]:
    """Hashes of a package's ``sdist`` and ``wheels`` entries; ``key`` reads one entry
    (uv.lock writes ``hash = "sha256:…"``, pylock.toml a ``hashes`` table)."""
    reader = _hash_value if key == "hash" else hash_table
    hashes = reader(package.get("sdist"))
    for wheel in package.get("wheels", []) or []:
        hashes.extend(reader(wheel))
    return hashes


def _hash_value(value: Any) -> list[str]:
    if isinstance(value, Mapping) and isinstance(value.get("hash"), str):
        return [value["hash"]]
    return []


def lock_packages(
    document: Mapping[str, Any] | None, text: str, key: str
) -> Iterator[tuple[Mapping[str, Any], int, str, str | None]]:
    """(table, line, name, version) of each ``[[key]]`` package table that has a name
    (none when the document did not parse)."""
    if document is None:
        return
    packages = [p for p in document.get(key, []) if isinstance(p, Mapping)]
    lines = package_lines(LineFinder(text), key, len(packages))
    for package, line in zip(packages, lines, strict=False):
        name = package.get("name")
        if isinstance(name, str):
            version = package.get("version")
            yield package, line, name, version if isinstance(version, str) else None
