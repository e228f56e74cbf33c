"""PEP 751 ``pylock.toml`` (and ``pylock.<name>.toml``)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from chainward.inventory.locks import file_hashes, hash_table, lock_packages, locked_dependency
from chainward.inventory.model import InstallOption, ManifestScan
from chainward.inventory.paths import is_pylock_path
from chainward.inventory.tomldoc import toml_parser


def matches(rel: str) -> bool:
    """``pylock.toml`` or ``pylock.<name>.toml`` (PEP 751)."""
    return is_pylock_path(rel)


@toml_parser
def parse(rel: str, text: str, document: dict[str, Any], out: ManifestScan) -> None:
    """Inventory a PEP 751 ``pylock.toml``."""
    for package, line, name, version in lock_packages(document, text, "packages"):
        locked = partial(locked_dependency, rel, line, name, version)
        marker = package.get("marker") if isinstance(package.get("marker"), str) else None
        vcs = package.get("vcs")
        if isinstance(vcs, Mapping):
            commit = str(vcs.get("commit-id", ""))
            url = f"{vcs.get('type', 'git')}+{vcs.get('url', '')}"
            url = f"{url}@{commit}" if commit else url
            out.dependencies.append(locked([], "pylock", source="vcs", url=url, marker=marker))
            continue
        archive = package.get("archive")
        if isinstance(archive, Mapping):
            out.dependencies.append(
                locked(
                    hash_table(archive),
                    "pylock",
                    source="url",
                    url=str(archive.get("url", "")),
                    marker=marker,
                )
            )
            continue
        if isinstance(package.get("directory"), Mapping):
            continue
        hashes = file_hashes(package, "hashes")
        index = package.get("index")
        if isinstance(index, str):
            out.options.append(InstallOption(rel, line, "index-url", index, f"lock:{name}"))
        out.dependencies.append(locked(hashes, "pylock", marker=marker))
