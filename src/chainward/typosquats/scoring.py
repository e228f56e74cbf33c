"""Scoring: how much a candidate look-alike resembles an attack, by the edit or the
technique, where it falls and how popular the target is; the candidate and verdict
records; the popularity discount."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from chainward.typosquats.edits import Edit, token_at
from chainward.typosquats.index import DEL2_MIN_LEN, DEL2_TOP
from chainward.typosquats.lookalikes import KEYBOARD, is_visual

THRESHOLD = 0.45
"""The threshold of a technique that :data:`THRESHOLDS` does not name."""
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
    if is_visual(edit.new, edit.old):
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


def rank_bonus(rank: int) -> float:
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
        return Candidate(target, rank, technique, 0.55, describe_edit(edit, technique))
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
    score += rank_bonus(rank)
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
        and (not name or len(token_at(name, min(pos, len(name) - 1))) <= 3)
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
    return Candidate(target, rank, technique, round(score, 3), describe_edit(edit, technique))


def describe_edit(edit: Edit, technique: str) -> str:
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
        words = {token_at(name, min(e.position, len(name) - 1)) for e in edits}
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
    detail = " and ".join(describe_edit(e, k) for e, k in zip(edits, kinds, strict=True))
    return Candidate(target, rank, "edit-distance-2", round(score, 3), detail)


def strongest(found: list[Candidate], thresholds: Mapping[str, float]) -> Candidate:
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
