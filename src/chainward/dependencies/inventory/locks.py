"""Lock files: ``uv.lock``, ``poetry.lock``, ``pylock.toml`` (PEP 751), ``Pipfile.lock``.

Every locked package becomes a Dependency with ``locked=True``, its exact version
and every file hash the lock records.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from chainward.core.context import ScanContext
from chainward.core.jsonsafe import loads_json
from chainward.dependencies.inventory.model import Dependency, InstallOption
from chainward.dependencies.inventory.pep508 import exact_version
from chainward.dependencies.inventory.positions import LineFinder
from chainward.dependencies.inventory.pyproject import parse_toml_document

if TYPE_CHECKING:
    from chainward.dependencies.inventory.collect import InventoryBuilder


def is_pylock_name(name: str) -> bool:
    """``pylock.toml`` or ``pylock.<name>.toml`` (PEP 751)."""
    return name == "pylock.toml" or (
        name.startswith("pylock.") and name.endswith(".toml") and name.count(".") == 2
    )


def _locked(
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


def _package_lines(finder: LineFinder, header: str, count: int) -> list[int]:
    """The ``name = …`` line of each ``[[header]]`` table (the header's when absent)."""
    headers = finder.headers(header)
    bounds = [*headers[1:], len(finder.lines) + 1]
    lines = []
    for start, end in zip(headers, bounds, strict=False):
        line = finder.key("name", start)
        lines.append(line if start <= line < end else start)
    return lines + [1] * (count - len(lines))


def collect_uv_lock(ctx: ScanContext, rel: str, text: str, out: InventoryBuilder) -> None:
    """Inventory a ``uv.lock``."""
    document = parse_toml_document(ctx, rel, text, out)
    if document is None:
        return
    packages = [p for p in document.get("package", []) if isinstance(p, Mapping)]
    lines = _package_lines(LineFinder(text), "package", len(packages))
    for package, line in zip(packages, lines, strict=False):
        name = package.get("name")
        if not isinstance(name, str):
            continue
        source = package.get("source", {})
        source = source if isinstance(source, Mapping) else {}
        if "editable" in source or "virtual" in source or "directory" in source:
            continue  # the project itself or a local folder
        hashes: list[str] = []
        sdist = package.get("sdist")
        if isinstance(sdist, Mapping) and isinstance(sdist.get("hash"), str):
            hashes.append(sdist["hash"])
        for wheel in package.get("wheels", []) or []:
            if isinstance(wheel, Mapping) and isinstance(wheel.get("hash"), str):
                hashes.append(wheel["hash"])
        version = package.get("version") if isinstance(package.get("version"), str) else None
        if isinstance(source.get("git"), str):
            out.dependencies.append(
                _locked(
                    rel,
                    line,
                    name,
                    version,
                    hashes,
                    "uv.lock",
                    source="vcs",
                    url=_uv_git_url(source["git"]),
                )
            )
        elif isinstance(source.get("url"), str):
            out.dependencies.append(
                _locked(
                    rel, line, name, version, hashes, "uv.lock", source="url", url=source["url"]
                )
            )
        else:
            registry = source.get("registry")
            if isinstance(registry, str):
                out.options.append(InstallOption(rel, line, "index-url", registry, f"lock:{name}"))
            out.dependencies.append(_locked(rel, line, name, version, hashes, "uv.lock"))


def _uv_git_url(value: str) -> str:
    # uv writes "https://host/repo?rev=main#<full sha>": the fragment is the commit.
    base, _, commit = value.partition("#")
    base = base.split("?", 1)[0]
    url = value if value.startswith("git+") else f"git+{base}"
    return f"{url}@{commit}" if commit else url


def collect_poetry_lock(ctx: ScanContext, rel: str, text: str, out: InventoryBuilder) -> None:
    """Inventory a ``poetry.lock`` (``files`` per package, or the old ``metadata.files``)."""
    document = parse_toml_document(ctx, rel, text, out)
    if document is None:
        return
    metadata = document.get("metadata", {})
    old_files = metadata.get("files", {}) if isinstance(metadata, Mapping) else {}
    packages = [p for p in document.get("package", []) if isinstance(p, Mapping)]
    lines = _package_lines(LineFinder(text), "package", len(packages))
    for package, line in zip(packages, lines, strict=False):
        name = package.get("name")
        if not isinstance(name, str):
            continue
        version = package.get("version") if isinstance(package.get("version"), str) else None
        files = package.get("files")
        if not isinstance(files, list) and isinstance(old_files, Mapping):
            files = old_files.get(name, [])
        hashes = [
            f["hash"]
            for f in files or []
            if isinstance(f, Mapping) and isinstance(f.get("hash"), str)
        ]
        source = package.get("source")
        if isinstance(source, Mapping) and source.get("type") in (
            "git",
            "url",
            "file",
            "directory",
        ):
            kind = str(source["type"])
            url = str(source.get("url", ""))
            if kind == "git":
                reference = source.get("resolved_reference") or source.get("reference") or ""
                url = f"git+{url}@{reference}" if reference else f"git+{url}"
                dep_source = "vcs"
            elif kind == "url":
                dep_source = "url"
            else:
                dep_source = "path"
            out.dependencies.append(
                _locked(rel, line, name, version, hashes, "poetry.lock", source=dep_source, url=url)
            )
            continue
        if isinstance(source, Mapping) and source.get("type") == "legacy" and source.get("url"):
            out.options.append(
                InstallOption(rel, line, "index-url", str(source["url"]), f"lock:{name}")
            )
        out.dependencies.append(_locked(rel, line, name, version, hashes, "poetry.lock"))


def _hash_table(value: Any) -> list[str]:
    if not isinstance(value, Mapping):
        return []
    hashes = value.get("hashes")
    if not isinstance(hashes, Mapping):
        return []
    return [f"{algo}:{digest}" for algo, digest in hashes.items() if isinstance(digest, str)]


def collect_pylock(ctx: ScanContext, rel: str, text: str, out: InventoryBuilder) -> None:
    """Inventory a PEP 751 ``pylock.toml``."""
    document = parse_toml_document(ctx, rel, text, out)
    if document is None:
        return
    packages = [p for p in document.get("packages", []) if isinstance(p, Mapping)]
    lines = _package_lines(LineFinder(text), "packages", len(packages))
    for package, line in zip(packages, lines, strict=False):
        name = package.get("name")
        if not isinstance(name, str):
            continue
        version = package.get("version") if isinstance(package.get("version"), str) else None
        marker = package.get("marker") if isinstance(package.get("marker"), str) else None
        vcs = package.get("vcs")
        if isinstance(vcs, Mapping):
            commit = str(vcs.get("commit-id", ""))
            url = f"{vcs.get('type', 'git')}+{vcs.get('url', '')}"
            url = f"{url}@{commit}" if commit else url
            out.dependencies.append(
                _locked(
                    rel, line, name, version, [], "pylock", source="vcs", url=url, marker=marker
                )
            )
            continue
        archive = package.get("archive")
        if isinstance(archive, Mapping):
            out.dependencies.append(
                _locked(
                    rel,
                    line,
                    name,
                    version,
                    _hash_table(archive),
                    "pylock",
                    source="url",
                    url=str(archive.get("url", "")),
                    marker=marker,
                )
            )
            continue
        if isinstance(package.get("directory"), Mapping):
            continue
        hashes = _hash_table(package.get("sdist"))
        for wheel in package.get("wheels", []) or []:
            hashes.extend(_hash_table(wheel))
        index = package.get("index")
        if isinstance(index, str):
            out.options.append(InstallOption(rel, line, "index-url", index, f"lock:{name}"))
        out.dependencies.append(_locked(rel, line, name, version, hashes, "pylock", marker=marker))


def collect_pipfile_lock(ctx: ScanContext, rel: str, text: str, out: InventoryBuilder) -> None:
    """Inventory a ``Pipfile.lock`` (JSON)."""
    try:
        document = loads_json(text)
    except json.JSONDecodeError as exc:
        out.problems.append(ctx.unparsable(rel, f"invalid JSON: {exc.msg}", exc.lineno, exc.colno))
        return
    if not isinstance(document, Mapping):
        out.problems.append(ctx.unparsable(rel, "expected a JSON object"))
        return
    finder = LineFinder(text)
    for category, table in document.items():
        if category == "_meta" or not isinstance(table, Mapping):
            continue
        after = finder.key(category)
        for name, entry in table.items():
            if not isinstance(entry, Mapping):
                continue
            line = finder.key(name, after)
            raw_hashes = entry.get("hashes")
            listed = raw_hashes if isinstance(raw_hashes, list) else []
            hashes = [h for h in listed if isinstance(h, str)]
            marker = entry.get("markers") if isinstance(entry.get("markers"), str) else None
            if isinstance(entry.get("git"), str):
                ref = entry.get("ref")
                url = f"git+{entry['git']}" + (f"@{ref}" if isinstance(ref, str) and ref else "")
                out.dependencies.append(
                    _locked(
                        rel,
                        line,
                        name,
                        None,
                        hashes,
                        "pipfile.lock",
                        source="vcs",
                        url=url,
                        marker=marker,
                    )
                )
                continue
            if "path" in entry or "file" in entry:
                continue
            spec = entry.get("version")
            version = exact_version(spec) if isinstance(spec, str) else None
            out.dependencies.append(
                _locked(rel, line, name, version, hashes, "pipfile.lock", marker=marker)
            )
    meta = document.get("_meta")
    sources = meta.get("sources") if isinstance(meta, Mapping) else None
    if isinstance(sources, list):
        for index, source in enumerate(sources):
            if isinstance(source, Mapping) and isinstance(source.get("url"), str):
                option = "index-url" if index == 0 else "extra-index-url"
                out.options.append(
                    InstallOption(rel, finder.string(source["url"]), option, source["url"])
                )
