"""``poetry.lock``: ``files`` per package, or the old ``metadata.files`` table."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from chainward.inventory.locks import lock_packages, locked_dependency
from chainward.inventory.model import InstallOption, ManifestScan
from chainward.inventory.paths import is_poetrylock_path
from chainward.inventory.tomldoc import toml_parser


def matches(rel: str) -> bool:
    """``poetry.lock`` in any folder."""
    return is_poetrylock_path(rel)


@toml_parser
def parse(rel: str, text: str, document: dict[str, Any], out: ManifestScan) -> None:
    """Inventory a ``poetry.lock`` (``files`` per package, or the old ``metadata.files``)."""
    metadata = document.get("metadata", {})
    old_files = metadata.get("files", {}) if isinstance(metadata, Mapping) else {}
    for package, line, name, version in lock_packages(document, text, "package"):
        locked = partial(locked_dependency, rel, line, name, version)
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
            out.dependencies.append(locked(hashes, "poetry.lock", source=dep_source, url=url))
            continue
        if isinstance(source, Mapping) and source.get("type") == "legacy" and source.get("url"):
            out.options.append(
                InstallOption(rel, line, "index-url", str(source["url"]), f"lock:{name}")
            )
        out.dependencies.append(locked(hashes, "poetry.lock"))
