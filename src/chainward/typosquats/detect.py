# ruff: noqa: RUF001 - the confusables table maps look-alike letters on purpose
"""Typosquat detection: is this package name a look-alike of a popular one?

Every technique is an indexed look-up (see :mod:`chainward.typosquats.index`), never a
scan of the popular list. A name that is itself on the trusted list, or allowed by the
policy, is never flagged (the popularity gate); everything else is compared with the
trusted names by:

- the PEP 503 form, a confusables fold (l/I/1, o/0, rn/m, vv/w, Cyrillic and Greek
  look-alikes) and separator games;
- Damerau-Levenshtein distance 1 (omission, insertion, repetition, transposition,
  keyboard-adjacent and visual substitution), and distance 2 for longer names against
  the most popular ones;
- py/python/python3 affixes, version suffixes, word reordering;
- combosquats: a popular name plus filler words (``requests-latest``) or two popular
  names glued together (``selenium-matplotlib``), told apart from plugins
  (``pytest-cov``) by the words around the popular name;
- the alias table (pytorch -> torch, bs4 -> beautifulsoup4, ...), names LLM assistants
  are known to invent (``huggingface-cli``), and AI vendor brand impersonation.

Each candidate gets a score in [0, 1]; a name is flagged when its best score reaches
:data:`THRESHOLD`. The rules score structure (which edit, where, against how popular a
name), not individual names.
"""

from __future__ import annotations

import math
import os
import re
import sys
import unicodedata
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from chainward.typosquats.index import (
    DEL2_MIN_LEN,
    DEL2_TOP,
    FAST_TOP,
    NS_CORE,
    NS_DEL1,
    NS_FOLD,
    NS_WORDS,
    REL_CORE,
    REL_FOLD,
    REL_NEAR,
    REL_SHORTER,
    REL_WORDS,
    HashIndex,
    affix_core,
    fold,
    load_index,
    normalize,
    word_key,
)
from chainward.typosquats.index import _data_text as data_text
from chainward.typosquats.index import _lines as data_lines
from chainward.typosquats.thresholds import FILLER_MIN_HOSTS, THRESHOLDS
from chainward.typosquats.vocab import (
    fillers_from,
    lemma,
    load_expert_words,
    load_filler_evidence,
    load_vocabulary,
)

THRESHOLD = 0.45
"""The threshold of a technique that :data:`THRESHOLDS` does not name."""
STRONG = 0.8
"""A distance-1 candidate this strong ends the search early."""
FAST_EXIT = 0.6
"""A distance-1 look-alike of a top-1,000 name scoring this ends the search at once."""
DOUBLE_TOP = DEL2_TOP
"""Distance 2 is checked against the names of at least DOUBLE_MIN_LEN letters ranked up
to this."""
DOUBLE_MIN_LEN = DEL2_MIN_LEN - 1
"""Chosen by cross-validation (``benchmarks/typosquat_cv.py --double-top N
--double-min-len N``): 7 letters instead of 8 flags one more distance-2 row (asyncci)
in every column and no more hard negatives, real or top names; 6 loses distance-2 rows
under folds by target (0.889); ranks up to 3,000 or 5,000 change nothing on the
development data (no evidence either way, so the rank stays). Targets of 7 letters are
found by their first or last three letters (the index holds two-letter deletions for 8+
letters only)."""
GENERIC_TOP = 300
"""A popular name plus words common in package names is scored as an official-looking
variant only for targets ranked up to this (see _combos). Under cross-validation 1,000
or 3,000 add two combosquat rows but flag a real dependency (onnxruntime-tools)."""
GLUE_TOP = 1000
"""Two popular names glued together (selenium-matplotlib) score as a combosquat when the
second is ranked up to this (the first, the target, up to 1,000). Under cross-validation
3,000 or 15,000 find no more look-alikes and flag real dependencies (quart-trio)."""
_AFFIX_WORDS = frozenset({"py", "py2", "py3", "python", "python2", "python3"})
_FUSED_AFFIXES = ("python3", "python2", "python", "py3", "py2", "py")
"""Longest first: ``python3requests`` is ``requests`` with ``python3``."""
MAX_NAME_LENGTH = 200
"""Longer names are rejected outright (PyPI's own limit is far below a megabyte)."""

