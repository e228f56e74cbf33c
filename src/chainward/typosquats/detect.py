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

The parts: :mod:`~chainward.typosquats.edits` (edit-distance kernels),
:mod:`~chainward.typosquats.lookalikes` (homoglyph and keyboard tables),
:mod:`~chainward.typosquats.scoring`, :mod:`~chainward.typosquats.nearby` (distance 1
and 2), :mod:`~chainward.typosquats.techniques` (the other techniques and their table),
and :mod:`~chainward.typosquats.batch` (many names, across processes). This module is
the detector that runs them in order and turns the best candidate into a verdict.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from chainward.typosquats.batch import check_batch
from chainward.typosquats.index import normalize
from chainward.typosquats.lookalikes import ascii_skeleton
from chainward.typosquats.nearby import NearbySearch
from chainward.typosquats.scoring import (
    THRESHOLD,
    Candidate,
    Verdict,
    popularity_discount,
    strongest,
)
from chainward.typosquats.techniques import STRUCTURAL, alias_exact, folded
from chainward.typosquats.thresholds import THRESHOLDS
from chainward.typosquats.trusted import ReferenceData

__all__ = ["THRESHOLD", "Detector", "Verdict", "check_batch", "check_names", "detector"]

STRONG = 0.8
"""A distance-1 candidate this strong ends the search early."""
MAX_NAME_LENGTH = 200
"""Longer names are rejected outright (PyPI's own limit is far below a megabyte)."""

_VALID_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")


class Detector(NearbySearch):
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
        plugin_per_mille: int | None = None,
    ) -> None:
        super().__init__(
            trusted_top,
            allow,
            reference,
            filler_evidence,
            filler_min_hosts,
            expert_words,
            plugin_per_mille,
        )
        self.thresholds: dict[str, float] = dict(THRESHOLDS if thresholds is None else thresholds)
        """The score at which each technique flags (:mod:`~chainward.typosquats.thresholds`)."""
        self.popularity = popularity
        """Discount candidates of a name that is itself popular (:func:`popularity_discount`)."""

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
            popular = self.popular(skeleton)
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
        alias_exact(self, name, found)
        self.related = None
        singles = [name[:i] + name[i + 1 :] for i in range(len(name))]
        self.fast_edit_distance_one(name, singles, found)
        self.edit_distance_one(name, singles, found)
        folded(self, name, found)
        for technique in STRUCTURAL:
            technique.find(self, name, found)
        if len(name) >= 6:
            self.edit_distance_two(name, found)
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
        alias_exact(self, name, found)
        own = self.ref.number_of.get(name) if self.precomputed else None
        if own is None:
            self.related = None
            singles = [name[:i] + name[i + 1 :] for i in range(len(name))]
        else:  # a popular name that is not trusted here: its look-ups are precomputed
            self.related = self.ref.index.related(own)
            singles = []
        thresholds = self.thresholds
        if self.fast_edit_distance_one(name, singles, found):
            return strongest(found, thresholds)
        self.edit_distance_one(name, singles, found)
        # (Most names have no candidate at all: the tests on ``found`` come first.)
        if found and any(c.score >= STRONG for c in found):
            # A clear one-letter typo of a popular name: the other techniques cannot
            # change the outcome, only cost time.
            return strongest(found, thresholds)
        folded(self, name, found)
        # Each remaining technique scores at most its ceiling: one whose ceiling is below
        # the best flagged score so far cannot change the outcome, and is skipped.
        top = max([c.score for c in found if self._flags(c)], default=0.0) if found else 0.0
        for technique in STRUCTURAL:
            if top <= technique.ceiling:
                technique.find(self, name, found)
        if len(name) >= 6 and not (found and any(self._flags(c) for c in found)):
            self.edit_distance_two(name, found)
        if not found:
            return None
        return strongest(found, thresholds)


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
