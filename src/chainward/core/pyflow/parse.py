"""Parse Python source as data, with every parser failure turned into one record."""

from __future__ import annotations

import ast
from dataclasses import dataclass


def parse_source(rel: str, text: str) -> ast.Module:
    """Parse a Python file; raises SyntaxError (with ``lineno``/``offset``)."""
    try:
        return ast.parse(text, filename=rel)
    except MemoryError:
        # CPython's parser raises MemoryError when its own stack overflows, on inputs of
        # a few kilobytes (1,000 repetitions of `'x', t `): too complex, not out of memory.
        raise SyntaxError("too complex for the Python parser", (rel, None, None, None)) from None


@dataclass(frozen=True, slots=True)
class ParsedModule:
    """One Python file parsed once: its tree, or why it does not parse (then ``tree`` is
    None and ``error``, ``line`` and ``column`` say what and where)."""

    rel: str
    text: str
    tree: ast.Module | None
    error: str = ""
    line: int | None = None
    column: int | None = None


def parse_module(rel: str, text: str) -> ParsedModule:
    """``text`` parsed, or the reason it does not parse (never raises for bad input)."""
    try:
        return ParsedModule(rel, text, parse_source(rel, text))
    except SyntaxError as exc:
        line = exc.lineno
        if line is None and "\0" in text:  # "source code cannot contain null bytes"
            line = text.count("\n", 0, text.index("\0")) + 1
        return ParsedModule(rel, text, None, exc.msg or "invalid syntax", line, exc.offset)
    except (RecursionError, ValueError) as exc:
        return ParsedModule(rel, text, None, f"too deeply nested or invalid: {exc}")
