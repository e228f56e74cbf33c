"""Read TOML with the standard library (tomli below Python 3.11).

The parser raises more than ``TOMLDecodeError`` on hostile input: ``RecursionError``
for deeply nested arrays or inline tables, and ``ValueError`` for an integer with
more digits than Python converts (``sys.get_int_max_str_digits``). Both become a
``TOMLDecodeError`` naming the line, so callers handle one error type.
"""

from __future__ import annotations

import re
import sys
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

TOMLDecodeError = tomllib.TOMLDecodeError

_LONG_DIGITS = re.compile(r"[0-9_]{4000,}")
_MAX_DEPTH_SHOWN = 100


def _line_at(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _deep_line(text: str) -> int | None:
    """The line where bracket nesting first passes a sane depth (a rough locator)."""
    depth = 0
    for index, char in enumerate(text):
        if char in "[{":
            depth += 1
            if depth > _MAX_DEPTH_SHOWN:
                return _line_at(text, index)
        elif char in "]}":
            depth = max(0, depth - 1)
    return None


def loads_toml(text: str) -> dict[str, Any]:
    """Parse TOML text; raises TOMLDecodeError with line and column in its message."""
    try:
        return tomllib.loads(text)
    except TOMLDecodeError:
        raise
    except RecursionError:
        line = _deep_line(text)
        where = f" (at line {line})" if line else ""
        raise TOMLDecodeError(f"arrays or tables are nested too deeply{where}") from None
    except ValueError as exc:
        # int() refuses strings of more than sys.get_int_max_str_digits() digits.
        match = _LONG_DIGITS.search(text)
        where = f" (at line {_line_at(text, match.start())})" if match else ""
        raise TOMLDecodeError(f"unreadable value: {str(exc)[:80]}{where}") from None