_VALID_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")
_VERSION_SUFFIX = re.compile(r"^(?P<base>.+?)-?(?P<suffix>v?\d+(?:-\d+)*)$")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_FUSED_VERSION_SHARE = {"one word": (76, 6521), "several words": (19, 8464)}
"""Popular names that are another popular name plus fused digits (1-2), and all popular
names, by the shape of the name (one word or several): see _version_suffix."""

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
_VISUAL_PAIRS = {
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


class Verdict(NamedTuple):
    """The result for one name (a named tuple: immutable, and made for every name
    checked, which a frozen dataclass makes several times slower).

    ``target`` is the popular name it imitates and ``target_rank`` its download rank;
    ``technique`` uses the vocabulary of the evaluation data (``omission``,
    ``transposition``, ``combosquat``, ...) plus ``invalid-name`` for names that are
    not valid package names at all.
    """

    name: str
    normalized: str
    flagged: bool
    target: str | None = None
    target_rank: int | None = None
    technique: str | None = None
    score: float = 0.0
    detail: str = ""


class Candidate(NamedTuple):
    """One way a name resembles a popular one, with its score (a named tuple: made
    thousands of times a second, and cheaper to make than a frozen dataclass)."""

    target: str
    rank: int
    technique: str
    score: float
    detail: str


@dataclass
class ReferenceData:
    """The loaded index and the small shipped lists."""

    index: HashIndex
    names: list[str]
    ranks: Sequence[int]
    number_of: dict[str, int]
    aliases: dict[str, str]
    alias_names: list[str]
    hallucinated: dict[str, str]
    brands: frozenset[str]
    filler_evidence: dict[str, tuple[int, int]]
    """Candidate combosquat filler words: (popular names they attach to, targets attackers
    added them to), learned (:mod:`chainward.typosquats.vocab`)."""
    expert_words: frozenset[str]
    """Combosquat filler words curated by hand from public reports of attacker naming
    habits (``data/squat-words.txt``): the second source of fillers."""
    brand_pattern: re.Pattern[str]
    """Finds any brand inside a name (one search instead of a loop per brand)."""
    vocabulary: dict[str, int]
    """How many popular names use each word (:mod:`chainward.typosquats.vocab`)."""


@lru_cache(maxsize=1)
def load_reference() -> ReferenceData:
    """Load the shipped index and lists once per process (a few milliseconds)."""
    index = load_index()
    names = index.names
    number_of = {name: number for number, name in enumerate(names)}
    aliases: dict[str, str] = {}
    alias_names: list[str] = []
    for line in data_lines(data_text("aliases.txt")):
        alias, _, canonical = line.partition("\t")
        a, c = normalize(alias), normalize(canonical.strip())
        if a and c and a != c:
            aliases[a] = c
            alias_names.append(a)
    hallucinated: dict[str, str] = {}
    for line in data_lines(data_text("hallucinated.txt")):
        name, _, rest = line.partition("\t")
        hallucinated[normalize(name)] = rest.split("\t", 1)[0]
    brands = frozenset(normalize(b) for b in data_lines(data_text("brands.txt")))
    return ReferenceData(
        index=index,
        names=names,
        ranks=index.ranks,
        number_of=number_of,
        aliases=aliases,
        alias_names=alias_names,
        hallucinated=hallucinated,
        brands=brands,
        brand_pattern=re.compile(
            "|".join(sorted((re.escape(b) for b in brands if len(b) >= 3), key=len, reverse=True))
            or "(?!)"
        ),
        filler_evidence=load_filler_evidence(),
        expert_words=load_expert_words(),
        vocabulary=load_vocabulary(),
    )


def ascii_skeleton(text: str) -> str:
    """Unicode look-alikes mapped to ASCII (NFKC, Cyrillic/Greek letters, accents dropped)."""
    text = unicodedata.normalize("NFKC", text).translate(_UNICODE_CONFUSABLES)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_VISUAL_ORDERED = frozenset(a + b for pair in _VISUAL_PAIRS for a in pair for b in pair if a != b)
"""The look-alike pairs as two-letter strings, both ways round (one set look-up)."""


def _is_visual(a: str, b: str) -> bool:
    return a + b in _VISUAL_ORDERED


def _token_at(name: str, position: int) -> str:
    """The hyphen-separated word of ``name`` that covers ``position``."""
    start = name.rfind("-", 0, position) + 1
    end = name.find("-", position)
    return name[start : end if end >= 0 else len(name)]


class Edit(NamedTuple):
    """One edit turning the target into the name: kind, position in the name, chars."""

    kind: str  # "omission" | "insertion" | "substitution" | "transposition"
    position: int
    new: str
    old: str


def single_edit(name: str, target: str) -> Edit | None:
    """The one Damerau edit turning ``target`` into ``name``, or None."""
    ln, lt = len(name), len(target)
    if ln == lt:
        diffs = [i for i in range(ln) if name[i] != target[i]]
        if len(diffs) == 1:
            i = diffs[0]
            return Edit("substitution", i, name[i], target[i])
        if (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and name[diffs[0]] == target[diffs[1]]
            and name[diffs[1]] == target[diffs[0]]
        ):
            i = diffs[0]
            return Edit("transposition", i, name[i : i + 2], target[i : i + 2])
        return None
    if ln == lt + 1:
        i = 0
        while i < lt and name[i] == target[i]:
            i += 1
        if name[i + 1 :] == target[i:]:
            return Edit("insertion", i, name[i], "")
        return None
    if lt == ln + 1:
        i = 0
        while i < ln and name[i] == target[i]:
            i += 1
        if name[i:] == target[i + 1 :]:
            return Edit("omission", i, "", target[i])
        return None
    return None


_Buckets = dict[tuple[str, int], list[tuple[int, bytes]]]

# The edits at either end of the differing middle of two names, as letters used from
# the name and from the target: substitution (1, 1), insertion (1, 0), omission (0, 1),
# transposition (2, 2). Pairs of a first and a last edit, by the length difference
# they make (name minus target).
_END_EDITS = ((1, 1), (1, 0), (0, 1), (2, 2))
_EDIT_PAIRS: dict[int, tuple[tuple[int, int, int, int], ...]] = {
    difference: tuple(
        (x1, y1, x2, y2)
        for x1, y1 in _END_EDITS
        for x2, y2 in _END_EDITS
        if x1 - y1 + x2 - y2 == difference
    )
    for difference in range(-2, 3)
}


def short_distance(name: bytes, target: bytes) -> int:
    """The restricted Damerau distance of two ASCII names if it is at most 2, else 3.

    A filter for :func:`osa_table`, in a handful of C-level operations: the common
    prefix and suffix come from the highest bit of an XOR of the two as big integers
    (dropping them leaves the distance unchanged), and what differs in between must
    then be one edit, or one edit at its start and one at its end with equal letters
    between them.
    """
    ln, lt = len(name), len(target)
    if ln - lt > 2 or lt - ln > 2:
        return 3
    size = ln if ln < lt else lt
    x = int.from_bytes(name[:size], "big") ^ int.from_bytes(target[:size], "big")
    prefix = size - ((x.bit_length() + 7) >> 3)
    rest = size - prefix
    suffix = 0
    if rest:
        x = int.from_bytes(name[ln - rest :], "little") ^ int.from_bytes(
            target[lt - rest :], "little"
        )
        suffix = rest - ((x.bit_length() + 7) >> 3)
    a = name[prefix : ln - suffix]
    b = target[prefix : lt - suffix]
    la, lb = len(a), len(b)
    if la <= 2 and lb <= 2:
        if la + lb == 0:
            return 0
        if la + lb == 1 or (la == 1 and lb == 1):
            return 1
        if la == 2 and lb == 2 and a[0] == b[1] and a[1] == b[0]:
            return 1  # two letters swapped
        return 2
    if la > 4 and a[2 : la - 2] not in b:
        return 3  # the letters between the two edits hold at least this middle
    for x1, y1, x2, y2 in _EDIT_PAIRS[la - lb]:
        if la < x1 + x2 or (x1 == 2 and (a[0] != b[1] or a[1] != b[0])):
            continue
        if x2 == 2 and (a[la - 2] != b[lb - 1] or a[la - 1] != b[lb - 2]):
            continue
        if a[x1 : la - x2] == b[y1 : lb - y2]:
            return 2
    return 3


def osa_edits(name: str, target: str, prefer_indel: bool = False) -> list[Edit] | None:
    """The edits of an optimal restricted Damerau alignment if the distance is <= 2.

    Several alignments can be optimal (``requesxt``: two changed letters, or an added
    ``x`` and a dropped ``s``); ``prefer_indel`` picks additions and omissions first.
    """
    table = osa_table(name, target)
    if table is None:
        return None
    return osa_backtrack(name, target, table, prefer_indel)


_PREFIX_ROWS: dict[tuple[int, int], tuple[int, ...]] = {}


def _prefix_row(i: int, size: int) -> tuple[int, ...]:
    """Row ``i`` of a banded table along a common prefix: ``|i - j|`` within two of the
    diagonal, 99 beyond (cached: the rows repeat for every pair of names)."""
    row = _PREFIX_ROWS.get((i, size))
    if row is None:
        row = tuple(abs(i - j) if abs(i - j) <= 2 else 99 for j in range(size + 1))
        if len(_PREFIX_ROWS) < 4096:
            _PREFIX_ROWS[i, size] = row
    return row


def _common_prefix(a: str, b: str) -> int:
    """The length of the common prefix of two ASCII strings (an XOR of big integers)."""
    size = min(len(a), len(b))
    x = int.from_bytes(a[:size].encode(), "big") ^ int.from_bytes(b[:size].encode(), "big")
    return size - ((x.bit_length() + 7) >> 3)


def _common_ends(name: str, target: str) -> tuple[int, int]:
    """The lengths of the common prefix and of the common suffix of what follows it."""
    prefix = _common_prefix(name, target)
    rest = min(len(name), len(target)) - prefix
    if not rest:
        return prefix, 0
    return prefix, _common_prefix(
        name[len(name) - rest :][::-1], target[len(target) - rest :][::-1]
    )


def osa_table(name: str, target: str) -> list[list[int]] | None:
    """The banded restricted Damerau table of ``name`` against ``target``, or None when
    the distance is above 2 (computed once, backtracked by :func:`osa_backtrack`).

    Only what the backtrack reads is computed: along the common prefix the values are
    ``|i - j|``, and along the common suffix the backtrack walks the diagonal, where
    the value stays that of the end of the differing middle.
    """
    ln, lt = len(name), len(target)
    if abs(ln - lt) > 2:
        return None
    # Only a band of width 2 around the diagonal can stay within distance 2.
    big = 99
    prefix, suffix = _common_ends(name, target)
    dist = [list(_prefix_row(i, lt)) for i in range(prefix + 1)]
    dist += [[big] * (lt + 1) for _ in range(prefix + 1, ln + 1)]
    for i in range(prefix + 1, min(ln, 2) + 1):
        dist[i][0] = i
    for i in range(prefix + 1, ln - suffix + 1):
        row = dist[i]
        prev = dist[i - 1]
        ci = name[i - 1]
        for j in range(max(1, i - 2), min(lt, i + 2) + 1):
            cost = 0 if ci == target[j - 1] else 1
            best = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if (
                i > 1
                and j > 1
                and ci == target[j - 2]
                and name[i - 2] == target[j - 1]
                and dist[i - 2][j - 2] + 1 < best
            ):
                best = dist[i - 2][j - 2] + 1
            row[j] = best
        if min(row[max(0, i - 2) : i + 3]) > 2:
            return None  # every alignment is already more than two edits away
    end = dist[ln - suffix][lt - suffix]
    for k in range(1, suffix + 1):
        dist[ln - suffix + k][lt - suffix + k] = end
    if dist[ln][lt] > 2:
        return None
    return dist


def osa_backtrack(
    name: str, target: str, dist: list[list[int]], prefer_indel: bool = False
) -> list[Edit]:
    """The edits of one optimal alignment in an :func:`osa_table` table.

    Along the common suffix the alignment matches letter for letter, so the walk starts
    where it ends; along the common prefix the table holds ``|i - j|``, where a letter
    that matches is kept and otherwise the longer side loses one (the rules below give
    nothing else there), which needs no look at the table.
    """
    ln, lt = len(name), len(target)
    edits: list[Edit] = []
    prefix, suffix = _common_ends(name, target)
    i, j = ln - suffix, lt - suffix
    while i > prefix:
        here = dist[i][j]
        if (
            i > 1
            and j > 1
            and name[i - 1] == target[j - 2]
            and name[i - 2] == target[j - 1]
            and name[i - 1] != target[j - 1]
            and dist[i - 2][j - 2] + 1 == here
        ):
            edits.append(Edit("transposition", i - 2, name[i - 2 : i], target[j - 2 : j]))
            i, j = i - 2, j - 2
        elif i > 0 and j > 0 and name[i - 1] == target[j - 1] and dist[i - 1][j - 1] == here:
            i, j = i - 1, j - 1
        elif prefer_indel and i > 0 and dist[i - 1][j] + 1 == here:
            edits.append(Edit("insertion", i - 1, name[i - 1], ""))
            i -= 1
        elif prefer_indel and j > 0 and dist[i][j - 1] + 1 == here:
            edits.append(Edit("omission", i, "", target[j - 1]))
            j -= 1
        elif i > 0 and j > 0 and dist[i - 1][j - 1] + 1 == here:
            edits.append(Edit("substitution", i - 1, name[i - 1], target[j - 1]))
            i, j = i - 1, j - 1
        elif i > 0 and dist[i - 1][j] + 1 == here:
            edits.append(Edit("insertion", i - 1, name[i - 1], ""))
            i -= 1
        else:
            edits.append(Edit("omission", i, "", target[j - 1]))
            j -= 1
    while i != j:  # along the common prefix: once i == j only matches are left
        if i > 0 and j > 0 and name[i - 1] == target[j - 1]:
            i, j = i - 1, j - 1
        elif i > j:
            edits.append(Edit("insertion", i - 1, name[i - 1], ""))
            i -= 1
        else:
            edits.append(Edit("omission", i, "", target[j - 1]))
            j -= 1
    edits.reverse()
    return edits


def classify_edit(edit: Edit, name: str) -> str:
    """The evaluation vocabulary's technique for one edit."""
    if edit.kind == "transposition":
        return "transposition"
    if edit.kind == "omission":
        return "omission"
    if edit.kind == "insertion":
        c = edit.new
        before = name[edit.position - 1] if edit.position > 0 else ""
        after = name[edit.position + 1] if edit.position + 1 < len(name) else ""
        if c in (before, after):
            return "repetition"
        near = KEYBOARD.get(c, frozenset())
        if before in near or after in near:
            return "insertion-keyboard-adjacent"
        return "insertion"
    if _is_visual(edit.new, edit.old):
        return "homoglyph"
    if edit.old in KEYBOARD.get(edit.new, frozenset()):
        return "substitution-keyboard-adjacent"
    return "substitution"


_EDIT_BASE = {
    "transposition": 0.85,
    "repetition": 0.85,
    "homoglyph": 0.8,
    "omission": 0.7,
    "insertion-keyboard-adjacent": 0.7,
    "substitution-keyboard-adjacent": 0.7,
    "insertion": 0.6,
    "substitution": 0.5,
}


def _rank_bonus(rank: int) -> float:
    if rank <= 100:
        return 0.15
    if rank <= 1000:
        return 0.05
    if rank <= 5000:
        return 0.0
    return -0.05


def score_single_edit(name: str, target: str, rank: int, edit: Edit) -> Candidate | None:
    """Score a distance-1 look-alike; None when the edit is a known-benign pattern."""
    technique = classify_edit(edit, name)
    kind, pos, new, old = edit
    chars = new + old
    if chars.isascii() and chars.isdigit() and technique != "repetition":
        # A digit changed, added or dropped: a version or a variant (smbus/smbus2,
        # django-bootstrap4/5, html2docx) is normal, except right next to the very top
        # of the list (urllib/urllib3). A doubled digit is no version (boto33): no two
        # popular names differ by one.
        if rank > 20:
            return None
        return Candidate(target, rank, technique, 0.55, _describe_edit(edit, technique))
    if "-" in chars:
        return None  # separators only: scored by the fold look-up as separator-change
    score = _EDIT_BASE[technique]
    length = len(target)
    if length <= 3:
        score -= 0.35
    elif length == 4:
        score -= 0.2
    elif length == 5:
        score -= 0.1
    elif length >= 8:
        score += 0.05
    score += _rank_bonus(rank)
    if kind in {"insertion", "omission"} and technique != "repetition":
        if pos == 0:
            # A letter added or dropped in front usually makes another word (enum/aenum).
            score -= 0.2
        elif pos >= (len(name) - 1 if kind == "insertion" else len(name)):
            # ... and at the end, a plural or a variant (kernel/kernels, whisper/whisperx).
            score -= 0.1
            if kind == "omission" and old == "s" and rank > 100:
                score -= 0.15
    if (
        "-" in target
        and technique not in {"transposition", "repetition"}
        and (not name or len(_token_at(name, min(pos, len(name) - 1))) <= 3)
    ):
        # Within a short word of a longer name the edit names a sibling product
        # (aws-cdk-aws-sqs/sns, types-boto3-sts/sqs).
        score -= 0.3
    if technique == "substitution":
        if new in "aeiouy" and old in "aeiouy":
            score += 0.1  # vowels are confused when typing by ear (requists, colorame)
        elif ("0" <= new <= "9") != ("0" <= old <= "9"):
            score -= 0.2
        if pos == 0:
            score -= 0.2  # a different first letter makes a different word (crick, slack)
    score = min(score, 0.99)
    return Candidate(target, rank, technique, round(score, 3), _describe_edit(edit, technique))


def _describe_edit(edit: Edit, technique: str) -> str:
    if edit.kind == "transposition":
        return f"letters {edit.old!r} swapped"
    if edit.kind == "omission":
        return f"{edit.old!r} left out"
    if edit.kind == "insertion":
        return f"{edit.new!r} added" + (" (doubled)" if technique == "repetition" else "")
    if technique == "homoglyph":
        return f"{edit.old!r} replaced by the look-alike {edit.new!r}"
    return f"{edit.old!r} replaced by {edit.new!r}"


def score_double_edit(name: str, target: str, rank: int, edits: list[Edit]) -> Candidate | None:
    """Score a distance-2 look-alike of a popular, long name."""
    if len(target) < DOUBLE_MIN_LEN or rank > DOUBLE_TOP or len(edits) != 2:
        return None
    first, second = edits
    if not (first.new + first.old + second.new + second.old).isalpha():
        return None  # versions and separators (digits, "-") are not typing mistakes
    if name.startswith(target) or name.endswith(target):
        extra = name[len(target) :] if name.startswith(target) else name[: -len(target)]
        edge = target[-1] if name.startswith(target) else target[0]
        if set(extra) != {edge}:
            return None  # an affix (pyjsonpatch), unless a letter is repeated (pycparserrr)
    if target.startswith(name) or target.endswith(name):
        return None  # a truncation (rich-cli/rich-click, shortid/shortuuid)
    kinds = [classify_edit(e, name) for e in edits]
    subs = [k for k in kinds if k == "substitution"]
    if len(subs) == 2:
        return None  # two unrelated letters changed: another word (fifolock/filelock)
    omissions = [e for e in edits if e.kind == "omission"]
    contiguous_cut = len(omissions) == 2 and omissions[0].position == omissions[1].position
    if "-" in target:
        words = {_token_at(name, min(e.position, len(name) - 1)) for e in edits}
        if any(len(w) <= 3 for w in words) or (len(words) == 1 and len(words.pop()) <= 5):
            return None  # a short word of a longer name replaced: a sibling product
    score = 0.55 + (0.1 if rank <= 500 else 0.0) + (0.05 if len(target) >= 10 else 0.0)
    score -= 0.1 * len(subs)
    if contiguous_cut:
        score -= 0.15  # two adjacent letters cut: an abbreviation (shortid/shortuuid)
    if all(e.kind in ("omission", "insertion") for e in edits) and (
        edits[0].position == 0 or edits[-1].position >= len(name) - 1
    ):
        score -= 0.1
    detail = " and ".join(_describe_edit(e, k) for e, k in zip(edits, kinds, strict=True))
    return Candidate(target, rank, "edit-distance-2", round(score, 3), detail)


def _strongest(found: list[Candidate], thresholds: Mapping[str, float]) -> Candidate:
    """The best candidate: a flagged one first, then the highest score, then the most
    popular target."""
    if len(found) == 1:
        return found[0]
    return max(
        found, key=lambda c: (c.score >= thresholds.get(c.technique, THRESHOLD), c.score, -c.rank)
    )


def popularity_discount(own_rank: int, target_rank: int) -> float:
    """How much less a candidate scores when the name itself is popular (in the shipped
    list, but not trusted with ``--trusted-top``), by the ratio of the two download ranks.

    Downloads fall roughly as 1/rank, so ``own_rank / target_rank`` estimates how many
    times fewer downloads the name has than its target. A look-alike lives off the
    target's mistyped installs, a small fraction of its downloads; a name with a
    thirtieth of its target's downloads or more is a project people choose. The
    figures are a prior, fixed by this reasoning and not fitted: on the development
    data every popular name is legitimate, so a fitted discount would grow without
    bound (see benchmarks/typosquat_cv.py, which reports the rate without it too).
    """
    ratio = own_rank / max(target_rank, 1)
    if ratio <= 30:
        return 0.3
    if ratio <= 300:
        return 0.15
    return 0.0


# The highest score each technique can give (see the techniques below; a test checks
# them against the scores given on many names).
_CEILING_AFFIX = 0.7
_CEILING_VERSION = 0.85
_CEILING_WORD_ORDER = 0.6
_CEILING_COMBO = 0.7
_CEILING_BRAND = 0.55


class Detector:
    """Checks names against the trusted popular list (the top ``trusted_top`` names).

    A detector keeps scratch state for the name being checked: use one per thread
    (:func:`check_batch` uses processes, which each have their own copy).
    """

    precomputed = True
    """Use the look-ups the index stores for popular names (False: compute them, as
    for any other name; the verdicts are the same, which a test checks)."""

    def __init__(
        self,
        trusted_top: int | None = None,
        allow: Iterable[str] = (),
        reference: ReferenceData | None = None,
        thresholds: Mapping[str, float] | None = None,
        popularity: bool = True,
        filler_evidence: Mapping[str, tuple[int, int]] | None = None,
        filler_min_hosts: int | None = None,
        expert_words: Iterable[str] | None = None,
    ) -> None:
        self.ref = reference or load_reference()
        self.thresholds: dict[str, float] = dict(THRESHOLDS if thresholds is None else thresholds)
        """The score at which each technique flags (:mod:`~chainward.typosquats.thresholds`)."""
        self.popularity = popularity
        """Discount candidates of a name that is itself popular (:func:`popularity_discount`)."""
        ranks = self.ref.ranks
        limit = trusted_top if trusted_top is not None else max(ranks, default=0)
        self.limit = limit
        count = bisect_right(ranks, limit)  # the names are in rank order
        self.count = count
        """Target numbers below this are trusted names."""
        self.trusted = frozenset(self.ref.names[:count])
        self.allow = frozenset(normalize(a) for a in allow)
        self._alias_base = len(self.ref.names)
        self._alias_numbers = {
            alias: self._alias_base + i for i, alias in enumerate(self.ref.alias_names)
        }
        self._candidates: set[int] = set()
        self._longer: list[int] = []
        """Targets (trusted names and aliases) that are the name minus one letter."""
        self._related: list[array[int]] | None = None
        """The precomputed look-ups of the name being checked, if it is a popular name
        (not trusted here): see :func:`chainward.typosquats.index.build_related`."""
        self._fast_count = bisect_right(ranks, FAST_TOP)
        """Target numbers below this are the top names of the fast look-up."""
        self._scored: dict[int, Candidate | None] = {}
        """Distance-1 candidates the fast look-up scored, by target number."""
        # Built here, not on first use: checking starts at full speed once loaded (and
        # forked batch workers share them).
        self._hosts = self._plugin_hosts()
        self._buckets = self._double_buckets()
        evidence = self.ref.filler_evidence if filler_evidence is None else filler_evidence
        least = FILLER_MIN_HOSTS if filler_min_hosts is None else filler_min_hosts
        expert = self.ref.expert_words if expert_words is None else frozenset(expert_words)
        self.fillers = self._usable_fillers(fillers_from(evidence, least) | expert)
        """Words that make a popular name look like an official variant: the learned
        ones and the expert list (``expert_words=()``: learned only, as cross-validated)."""
        self._filler_deletions = frozenset(
            w[:i] + w[i + 1 :] for w in self.fillers if len(w) >= 6 for i in range(len(w))
        ) | frozenset(w for w in self.fillers if len(w) >= 6)
        """Long filler words with one letter deleted, to recognise misspelt fillers."""
        self._filler_lemmas = frozenset(lemma(w) for w in self.fillers if len(lemma(w)) >= 3)
        """The base forms of the fillers (``updated`` is a filler when ``update`` is)."""

    # -- helpers --------------------------------------------------------------------

    def _usable_fillers(self, words: Iterable[str]) -> frozenset[str]:
        """The filler words (learned or expert) that are not plugin namespaces
        (``pytest``, ``types``) nor names of the top 1,000 (two popular names glued
        together is judged by its own rule)."""
        ranks = self.ref.ranks
        number_of = self.ref.number_of
        return frozenset(
            w
            for w in words
            if w not in self._hosts and not (w in number_of and ranks[number_of[w]] <= 1000)
        )

    def _plugin_hosts(self) -> frozenset[str]:
        """First words that many trusted names share (``name-...``): plugin namespaces.

        ``pytest``, ``django``, ``flask``, ``sphinx``, ``types``... A popular name
        followed by specific words is then a plugin, not a squat.
        """
        counts: dict[str, int] = {}
        for name in self.ref.names[: self.count]:
            head, sep, _ = name.partition("-")
            if sep:
                counts[head] = counts.get(head, 0) + 1
        # One plugin per thousand trusted names: django, pytest, flask, sphinx, types...
        least = max(3, self.count // 1000)
        return frozenset(h for h, c in counts.items() if c >= least)

    def _target(self, number: int) -> tuple[str, int, str] | None:
        """(name, effective rank, canonical) for a target number, if it is trusted."""
        if number < self.count:
            name = self.ref.names[number]
            return name, self.ref.ranks[number], name
        if number >= self._alias_base:
            alias_number = number - self._alias_base
            if alias_number >= len(self.ref.alias_names):
                return None
            alias = self.ref.alias_names[alias_number]
            canonical = self.ref.aliases[alias]
            canonical_number = self.ref.number_of.get(canonical)
            if canonical_number is None or canonical_number >= self.count:
                return None
            return alias, self.ref.ranks[canonical_number], canonical
        return None

    def _lookup(self, namespace: str, key: str) -> list[int]:
        return self.ref.index.lookup(namespace, key)

    def _popular(self, name: str) -> tuple[str, int] | None:
        """(canonical, rank) when ``name`` is a trusted name or an alias of one; an alias
        of a more popular project counts as that project (beautifulsoup -> beautifulsoup4)."""
        found: tuple[str, int] | None = None
        number = self.ref.number_of.get(name)
        if number is not None and number < self.count:
            found = (name, self.ref.ranks[number])
        canonical = self.ref.aliases.get(name)
        if canonical is not None:
            number = self.ref.number_of.get(canonical)
            if number is not None and number < self.count:
                rank = self.ref.ranks[number]
                if found is None or rank < found[1]:
                    found = (canonical, rank)
        return found

    # -- the check ------------------------------------------------------------------

    def check(self, raw: object) -> Verdict:
        """The verdict for one name as written (never raises on odd input)."""
        if not isinstance(raw, str):
            return Verdict(
                str(raw), "", True, technique="invalid-name", score=1.0, detail="not a string"
            )
        stripped = raw.strip()
        if not stripped:
            return Verdict(raw, "", True, technique="invalid-name", score=1.0, detail="empty name")
        if len(stripped) > MAX_NAME_LENGTH:
            return Verdict(
                raw[:80] + "...",
                "",
                True,
                technique="invalid-name",
                score=1.0,
                detail=f"name is {len(stripped)} characters long (limit {MAX_NAME_LENGTH})",
            )
        if stripped.isascii() and _VALID_NAME.match(stripped):
            return self._check_valid(raw, normalize(stripped))  # the common case, fast
        for char in stripped:
            if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
                return Verdict(
                    raw,
                    "",
                    True,
                    technique="invalid-name",
                    score=1.0,
                    detail=f"control or invisible character U+{ord(char):04X} in the name",
                )
        return self._check_odd(raw, stripped)

    def _check_odd(self, raw: str, stripped: str) -> Verdict:
        """Non-ASCII or otherwise invalid names: a look-alike of a popular name, or invalid."""
        skeleton = ascii_skeleton(stripped).lower()
        skeleton = "".join(c if c.isalnum() or c in "-_." else "-" for c in skeleton)
        skeleton = normalize(skeleton).strip("-")
        if skeleton.isascii() and _VALID_NAME.match(skeleton or "-"):
            popular = self._popular(skeleton)
            if popular is not None:
                return Verdict(
                    raw,
                    skeleton,
                    True,
                    popular[0],
                    popular[1],
                    "homoglyph",
                    0.99,
                    f"Unicode look-alike characters imitate {popular[0]!r}",
                )
            inner = self._check_valid(raw, skeleton)
            if inner.flagged and inner.target:
                return Verdict(
                    raw,
                    skeleton,
                    True,
                    inner.target,
                    inner.target_rank,
                    "homoglyph" if not stripped.isascii() else inner.technique,
                    max(inner.score, 0.9),
                    "look-alike characters; " + inner.detail,
                )
        bad = next((c for c in stripped if not (c.isascii() and (c.isalnum() or c in "-_."))), "")
        what = f"character {bad!r} (U+{ord(bad):04X})" if bad else "a separator at an end"
        return Verdict(
            raw,
            skeleton,
            True,
            technique="invalid-name",
            score=1.0,
            detail=f"not a valid package name: {what}; names are ASCII letters, digits, -_.",
        )

    def _check_valid(self, raw: str, name: str) -> Verdict:
        if name in self.allow:
            return Verdict(raw, name, False, technique="allowed", detail="allowed by the policy")
        if name in self.trusted:
            return Verdict(raw, name, False, detail="a popular name")
        hallucinated = self.ref.hallucinated.get(name)
        if hallucinated is not None:
            return Verdict(
                raw,
                name,
                True,
                hallucinated.split(" ", 1)[0],
                None,
                "llm-hallucination",
                0.95,
                f"the real thing is {hallucinated}",
            )
        best = self._best_candidate(name)
        if best is None:
            return Verdict(raw, name, False)
        target, rank, technique, score, detail = best
        own = self.ref.number_of.get(name) if self.popularity else None
        if own is not None:
            discount = popularity_discount(self.ref.ranks[own], rank)
            if discount:
                score = round(score - discount, 3)
                detail += f" (score lowered by {discount}: {name!r} is itself popular)"
        if not 0.0 <= score <= 0.99:
            score = max(0.0, min(score, 0.99))
        if score < self.thresholds.get(technique, THRESHOLD):
            return Verdict(raw, name, False, target, rank, technique, score, detail)
        return Verdict(raw, name, True, target, rank or None, technique, score, detail)

    def _flags(self, candidate: Candidate) -> bool:
        return candidate.score >= self.thresholds.get(candidate.technique, THRESHOLD)

    def all_candidates(self, name: str) -> list[Candidate]:
        """Every candidate of every technique for a normalised name, with no early exit
        (slower than :meth:`check`; for evaluation and threshold fitting). A name is
        flagged by :meth:`check` when one of these reaches its technique's threshold
        (a test checks that both agree), after the popularity discount."""
        if name in self.allow or name in self.trusted:
            return []
        found: list[Candidate] = []
        self._alias_exact(name, found)
        self._related = None
        singles = [name[:i] + name[i + 1 :] for i in range(len(name))]
        self._fast_edit_distance_one(name, singles, found)
        self._edit_distance_one(name, singles, found)
        self._fold(name, found)
        self._affixes(name, found)
        self._version_suffix(name, found)
        self._word_order(name, found)
        self._combos(name, found)
        self._brands(name, found)
        if len(name) >= 6:
            self._edit_distance_two(name, found)
        own = self.ref.number_of.get(name) if self.popularity else None
        if own is None:
            return found
        own_rank = self.ref.ranks[own]
        return [
            c._replace(score=round(c.score - popularity_discount(own_rank, c.rank), 3))
            for c in found
        ]

    def _best_candidate(self, name: str) -> Candidate | None:
        found: list[Candidate] = []
        self._alias_exact(name, found)
        own = self.ref.number_of.get(name) if self.precomputed else None
        if own is None:
            self._related = None
            singles = [name[:i] + name[i + 1 :] for i in range(len(name))]
        else:  # a popular name that is not trusted here: its look-ups are precomputed
            self._related = self.ref.index.related(own)
            singles = []
        thresholds = self.thresholds
        if self._fast_edit_distance_one(name, singles, found):
            return _strongest(found, thresholds)
        self._edit_distance_one(name, singles, found)
        if any(c.score >= STRONG for c in found):
            # A clear one-letter typo of a popular name: the other techniques cannot
            # change the outcome, only cost time.
            return _strongest(found, thresholds)
        self._fold(name, found)
        # Each remaining technique scores at most its ceiling: one whose ceiling is below
        # the best flagged score so far cannot change the outcome, and is skipped.
        top = max([c.score for c in found if self._flags(c)], default=0.0)
        if top <= _CEILING_AFFIX:
            self._affixes(name, found)
        if top <= _CEILING_VERSION:
            self._version_suffix(name, found)
        if top <= _CEILING_WORD_ORDER:
            self._word_order(name, found)
        if top <= _CEILING_COMBO:
            self._combos(name, found)
        if top <= _CEILING_BRAND:
            self._brands(name, found)
        if len(name) >= 6 and not any(self._flags(c) for c in found):
            self._edit_distance_two(name, found)
        if not found:
            return None
        return _strongest(found, thresholds)

    def _alias_exact(self, name: str, found: list[Candidate]) -> None:
        canonical = self.ref.aliases.get(name)
        if canonical is None:
            return
        popular = self._popular(canonical)
        if popular is not None:
            found.append(
                Candidate(
                    canonical,
                    popular[1],
                    "alias",
                    0.75,
                    f"{name!r} is another name for {canonical!r}, which is the project to install",
                )
            )

    def _fast_edit_distance_one(
        self, name: str, singles: list[str], found: list[Candidate]
    ) -> bool:
        """Distance 1 against the top names only (a dict look-up per key); True when a
        strong candidate ends the search (then the full look-up is not needed).
        ``singles`` are the one-letter deletions of ``name``."""
        related = self._related
        if related is None:
            numbers = self.ref.index.fast_lookup([name, *singles])
            number_of = self.ref.number_of
            # name = target plus a char (set intersections run in C); kept for the
            # full look-up, which needs the same numbers.
            self._longer = [number_of[s] for s in number_of.keys() & singles]
            aliases = self._alias_numbers.keys() & singles
            if aliases:
                self._longer += [self._alias_numbers[s] for s in aliases]
        else:
            fast = self._fast_count
            numbers = {v >> 1 for v in related[REL_NEAR] if not v & 1 and v >> 1 < fast}
            self._longer = list(related[REL_SHORTER])
        numbers.update(self._longer)
        strong = False
        scored = self._scored
        scored.clear()
        for number in numbers:
            candidate = self._score_one(name, number)
            scored[number] = candidate
            if candidate is not None and candidate.score >= FAST_EXIT:
                found.append(candidate)
                strong = True
        return strong

    def _score_one(self, name: str, number: int) -> Candidate | None:
        """The distance-1 candidate for one target number, or None."""
        target = self._target(number)
        if target is None:
            return None
        tname, rank, canonical = target
        edit = single_edit(name, tname)
        if edit is None:
            return None
        candidate = score_single_edit(name, tname, rank, edit)
        if candidate is None:
            return None
        return self._via_alias(candidate, tname, canonical)

    def _edit_distance_one(self, name: str, singles: list[str], found: list[Candidate]) -> None:
        # name = target minus a char; one change on each side
        related = self._related
        if related is None:
            values: Iterable[int] = self.ref.index.lookup_many(NS_DEL1, [name, *singles])
        else:
            values = related[REL_NEAR]
        numbers = {v >> 1 for v in values if not v & 1}
        # name = target plus a char (found by the fast look-up already)
        numbers.update(self._longer)
        # Popular names whose two-letter deletions match: distance-2 candidates.
        self._candidates = numbers | {v >> 1 for v in values if v & 1}
        names = self.ref.names
        length = len(name)
        scored = self._scored
        for number in numbers:
            if number < self.count and abs(len(names[number]) - length) > 1:
                continue  # found through its two-letter deletions: distance 2 at best
            # The fast look-up scored the top names already.
            candidate = scored[number] if number in scored else self._score_one(name, number)
            if candidate is not None:
                found.append(candidate)

    def _via_alias(self, candidate: Candidate, tname: str, canonical: str) -> Candidate:
        if tname == canonical:
            return candidate
        return Candidate(
            canonical,
            candidate.rank,
            candidate.technique,
            candidate.score,
            f"{candidate.detail} (of {tname!r}, another name for {canonical!r})",
        )

    def _edit_distance_two(self, name: str, found: list[Candidate]) -> None:
        # Distance 2 is checked against long, very popular names only. A target within
        # two edits keeps its first or its last three letters unless the two edits
        # touch both ends (rare in real squats), so the candidates are the targets of a
        # close length that start or end like the name, besides those the distance-1
        # look-up found (whose two-letter deletions are the name or one of its
        # one-letter deletions); short_distance keeps those exactly two edits away,
        # which the alignment below then scores.
        for number in self._double_targets(name):
            target = self._target(number)
            if target is None:
                continue
            tname, rank, canonical = target
            if rank > DOUBLE_TOP:
                continue  # an alias of a less popular name
            scored = []
            table = osa_table(name, tname)
            for prefer_indel in (False, True):
                edits = None if table is None else osa_backtrack(name, tname, table, prefer_indel)
                if edits is None or len(edits) != 2:
                    break
                candidate = score_double_edit(name, tname, rank, edits)
                if candidate is not None:
                    scored.append(candidate)
                if not any(e.kind == "substitution" for e in edits):
                    # Preferring additions and omissions changes only a substitution.
                    break
            if scored:
                best = max(scored, key=lambda c: c.score)
                found.append(self._via_alias(best, tname, canonical))

    def _double_targets(self, name: str) -> set[int]:
        """Numbers of the distance-2 targets (trusted names or aliases of 8+ letters, of
        a trusted name ranked up to DOUBLE_TOP) exactly two edits from ``name``, among
        the candidates of the distance-1 look-up and the targets of a close length that
        start or end like ``name``."""
        heads, tails = self._buckets
        length = len(name)
        raw = name.encode()
        numbers: set[int] = set()
        names = self.ref.names
        ranks = self.ref.ranks
        for number in self._candidates:
            if number < self.count:
                target = names[number]
                if len(target) < DOUBLE_MIN_LEN or ranks[number] > DOUBLE_TOP:
                    continue
            else:
                found = self._target(number)
                if found is None or found[1] > DOUBLE_TOP or len(found[0]) < DOUBLE_MIN_LEN:
                    continue
                target = found[0]
            if short_distance(raw, target.encode()) == 2:
                numbers.add(number)
        for key, table in (((name[:3], length), heads), ((name[-3:], length), tails)):
            for number, target_bytes in table.get(key, ()):
                if number not in numbers and short_distance(raw, target_bytes) == 2:
                    numbers.add(number)
        return numbers

    def _double_buckets(self) -> tuple[_Buckets, _Buckets]:
        """The distance-2 targets (trusted names of 8+ letters ranked up to DOUBLE_TOP,
        and aliases of 8+ letters) by (first three letters, name length) and by (last
        three letters, name length), for every name length within two of theirs."""
        heads: _Buckets = {}
        tails: _Buckets = {}
        names = self.ref.names
        top = min(self.count, bisect_right(self.ref.ranks, DOUBLE_TOP))
        least = DOUBLE_MIN_LEN
        targets = [(number, names[number]) for number in range(top) if len(names[number]) >= least]
        targets += [(n, a) for a, n in self._alias_numbers.items() if len(a) >= least]
        for number, target in targets:
            entry = (number, target.encode())
            head, tail, size = target[:3], target[-3:], len(target)
            for fits in range(size - 2, size + 3):
                heads.setdefault((head, fits), []).append(entry)
                tails.setdefault((tail, fits), []).append(entry)
        return heads, tails

    def _fold(self, name: str, found: list[Candidate]) -> None:
        related = self._related
        if related is not None and not related[REL_FOLD]:
            return
        key = fold(name)
        numbers = self._lookup(NS_FOLD, key) if related is None else related[REL_FOLD]
        for number in numbers:
            target = self._target(number)
            if target is None:
                continue
            tname, rank, canonical = target
            if tname == name or fold(tname) != key:
                continue
            if name.replace("-", "") == tname.replace("-", ""):
                # Only separators differ: a real risk only for the most popular names.
                score = 0.6 if rank <= 100 else 0.35
                found.append(
                    Candidate(
                        canonical,
                        rank,
                        "separator-change",
                        score,
                        f"the same letters as {tname!r} with other separators",
                    )
                )
            else:
                score = 0.85 + _rank_bonus(rank) - (0.2 if len(tname) <= 4 else 0.0)
                found.append(
                    Candidate(
                        canonical,
                        rank,
                        "homoglyph",
                        round(min(score, 0.99), 3),
                        f"look-alike characters imitate {tname!r}",
                    )
                )

    def _affixes(self, name: str, found: list[Candidate]) -> None:
        core = affix_core(name)
        related = self._related
        numbers: set[int] = set(
            self._lookup(NS_CORE, core or name) if related is None else related[REL_CORE]
        )
        if core is not None:
            number = self.ref.number_of.get(core)
            if number is not None:
                numbers.add(number)
        for number in numbers:
            target = self._target(number)
            if target is None:
                continue
            tname, rank, canonical = target
            if tname == name:
                continue
            tcore = affix_core(tname) or tname
            if tcore != (core or name):
                continue
            long_affix = core is not None and "python" in name.replace(core, "", 1)
            if core is None:
                # The name drops an affix the popular name has (slugify/python-slugify):
                # the bare word is often its own project.
                score = 0.35 + _rank_bonus(rank)
            elif tcore == tname:
                # The name adds an affix to a popular name (python-flask, py-binance).
                score = (0.55 if long_affix else 0.4) + _rank_bonus(rank)
            else:
                # Both have affixes, different ones or on the other side
                # (python3-dateutil/python-dateutil, nmap-python/python-nmap).
                score = 0.55 + _rank_bonus(rank)
            found.append(
                Candidate(
                    canonical,
                    rank,
                    "py-affix",
                    round(score, 3),
                    f"{tname!r} with a py/python affix changed",
                )
            )
        if core is not None:
            # A separated affix instead of a fused one (python-openssl for pyopenssl).
            for fused in ("py" + core, core + "py"):
                popular = self._popular(fused)
                if popular is not None:
                    score = 0.55 + _rank_bonus(popular[1])
                    found.append(
                        Candidate(
                            popular[0],
                            popular[1],
                            "py-affix",
                            round(score, 3),
                            f"{popular[0]!r} with its 'py' spelled out differently",
                        )
                    )
        # Fused affixes: pyX, pythonX, Xpy, Xpython3 ... against a popular X.
        for affix in _FUSED_AFFIXES:
            if name.startswith(affix):
                stem = name[len(affix) :]
            elif name.endswith(affix):
                stem = name[: -len(affix)]
            else:
                continue
            if len(stem) < 4 or stem[0] == "-" or stem[-1] == "-":
                continue
            popular = self._popular(stem)
            if popular is not None:
                score = (0.5 if len(affix) > 3 else 0.4) + _rank_bonus(popular[1])
                found.append(
                    Candidate(
                        popular[0],
                        popular[1],
                        "py-affix",
                        round(score, 3),
                        f"{popular[0]!r} with {affix!r} attached",
                    )
                )
                break

    def _version_suffix(self, name: str, found: list[Candidate]) -> None:
        match = _VERSION_SUFFIX.match(name)
        if match is None:
            return
        base = match.group("base").rstrip("-")
        separated = name[len(base)] == "-"
        suffix = match.group("suffix")
        popular = self._popular(base)
        if popular is None:
            return
        digits = suffix.lstrip("v").replace("-", "")
        if _YEAR.match(digits):
            score = 0.75  # requests-2022, rsa2026: a year is never a real fork's name
        elif len(digits) >= 3:
            score = 0.55  # numpy-123
        elif separated:
            # requests-2, requests-v2: of the popular names that are another popular name
            # plus a version, 95 of 121 fuse one or two digits (boto3, psycopg2, smmap2)
            # and only 10 separate them (django-fsm-2): the rare form is the suspect one.
            score = 0.5 + (0.1 if popular[1] <= 200 else 0.0)
        elif "-" in base:
            # aiohttp-socks5: a digit fused to a name of several words. Of the popular
            # names, 76 of 6,521 one-word names are another popular name plus fused
            # digits, but only 19 of 8,464 names of several words (_FUSED_VERSION_SHARE,
            # checked against the list by a test): five times rarer among legitimate
            # names than the one-word form below.
            score = 0.45 + (0.1 if suffix.startswith("v") else 0.0)
        else:
            # nose2, httpx2, elasticsearch5: next-major forks are common and name
            # themselves this way (a digit added to a top-20 name is a distance-1 typo).
            score = 0.3 + (0.1 if suffix.startswith("v") else 0.0)
        found.append(
            Candidate(
                popular[0],
                popular[1],
                "version-suffix",
                round(score, 3),
                f"{popular[0]!r} with {suffix!r} appended",
            )
        )

    def _word_order(self, name: str, found: list[Candidate]) -> None:
        related = self._related
        if related is not None and not related[REL_WORDS]:
            return
        key = word_key(name)
        if key is None:
            return
        for number in self._lookup(NS_WORDS, key) if related is None else related[REL_WORDS]:
            target = self._target(number)
            if target is None:
                continue
            tname, rank, canonical = target
            if tname == name or word_key(tname) != key:
                continue
            score = 0.6 if rank <= 1000 else 0.5
            found.append(
                Candidate(
                    canonical,
                    rank,
                    "word-reorder",
                    score,
                    f"the words of {tname!r} in another order",
                )
            )

    def _combos(self, name: str, found: list[Candidate]) -> None:
        words = name.split("-")
        if len(words) < 2:
            return
        spans: list[tuple[int, int, str, int, bool]] = []  # start, end, name, rank, typo
        count = len(words)
        for start in range(count):
            for end in range(count, start, -1):
                if end - start == count:
                    continue
                piece = "-".join(words[start:end])
                if piece in _AFFIX_WORDS or self._is_filler(piece):
                    continue  # "update", "python": generic words, not targets
                popular = self._popular(piece)
                if popular is not None:
                    spans.append((start, end, popular[0], popular[1], False))
                    break
        if not spans and any(self._is_filler(w) for w in words):
            # A misspelt popular name beside a filler word (update-request).
            for position, word in enumerate(words):
                if word in _AFFIX_WORDS or self._is_filler(word):
                    continue
                typo = self._misspelt_popular(word)
                if typo is not None:
                    spans.append((position, position + 1, typo[0], typo[1], True))
        if not spans:
            return
        # The most popular contained name is the suspected target.
        spans.sort(key=lambda s: s[3])
        start, end, target, rank, misspelt = spans[0]
        covered = set(range(start, end))
        # A bare number after a name is a version (django-fsm-2): see _version_suffix.
        others = [w for i, w in enumerate(words) if i not in covered and not w.isdigit()]
        if not others:
            return
        other_popular = [s for s in spans[1:] if not set(range(s[0], s[1])) & covered]
        fillers: list[str] = []
        specific: list[str] = []
        for word in others:
            (fillers if self._is_filler(word) else specific).append(word)
        # The first word is a plugin namespace (django-, pytest-, types-), or the popular
        # name that starts the name is one (a longer name like scikit-learn is judged whole).
        leading = next((s for s in spans if s[0] == 0), None)
        if leading is not None and leading[1] > 1:
            host_first = "-".join(words[: leading[1]]) in self._hosts or leading[2] in self._hosts
        else:
            host_first = words[0] in self._hosts or (
                leading is not None and leading[2] in self._hosts
            )
        score = 0.2
        why = "a plugin-like name"
        if other_popular and not host_first:
            second = other_popular[0]
            if rank <= 1000 and second[3] <= GLUE_TOP:
                score = 0.6
                why = f"two popular names glued together ({target!r} and {second[2]!r})"
        if fillers and not specific:
            score = max(score, 0.7 if rank <= 2000 else 0.45)
            why = f"{target!r} plus filler word(s) {', '.join(repr(w) for w in fillers)}"
        elif fillers and len(fillers) >= len(specific):
            score = max(score, 0.5 if rank <= 1000 else 0.35)
            why = f"{target!r} plus filler word(s) {', '.join(repr(w) for w in fillers)}"
        before = set(words[:start])
        if (
            specific
            and rank <= GENERIC_TOP
            and not host_first
            and not before.intersection(specific)
        ):
            # Words that many popular names use (client, sdk, async, test) make a name
            # look like an official variant; a word few use names something specific
            # (requests-toolbelt, numpy-stl), as plugins and integrations do. Only words
            # after the popular name: a word before it is a namespace (jaraco-packaging,
            # quart-trio), the way plugins are named. Only after the 300 most popular
            # names, the targets of the mass campaigns: below them a name plus a common
            # word is as often the project's own companion (onnxruntime-tools).
            common = min(self._commonness(w) for w in specific)
            generic = 0.25 + 0.4 * common + (0.05 if rank <= 100 else 0.0)
            if generic > score:
                score = round(generic, 3)
                listed = ", ".join(repr(w) for w in specific)
                why = f"{target!r} plus word(s) common in package names ({listed})"
        if misspelt:
            why += " (the popular name misspelt)"
        found.append(Candidate(target, rank, "combosquat", score, why))

    def _brands(self, name: str, found: list[Candidate]) -> None:
        """A vendor brand fused with a filler (claudeai-eng, gptplus, chatgpt-pro)."""
        if self.ref.brand_pattern.search(name) is None:
            return
        for word in name.split("-"):
            if word in self.trusted:
                continue
            for brand in self.ref.brands:
                if len(brand) < 3 or brand == word or "-" in brand:
                    continue
                if word.startswith(brand):
                    rest = word[len(brand) :]
                elif word.endswith(brand):
                    rest = word[: -len(brand)]
                else:
                    continue
                if rest in ("ai", "gpt") or rest in self.fillers:
                    found.append(
                        Candidate(
                            brand,
                            0,
                            "brand-impersonation",
                            0.55,
                            f"the AI brand {brand!r} fused with {rest!r}",
                        )
                    )
                    return

    def _misspelt_popular(self, word: str) -> tuple[str, int] | None:
        """A popular name (top 1,000, 6+ letters) one typo away from ``word``."""
        if len(word) < 5:
            return None
        keys = [word[:i] + word[i + 1 :] for i in range(len(word))]
        numbers = {v >> 1 for v in self.ref.index.lookup_many(NS_DEL1, [*keys, word]) if not v & 1}
        number_of = self.ref.number_of
        numbers.update(number_of[k] for k in keys if k in number_of)
        best: tuple[str, int] | None = None
        for number in numbers:
            target = self._target(number)
            if target is None or target[1] > 1000 or len(target[0]) < 6:
                continue
            edit = single_edit(word, target[0])
            if edit is None:
                continue
            scored = score_single_edit(word, target[0], target[1], edit)
            if scored is None or scored.score < THRESHOLD:
                continue
            if best is None or target[1] < best[1]:
                best = (target[2], target[1])
        return best

    def _commonness(self, word: str) -> float:
        """How common a word is in popular names, from 0 (in fewer than 3) to 1 (in 100
        or more), on a log scale; a trailing number is ignored (socks5 is socks)."""
        vocabulary = self.ref.vocabulary
        count = vocabulary.get(word) or vocabulary.get(word.rstrip("0123456789"), 0)
        if count < 3:
            return 0.0
        return min(1.0, math.log10(count) / 2)

    def _is_filler(self, word: str) -> bool:
        """A squat filler word, also with digits after it or misspelt (upggrade); never a
        name of the top 1,000 (``packaging`` is not the filler ``package`` inflected: a
        target of its own, like the fillers :meth:`_usable_fillers` leaves out)."""
        words = self.fillers
        if word in words:
            return True
        number = self.ref.number_of.get(word)
        if number is not None and self.ref.ranks[number] <= 1000:
            return False
        stripped = word.rstrip("0123456789")
        if stripped and stripped != word and stripped in words:
            return True
        if len(word) >= 4 and lemma(word) in self._filler_lemmas:
            return True
        if len(word) >= 7:
            near = self._filler_deletions
            if word in near or any(word[:i] + word[i + 1 :] in near for i in range(len(word))):
                return True
        return False


@lru_cache(maxsize=8)
def detector(trusted_top: int | None = None, allow: tuple[str, ...] = ()) -> Detector:
    """A cached detector for these settings."""
    return Detector(trusted_top=trusted_top, allow=allow)


def check_names(
    names: Iterable[str], trusted_top: int | None = None, allow: Sequence[str] = ()
) -> list[Verdict]:
    """Verdicts for many names (one detector, loaded once)."""
    found = detector(trusted_top, tuple(allow))
    return [found.check(name) for name in names]


# Batches at least this large are split across processes when more than one core is free:
# detection is pure Python, so threads would not run in parallel.
PARALLEL_MIN_NAMES = 512
CHILD_HANDICAP = 100
"""A forked child checks about this many names fewer than the parent in the same time
(its first touch of each shared memory page copies it): its share is that much smaller.
Measured with fresh processes, as the CLI runs: from about 600 names on, two cores
check more names a second than one."""

_Row = tuple[str, str, bool, "str | None", "int | None", "str | None", float, str]


def _rows(found: Detector, names: Sequence[str]) -> list[_Row]:
    # Plain tuples of str, int, float, bool and None cross a pipe with marshal, which
    # is several times faster than pickling dataclasses.
    out: list[_Row] = []
    for name in names:
        v = found.check(name)
        out.append(
            (
                v.name,
                v.normalized,
                v.flagged,
                v.target,
                v.target_rank,
                v.technique,
                v.score,
                v.detail,
            )
        )
    return out


def usable_cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _fork_worker(found: Detector, names: Sequence[str]) -> tuple[int, int] | None:
    """Fork a child that checks ``names`` and writes the marshalled rows to a pipe:
    (pid, read end), or None when no child could be made."""
    import marshal

    try:
        read, write = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return None
    if pid == 0:  # pragma: no cover - the child (its work is compared with the parent's)
        code = 1
        try:
            os.close(read)
            data = marshal.dumps(_rows(found, names))
            view = memoryview(data)
            while view:
                view = view[os.write(write, view) :]
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    return pid, read


def _collect(pid: int, read: int) -> list[_Row] | None:
    """The rows a worker wrote, or None if it failed."""
    import marshal

    chunks = []
    try:
        while chunk := os.read(read, 1 << 20):
            chunks.append(chunk)
    finally:
        os.close(read)
    _, status = os.waitpid(pid, 0)
    if status != 0:
        return None
    try:
        rows: list[_Row] = marshal.loads(b"".join(chunks))  # noqa: S302 - our own child wrote it
    except (EOFError, ValueError, TypeError):
        return None
    return rows


def check_batch(found: Detector, names: Sequence[str], workers: int | None = None) -> list[Verdict]:
    """Verdicts for a batch, in order. Large batches are split across ``workers``
    processes (default: the usable cores): forked children inherit the loaded index
    instead of reloading it, and the parent checks a share itself. A share whose child
    fails is checked by the parent, so the result never depends on the children."""
    cores = usable_cores() if workers is None else workers
    cores = min(cores, len(names) // (PARALLEL_MIN_NAMES // 2))  # 256+ names a process
    threading = sys.modules.get("threading")
    if (
        cores < 2
        or len(names) < PARALLEL_MIN_NAMES
        or not hasattr(os, "fork")
        or (threading is not None and threading.active_count() > 1)  # forking is unsafe
    ):
        return [found.check(name) for name in names]
    each = max(0, (len(names) - CHILD_HANDICAP) // cores)
    own = len(names) - each * (cores - 1)
    shares = [names[:own]] + [
        names[start : start + each] for start in range(own, len(names), each or 1)
    ]
    children = [_fork_worker(found, share) for share in shares[1:]]
    out = [found.check(name) for name in shares[0]]
    for share, child in zip(shares[1:], children, strict=True):
        rows = None if child is None else _collect(*child)
        if rows is None or len(rows) != len(share):
            out.extend(found.check(name) for name in share)
        else:
            out.extend(Verdict(*row) for row in rows)
    return out
