"""``setup.cfg`` (``install_requires``, ``extras_require``, ``setup_requires``) and
``Pipfile``. ``setup.py`` is never run."""

from __future__ import annotations

import configparser
from collections.abc import Mapping
from typing import TYPE_CHECKING

from chainward.core.context import ScanContext
from chainward.inventory.model import InstallOption
from chainward.inventory.pep508 import RequirementError, parse_requirement
from chainward.inventory.positions import LineFinder
from chainward.inventory.pyproject import parse_toml_document, poetry_dependency
from chainward.inventory.requirements import _malformed

if TYPE_CHECKING:
    from chainward.inventory.collect import InventoryBuilder

_REQUIREMENT_KEYS = frozenset({"install_requires", "setup_requires", "tests_require"})


def _ini_values(text: str) -> list[tuple[str, str, int, str]]:
    """(section, key, line, value line) for every line of every multi-line value."""
    out: list[tuple[str, str, int, str]] = []
    section = ""
    key = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        if raw[:1] in " \t" and key:
            out.append((section, key, number, stripped))
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            section, key = stripped[1:-1].strip(), ""
            continue
        name, sep, value = stripped.partition("=") if "=" in stripped else stripped.partition(":")
        if sep:
            key = name.strip()
            if value.strip():
                out.append((section, key, number, value.strip()))
    return out


def collect_setup_cfg(ctx: ScanContext, rel: str, text: str, out: InventoryBuilder) -> None:
    """Inventory a ``setup.cfg``; invalid INI becomes an ``unparsable-file`` finding."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text, source=rel)
    except configparser.Error as exc:
        line = getattr(exc, "lineno", None)
        message = str(exc).splitlines()[0]
        out.problems.append(ctx.unparsable(rel, f"invalid INI: {message}", line))
        return
    for section, key, line, value in _ini_values(text):
        wanted = (section == "options" and key in _REQUIREMENT_KEYS) or (
            section == "options.extras_require"
        )
        if not wanted:
            continue
        requirement = value.split(" #", 1)[0].strip()
        if not requirement or requirement.startswith("#"):
            continue
        try:
            out.dependencies.append(
                parse_requirement(requirement, path=rel, line=line, manifest="setup.cfg")
            )
        except RequirementError as exc:
            out.problems.append(_malformed(rel, line, str(exc)))


def collect_pipfile(ctx: ScanContext, rel: str, text: str, out: InventoryBuilder) -> None:
    """Inventory a ``Pipfile``: every package category and every ``[[source]]``."""
    document = parse_toml_document(ctx, rel, text, out)
    if document is None:
        return
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
