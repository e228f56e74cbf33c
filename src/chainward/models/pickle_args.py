"""Arguments of the pickle opcodes that are text lines (INT, LONG, FLOAT, STRING, GET,
PUT), decoded as CPython's ``_pickle.c`` decodes them, not as :mod:`pickletools` does
(``INT`` goes through ``strtol`` with base 0, lines end at a NUL as C sees them)."""

from __future__ import annotations

import codecs
import re
import warnings

_FLOAT = re.compile(
    rb"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)", re.IGNORECASE
)
_STRTOL = re.compile(rb"[ \t\n\v\f\r]*[+-]?(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")


def cstring(data: bytes) -> bytes:
    """What C sees of a line: everything up to the first NUL."""
    nul = data.find(b"\0")
    return data if nul < 0 else data[:nul]


def int_line_ok(line: bytes) -> bool:
    """INT: ``strtol(s, &end, 0)`` must stop at the newline (or a NUL), else
    ``PyLong_FromString(s, NULL, 0)`` must accept the C string."""
    text = cstring(line)
    match = _STRTOL.match(text)
    if match is not None and match.end() == len(text):
        return True
    if match is not None and text[match.end() :] == b"\n":
        return True
    return pylong_ok(text)


def pylong_ok(text: bytes) -> bool:
    try:
        int(text.decode("ascii"), 0)
    except (ValueError, UnicodeDecodeError):
        return False
    return True


def float_line_ok(line: bytes) -> bool:
    match = _FLOAT.match(line)
    if match is None:
        return False
    rest = line[match.end() : match.end() + 1]
    if rest not in (b"\n", b"\0"):
        return False
    try:
        value = float(match.group().decode("ascii"))
    except (ValueError, OverflowError):
        return False
    return value not in (float("inf"), float("-inf")) or b"inf" in match.group().lower()


def decode_string_opcode(line: bytes) -> str | None:
    """STRING: strip trailing bytes <= ' ', require matching quotes, escape-decode."""
    end = len(line)
    while end > 0 and line[end - 1] <= 0x20:
        end -= 1
    body = line[:end]
    if not (len(body) > 1 and body[0] == body[-1] and body[0] in b"'\""):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            raw = codecs.escape_decode(body[1:-1])[0]
        except (ValueError, UnicodeDecodeError):
            return None
    return raw.decode("latin-1")


def find_newline(data: memoryview, start: int, end: int) -> int:
    """Index of the next newline in ``data[start:end]``, or -1."""
    # memoryview has no find: search in bounded windows (pickle lines are short).
    window = 1 << 16
    pos = start
    while pos < end:
        stop = min(end, pos + window)
        found = bytes(data[pos:stop]).find(b"\n")
        if found >= 0:
            return pos + found
        pos = stop
    return -1


def memo_index(line: bytes) -> int | None:
    """GET and PUT: ``PyLong_FromString(s, NULL, 10)`` over the C string, or None."""
    try:
        return int(cstring(line).decode("ascii"), 10)
    except (ValueError, UnicodeDecodeError):
        return None
