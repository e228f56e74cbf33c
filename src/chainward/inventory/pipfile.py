"""``Pipfile`` (pipenv): package categories and ``[[source]]`` indexes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chainward.inventory.model import InstallOption, ManifestScan
from chainward.inventory.paths import is_pipfile_path
from chainward.inventory.positions import LineFinder
from chainward.inventory.pyproject import poetry_dependency
from chainward.inventory.tomldoc import toml_parser


def matches(rel: str) -> bool:
    """``Pipfile`` in any folder."""
    return is_pipfile_path(rel)


@toml_parser
def parse(rel: str, text: str, document: dict[str, Any], out: ManifestScan) -> None:
    """Inventory a ``Pipfile``: every package category and every ``[[source]]``."""
    finder = LineFinder(text)
    for category, table in document.items():
        if category in ("source", "requires", "scripts", "pipenv") or not isinstance(
            table, Mapping
        ):
            continue
        after = finder.header(category)
        for raw_name, value in table.items():
            line = finder.key(raw_name, after)
            dependency = poetry_dependency(rel, line, raw_name, value, manifest="pipfile")
            if dependency is not None:
                out.dependencies.append(dependency)
    sources = document.get("source")
    if isinstance(sources, list):
        for index, source in enumerate(sources):
            if isinstance(source, Mapping) and isinstance(source.get("url"), str):
                url = source["url"]
                option = "index-url" if index == 0 else "extra-index-url"
                out.options.append(InstallOption(rel, finder.string(url), option, url))
