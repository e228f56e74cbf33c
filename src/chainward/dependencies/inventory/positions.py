"""Line numbers for values of parsed TOML/JSON documents.

``tomllib`` and ``json`` return values without positions, so the parsers locate
each value in the text: a table header first, then the quoted string or key after
it. Each found position is used once, so repeated values map to successive lines.
"""

from __future__ import annotations


class LineFinder:
    """Find the 1-based line of headers, keys and quoted strings in a text."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self._used: set[tuple[int, int]] = set()

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

    def string(self, value: str, after: int = 1) -> int:
        """The line of the next unused ``"value"``/``'value'`` at or after ``after``."""
        needles = [f'"{value}"', f"'{value}'", f'"""{value}"""']
        for number in range(max(after, 1), len(self.lines) + 1):
            raw = self.lines[number - 1]
            for needle in needles:
                column = raw.find(needle)
                while column >= 0:
                    if (number, column) not in self._used:
                        self._used.add((number, column))
                        return number
                    column = raw.find(needle, column + 1)
        return after

    def key(self, key: str, after: int = 1) -> int:
        """The line where ``key =`` (bare or quoted) or ``"key":`` is set, at or after ``after``."""
        starts = (key, f'"{key}"', f"'{key}'")
        for number in range(max(after, 1), len(self.lines) + 1):
            stripped = self.lines[number - 1].strip()
            for start in starts:
                if stripped.startswith(start):
                    rest = stripped[len(start) :].lstrip()
                    if rest.startswith(("=", ":")) and (number, -1) not in self._used:
                        self._used.add((number, -1))
                        return number
        return after
