# ruff: noqa: RUF001 - the confusables table maps look-alike letters on purpose
"""Look-alike tables: letters that read alike in a package list (the confusable fold of
the index, visual pairs, Unicode homoglyphs of ASCII letters) and keys that sit side by
side on a keyboard."""

from __future__ import annotations

import unicodedata

# Look-alike characters folded to one representative. Digits and letters that read
# alike in a package list (l/I/1, o/0, e/3, s/5, a/4, ...) and multi-letter look-alikes.
_FOLD_CHARS = str.maketrans(
    {
        "0": "o",
        "1": "l",
        "i": "l",
        "!": "l",
        "|": "l",
        "3": "e",
        "4": "a",
        "5": "s",
        "$": "s",
        "7": "t",
        "@": "a",
        "-": None,
        "_": None,
        ".": None,
    }
)
_FOLD_MULTI = (("rn", "m"), ("vv", "w"), ("cl", "d"), ("nn", "m"))


def fold(name: str) -> str:
    """The confusable fold of a normalised ASCII name (no separators, look-alikes merged)."""
    out = name.translate(_FOLD_CHARS)
    for multi, single in _FOLD_MULTI:
        if multi in out:
            out = out.replace(multi, single)
    return out


_KEYBOARD_ROWS = ("1234567890-", "qwertyuiop", "asdfghjkl", "zxcvbnm")


def _keyboard_neighbours() -> dict[str, frozenset[str]]:
    where: dict[str, tuple[int, int]] = {}
    for row, keys in enumerate(_KEYBOARD_ROWS):
        for col, key in enumerate(keys):
            where[key] = (row, col)
    # Rows are staggered: a key touches the two keys below-left/below of it.
    out: dict[str, frozenset[str]] = {}
    for key, (row, col) in where.items():
        near = set()
        for other, (r2, c2) in where.items():
            if other == key:
                continue
            same_row = r2 == row and abs(c2 - col) == 1
            below = r2 == row + 1 and c2 in (col - 1, col)
            above = r2 == row - 1 and c2 in (col, col + 1)
            if same_row or below or above:
                near.add(other)
        out[key] = frozenset(near)
    return out


KEYBOARD = _keyboard_neighbours()

# Pairs that look alike in a package list (besides the fold in index.py).
VISUAL_PAIRS = {
    frozenset(p)
    for p in ("il", "l1", "i1", "o0", "e3", "s5", "a4", "t7", "b8", "g9", "z2", "uv", "qg", "ij")
}

# Unicode look-alikes of ASCII letters (Cyrillic, Greek, fullwidth handled by NFKC).
_UNICODE_CONFUSABLES = str.maketrans(
    {
        "а": "a",
        "в": "b",
        "е": "e",
        "ё": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "і": "i",
        "ї": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ԛ": "q",
        "ԝ": "w",
        "ɡ": "g",
        "ɩ": "l",
        "ӏ": "l",
        "ο": "o",
        "α": "a",
        "β": "b",
        "ε": "e",
        "η": "n",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "ω": "w",
        "Α": "a",
        "Β": "b",
        "Ε": "e",
        "Ζ": "z",
        "Η": "h",
        "Ι": "i",
        "Κ": "k",
        "Μ": "m",
        "Ν": "n",
        "Ο": "o",
        "Ρ": "p",
        "Τ": "t",
        "Υ": "y",
        "Χ": "x",
        "ı": "i",
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "−": "-",
    }
)


def ascii_skeleton(text: str) -> str:
    """Unicode look-alikes mapped to ASCII (NFKC, Cyrillic/Greek letters, accents dropped)."""
    text = unicodedata.normalize("NFKC", text).translate(_UNICODE_CONFUSABLES)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_VISUAL_ORDERED = frozenset(a + b for pair in VISUAL_PAIRS for a in pair for b in pair if a != b)
"""The look-alike pairs as two-letter strings, both ways round (one set look-up)."""


def is_visual(a: str, b: str) -> bool:
    """Whether two letters read alike in a package list (l/1, o/0, rn/m aside)."""
    return a + b in _VISUAL_ORDERED
