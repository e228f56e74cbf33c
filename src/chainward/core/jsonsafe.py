"""Parse untrusted JSON with one error type.

``json.loads`` raises more than ``JSONDecodeError`` on hostile input: ``RecursionError``
for arrays or objects nested about a thousand deep, and a bare ``ValueError`` for an
integer longer than ``sys.get_int_max_str_digits()``. Both become a
``JSONDecodeError`` (a ``ValueError``) with a position, so ``except ValueError`` at the
call site is enough.
"""

from __future__ import annotations

import json
import re
from typing import Any

_MAX_DEPTH_SHOWN = 200
_LONG_DIGITS = re.compile(r"[0-9]{4000,}")


def _deep_position(text: str) -> int:
    """Where bracket nesting (outside strings) first passes a sane depth."""
    depth = 0
    in_string = escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > _MAX_DEPTH_SHOWN:
                return index
        elif char in "]}":
            depth -= 1
    return 0


def loads_json(data: str | bytes | bytearray) -> Any:
    """``json.loads`` that raises only ``json.JSONDecodeError`` (a ValueError)."""
    try:
        return json.loads(data)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        text = data if isinstance(data, str) else bytes(data).decode("utf-8", "replace")
        raise json.JSONDecodeError(
            "arrays or objects are nested too deeply", text, _deep_position(text)
        ) from None
    except ValueError as exc:
        text = data if isinstance(data, str) else bytes(data).decode("utf-8", "replace")
        match = _LONG_DIGITS.search(text)
        raise json.JSONDecodeError(
            f"unreadable value: {str(exc)[:80]}", text, match.start() if match else 0
        ) from None
