"""Keeping the intent of a version range when ``chainward pin`` turns it into a pin.

``transformers>=4.28.0`` was written against 4.x: the pin stays on the newest 4.x
release when there is one, and a pin that lands on another major version (no 4.x
release left in the range, or the environment or a lock already uses 5.x) is named in
the table of changes ``pin`` prints, never taken silently.
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version


def floor_major(specifier: str) -> int | None:
    """The major version of the range's lower bound (``>=4.28``, ``~=4.46``, ``>4``)."""
    try:
        spec = SpecifierSet(specifier)
    except InvalidSpecifier:
        return None
    majors = []
    for item in spec:
        if item.operator in (">=", ">", "~=", "==", "==="):
            try:
                majors.append(Version(item.version.rstrip(".*")).major)
            except InvalidVersion:
                continue
    return max(majors) if majors else None


def prefer_floor_major(candidates: list[Version], specifier: str) -> Version | None:
    """The newest candidate on the lower bound's major version, else the newest overall."""
    if not candidates:
        return None
    major = floor_major(specifier)
    same = [v for v in candidates if major is not None and v.major == major]
    return max(same) if same else max(candidates)


def major_change(specifier: str, version: str) -> str:
    """``"crosses major version 4 → 5"`` when the pin leaves the range's major, else ``""``."""
    major = floor_major(specifier)
    try:
        chosen = Version(version).major
    except InvalidVersion:
        return ""
    if major is None or chosen == major:
        return ""
    return f"crosses major version {major} → {chosen}"


@dataclass(frozen=True, slots=True)
class Change:
    """One row of the table ``chainward pin`` prints."""

    path: str
    line: int
    name: str
    was: str
    now: str
    origin: str
    note: str = ""


def render_table(changes: list[Change]) -> str:
    """A plain-text table of the changes, major-version crossings marked with ``!``."""
    if not changes:
        return ""
    rows = [("", "file:line", "requirement", "was", "now", "from", "note")]
    # The file's own lines first, in order; then what was added for pip's closure.
    for c in sorted(changes, key=lambda c: (c.path, c.line == 0, c.line, c.name.lower())):
        mark = "!" if c.note.startswith("crosses") else ""
        where = f"{c.path}:{c.line}" if c.line else f"{c.path} (added)"
        was = c.was or ("-" if not c.line else "(any)")
        rows.append((mark, where, c.name, was, c.now, c.origin, c.note))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    return "\n".join(lines) + "\n"
