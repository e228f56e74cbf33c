"""Typos within one or two letters of a trusted name, found by index look-ups.

Distance 1 (omission, insertion, repetition, transposition, keyboard-adjacent and
visual substitution) is looked up by one-letter deletions, first among the top names
(a dict), then in the whole index; distance 2 is checked against long, very popular
names only (see :data:`chainward.typosquats.scoring.DOUBLE_TOP`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable

from chainward.typosquats import scoring
from chainward.typosquats.doubles import (
    Buckets,
    close_targets,
    double_buckets,
    double_candidates,
    near_numbers,
)
from chainward.typosquats.edits import common_ends, osa_backtrack, osa_table, single_edit
from chainward.typosquats.index import FAST_TOP, NS_DEL1, REL_DOUBLE, REL_NEAR, REL_SHORTER
from chainward.typosquats.scoring import Candidate, score_double_edit, score_single_edit
from chainward.typosquats.trusted import TrustedNames

FAST_EXIT = 0.6
"""A distance-1 look-alike of a top-1,000 name scoring this ends the search at once."""


class NearbySearch(TrustedNames):
    """The distance-1 and distance-2 search. It keeps scratch state for the name being
    checked: use one per thread."""

    def prepare(self) -> None:
        """The distance-1 and -2 search state (called once the trusted list is set)."""
        self._candidates: set[int] = set()
        self._longer: list[int] = []
        """Targets (trusted names and aliases) that are the name minus one letter."""
        self._fast_count = bisect_right(self.ref.ranks, FAST_TOP)
        """Target numbers below this are the top names of the fast look-up."""
        self._scored: dict[int, Candidate | None] = {}
        """Distance-1 candidates the fast look-up scored, by target number."""
        # Built here, not on first use: checking starts at full speed once loaded (and
        # forked batch workers share them).
        self._buckets = self._double_buckets()
        limits = self.ref.index.header.get("double_limits")
        self._doubles_stored = limits == [scoring.DOUBLE_TOP, scoring.DOUBLE_MIN_LEN] and (
            self.count >= bisect_right(self.ref.ranks, scoring.DOUBLE_TOP)
        )
        """The index holds the distance-2 targets of each popular name as
        :meth:`double_targets` finds them here: it was built with these limits, and every
        name ranked up to DOUBLE_TOP is trusted (then trusting more changes nothing)."""

    def fast_edit_distance_one(self, name: str, singles: list[str], found: list[Candidate]) -> bool:
        """Distance 1 against the top names only (a dict look-up per key); True when a
        strong candidate ends the search (then the full look-up is not needed).
        ``singles`` are the one-letter deletions of ``name``."""
        related = self.related
        if related is None:
            numbers = self.ref.index.fast_lookup([name, *singles])
            number_of = self.ref.number_of
            # name = target plus a char (set intersections run in C); kept for the
            # full look-up, which needs the same numbers.
            self._longer = [number_of[s] for s in number_of.keys() & singles]
            aliases = self.alias_numbers.keys() & singles
            if aliases:
                self._longer += [self.alias_numbers[s] for s in aliases]
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
        if number < self.count:  # a trusted name, the common case
            tname = canonical = self.ref.names[number]
            rank = self.ref.ranks[number]
        else:
            target = self.target(number)
            if target is None:
                return None
            tname, rank, canonical = target
        edit = single_edit(name, tname)
        if edit is None:
            return None
        candidate = score_single_edit(name, tname, rank, edit)
        if candidate is None or tname == canonical:
            return candidate
        return self._via_alias(candidate, tname, canonical)

    def edit_distance_one(self, name: str, singles: list[str], found: list[Candidate]) -> None:
        # name = target minus a char; one change on each side
        related = self.related
        if related is None:
            values: Iterable[int] = self.ref.index.lookup_many(NS_DEL1, [name, *singles])
        else:
            values = related[REL_NEAR]
        # With the targets that are the name minus one letter (found by the fast look-up
        # already); and popular names whose two-letter deletions match: distance 2.
        numbers, self._candidates = near_numbers(values, self._longer)
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

    def edit_distance_two(self, name: str, found: list[Candidate]) -> None:
        # Distance 2 is checked against long, very popular names only. A target within
        # two edits keeps its first or its last three letters unless the two edits
        # touch both ends (rare in real squats), so the candidates are the targets of a
        # close length that start or end like the name, besides those the distance-1
        # look-up found (whose two-letter deletions are the name or one of its
        # one-letter deletions); short_distance keeps those exactly two edits away,
        # which the alignment below then scores.
        related = self.related
        if related is not None and self._doubles_stored:
            numbers: Iterable[int] = related[REL_DOUBLE]  # in the order of the search
        else:
            numbers = self.double_targets(name)
        for number in numbers:
            target = self.target(number)
            if target is None:
                continue
            tname, rank, canonical = target
            if rank > scoring.DOUBLE_TOP:
                continue  # an alias of a less popular name
            ends = common_ends(name, tname)  # once for the table and both backtracks
            table = osa_table(name, tname, ends)
            if table is None:
                continue
            scored = []
            for prefer_indel in (False, True):
                edits = osa_backtrack(name, tname, table, prefer_indel, ends)
                if len(edits) != 2:
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

    def double_targets(self, name: str) -> set[int]:
        """Numbers of the distance-2 targets (trusted names or aliases of 8+ letters, of
        a trusted name ranked up to DOUBLE_TOP) exactly two edits from ``name``, among
        the candidates of the distance-1 look-up and the targets of a close length that
        start or end like ``name``."""
        top, least = scoring.DOUBLE_TOP, scoring.DOUBLE_MIN_LEN
        candidates = double_candidates(self._candidates, self.target, top, least)
        return close_targets(name, candidates, self._buckets)

    def _double_buckets(self) -> tuple[Buckets, Buckets]:
        """The distance-2 targets (trusted names of 8+ letters ranked up to DOUBLE_TOP,
        and aliases of 8+ letters) in buckets (:func:`double_buckets`)."""
        names = self.ref.names
        top = min(self.count, bisect_right(self.ref.ranks, scoring.DOUBLE_TOP))
        least = scoring.DOUBLE_MIN_LEN
        targets = [(number, names[number]) for number in range(top) if len(names[number]) >= least]
        targets += [(n, a) for a, n in self.alias_numbers.items() if len(a) >= least]
        return double_buckets(targets)
