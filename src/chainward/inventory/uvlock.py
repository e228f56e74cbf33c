"""``uv.lock``: every locked package with its hashes, git commit or URL."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from chainward.inventory.locks import file_hashes, lock_packages, locked_dependency
from chainward.inventory.model import InstallOption, ManifestScan
from chainward.inventory.paths import is_uvlock_path
from chainward.inventory.tomldoc import toml_parser


def matches(rel: str) -> bool:
    """``uv.lock`` in any folder."""
    return is_uvlock_path(rel)


@toml_parser
def parse(rel: str, text: str, document: dict[str, Any], out: ManifestScan) -> None:
    """Inventory a ``uv.lock``."""
    for package, line, name, version in lock_packages(document, text, "package"):
        locked = partial(locked_dependency, rel, line, name, version)
        source = package.get("source", {})
        source = source if isinstance(source, Mapping) else {}
        if "editable" in source or "virtual" in source or "directory" in source:
            continue  # the project itself or a local folder
        hashes = file_hashes(package, "hash")
        if isinstance(source.get("git"), str):
            out.dependencies.append(
                locked(hashes, "uv.lock", source="vcs", url=_uv_git_url(source["git"]))
            )
        elif isinstance(source.get("url"), str):
            out.dependencies.append(locked(hashes, "uv.lock", source="url", url=source["url"]))
        else:
            registry = source.get("registry")
            if isinstance(registry, str):
                out.options.append(InstallOption(rel, line, "index-url", registry, f"lock:{name}"))
            out.dependencies.append(locked(hashes, "uv.lock"))


def _uv_git_url(value: str) -> str:
    # uv writes "https://host/repo?rev=main#<full sha>": the fragment is the commit.
    base, _, commit = value.partition("#")
    base = base.split("?", 1)[0]
    url = value if value.startswith("git+") else f"git+{base}"
    return f"{url}@{commit}" if commit else url
