"""Line numbers for values of parsed TOML/JSON documents.

``tomllib`` and ``json`` return values without positions, so the parsers locate
each value in the text: a table header first, then the quoted string or key after
it. Each found position is used once, so repeated values map to successive lines.

Quoted strings and keys are indexed in one pass over the text, so locating N values
costs O(N log N), not a scan from the header for each one (which made a pyproject
with 10,000 dependencies take a minute).
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from typing import Any

# A double-quoted string (with escapes) or a single-quoted literal, on one line.
_QUOTED = re.compile(r'"((?:[^"\\\n]|\\.)*)"|\'([^\'\n]*)\'')
# A key at the start of a line: bare, "quoted" or 'quoted', then = or :.
_KEY = re.compile(r"""\s*(?:"([^"\n]*)"|'([^'\n]*)'|([^\s=:"']+))\s*[=:]""")


class LineFinder:
    """Find the 1-based line of headers, keys and quoted strings in a text."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self._used: set[tuple[int, int]] = set()
        self._strings: dict[str, list[tuple[int, int]]] | None = None
        self._keys: dict[str, list[int]] | None = None
        # Per value: every position before this index is used (keeps repeats linear).
        self._first_free: dict[tuple[str, str], int] = {}

    def header(self, name: str, after: int = 1) -> int:
        """The line of ``[name]`` or ``[[name]]`` (or ``after`` when absent)."""
        wanted = {f"[{name}]", f"[[{name}]]"}
        for number in range(max(after, 1), len(self.lines) + 1):
            stripped = self.lines[number - 1].split("#", 1)[0].strip().replace(" ", "")
            if stripped in wanted:
                return number
        return after

    def headers(self, name: str) -> list[int]:
        """Every line of ``[[name]]`` (arrays of tables), in order."""
        wanted = f"[[{name}]]"
        return [
            number
            for number, raw in enumerate(self.lines, start=1)
            if raw.split("#", 1)[0].strip().replace(" ", "") == wanted
        ]

    def _string_index(self) -> dict[str, list[tuple[int, int]]]:
        if self._strings is None:
            index: dict[str, list[tuple[int, int]]] = defaultdict(list)
            for number, raw in enumerate(self.lines, start=1):
                if '"' not in raw and "'" not in raw:
                    continue
                for match in _QUOTED.finditer(raw):
                    content = match.group(1) if match.group(1) is not None else match.group(2)
                    index[content].append((number, match.start()))
            self._strings = index
        return self._strings

    def _key_index(self) -> dict[str, list[int]]:
        if self._keys is None:
            index: dict[str, list[int]] = defaultdict(list)
            for number, raw in enumerate(self.lines, start=1):
                match = _KEY.match(raw)
                if match is not None:
                    key = next(g for g in match.groups() if g is not None)
                    index[key].append(number)
            self._keys = index
        return self._keys

    def string(self, value: str, after: int = 1) -> int:
        """The line of the next unused ``"value"``/``'value'`` at or after ``after``."""
        positions = self._string_index().get(value, [])
        found = self._take(("s", value), positions, (max(after, 1), -1), lambda p: p)
        return found[0] if found is not None else after

    def key(self, key: str, after: int = 1) -> int:
        """The line where ``key =`` (bare or quoted) or ``"key":`` is set, at or after ``after``."""
        numbers = self._key_index().get(key, [])
        found = self._take(("k", key), numbers, max(after, 1), lambda n: (n, -1))
        return found if found is not None else after

    def _take(self, slot: tuple[str, str], items: list[Any], after: Any, used_as: Any) -> Any:
        """The first unused item at or after ``after`` in sorted ``items``; mark it used."""
        free = self._first_free.get(slot, 0)
        index = max(bisect.bisect_left(items, after), free)
        while index < len(items):
            item = items[index]
            if used_as(item) not in self._used:
                self._used.add(used_as(item))
                while free < len(items) and used_as(items[free]) in self._used:
                    free += 1
                self._first_free[slot] = free
                return item
            index += 1
        return None
