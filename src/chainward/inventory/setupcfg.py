"""``setup.cfg`` (``install_requires``, ``extras_require``, ``setup_requires``).
``setup.py`` is never run."""

from __future__ import annotations

import configparser

from chainward.inventory.model import ManifestScan
from chainward.inventory.paths import is_setupcfg_path
from chainward.inventory.pep508 import add_requirement

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


def matches(rel: str) -> bool:
    """``setup.cfg`` in any folder."""
    return is_setupcfg_path(rel)


def parse(rel: str, text: str) -> ManifestScan:
    """Inventory a ``setup.cfg``; invalid INI becomes an ``unparsable-file`` finding."""
    out = ManifestScan()
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text, source=rel)
    except configparser.Error as exc:
        line = getattr(exc, "lineno", None)
        message = str(exc).splitlines()[0]
        out.unparsable(rel, f"invalid INI: {message}", line)
        return out
    for section, key, line, value in _ini_values(text):
        wanted = (section == "options" and key in _REQUIREMENT_KEYS) or (
            section == "options.extras_require"
        )
        if not wanted:
            continue
        requirement = value.split(" #", 1)[0].strip()
        if not requirement or requirement.startswith("#"):
            continue
        add_requirement(out, requirement, path=rel, line=line, manifest="setup.cfg")
    return out
