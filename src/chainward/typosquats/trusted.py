"""The trusted popular names as the techniques see them: the loaded reference data, the
trusted cut (``--trusted-top``), the aliases, the plugin namespaces and the combosquat
filler words, and the look-ups every technique shares."""

from __future__ import annotations

import math
import re
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from chainward.typosquats.datafiles import (
    data_lines,
    data_text,
    parse_aliases,
    parse_hallucinated,
)
from chainward.typosquats.index import HashIndex, load_index, normalize
from chainward.typosquats.thresholds import FILLER_MIN_HOSTS, PLUGIN_PER_MILLE
from chainward.typosquats.vocab import (
    fillers_from,
    lemma,
    load_expert_words,
    load_filler_evidence,
    load_vocabulary,
)


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
    aliases = {a.alias: a.canonical for a in parse_aliases(data_text("aliases.txt"))}
    brands = frozenset(normalize(b) for b in data_lines(data_text("brands.txt")))
    return ReferenceData(
        index=index,
        names=names,
        ranks=index.ranks,
        number_of=number_of,
        aliases=aliases,
        alias_names=list(aliases),
        hallucinated=parse_hallucinated(data_text("hallucinated.txt")),
        brands=brands,
        brand_pattern=re.compile(
            "|".join(sorted((re.escape(b) for b in brands if len(b) >= 3), key=len, reverse=True))
            or "(?!)"
        ),
        filler_evidence=load_filler_evidence(),
        expert_words=load_expert_words(),
        vocabulary=load_vocabulary(),
    )


FILLER_MEMO_SIZE = 1 << 16
"""Words whose :meth:`TrustedNames.is_filler` answer is kept (then the memo starts over)."""

Target = tuple[str, int, str]
"""A target as the techniques see it: (name as written, effective rank, canonical name)."""


class TrustedNames:
    """The trusted popular list (the top ``trusted_top`` names) and what the techniques
    ask of it. ``related`` holds scratch state for the name being checked."""

    def __init__(
        self,
        trusted_top: int | None = None,
        allow: Iterable[str] = (),
        reference: ReferenceData | None = None,
        filler_evidence: Mapping[str, tuple[int, int]] | None = None,
        filler_min_hosts: int | None = None,
        expert_words: Iterable[str] | None = None,
        plugin_per_mille: int | None = None,
    ) -> None:
        self.ref = reference or load_reference()
        ranks = self.ref.ranks
        limit = trusted_top if trusted_top is not None else max(ranks, default=0)
        self.limit = limit
        count = bisect_right(ranks, limit)  # the names are in rank order
        self.count = count
        """Target numbers below this are trusted names."""
        self.trusted = frozenset(self.ref.names[:count])
        self.allow = frozenset(normalize(a) for a in allow)
        self.alias_base = len(self.ref.names)
        self.alias_numbers = {
            alias: self.alias_base + i for i, alias in enumerate(self.ref.alias_names)
        }
        self.related: list[array[int]] | None = None
        """The precomputed look-ups of the name being checked, if it is a popular name
        (not trusted here): see :func:`chainward.typosquats.index.build_related`."""
        self.plugin_per_mille = PLUGIN_PER_MILLE if plugin_per_mille is None else plugin_per_mille
        """A first word shared by this many per thousand trusted names is a plugin
        namespace (chosen by cross-validation: :mod:`~chainward.typosquats.thresholds`)."""
        self.hosts = self._plugin_hosts()
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
        self._filler_memo: dict[str, bool] = {}
        """:meth:`is_filler` by word: the combosquat look-up asks about every word and
        run of words of a name, and words recur across names (``python``, ``client``)."""
        self.prepare()

    def prepare(self) -> None:
        """What a subclass builds once the trusted list and the fillers are set (built
        at construction, not on first use: checking starts at full speed once loaded,
        and forked batch workers share it)."""

    def _usable_fillers(self, words: Iterable[str]) -> frozenset[str]:
        """The filler words (learned or expert) that are not plugin namespaces
        (``pytest``, ``types``) nor names of the top 1,000 (two popular names glued
        together is judged by its own rule)."""
        ranks = self.ref.ranks
        number_of = self.ref.number_of
        return frozenset(
            w
            for w in words
            if w not in self.hosts and not (w in number_of and ranks[number_of[w]] <= 1000)
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
        # A few plugins per thousand trusted names: django, pytest, flask, sphinx, types...
        # Fewer makes heavily attacked names with a few dozen extensions (requests,
        # aiohttp, fastapi) namespaces whose compounds all pass as plugins.
        least = max(3, self.count * self.plugin_per_mille // 1000)
        return frozenset(h for h, c in counts.items() if c >= least)

    def target(self, number: int) -> tuple[str, int, str] | None:
        """(name, effective rank, canonical) for a target number, if it is trusted."""
        if number < self.count:
            name = self.ref.names[number]
            return name, self.ref.ranks[number], name
        if number >= self.alias_base:
            alias_number = number - self.alias_base
            if alias_number >= len(self.ref.alias_names):
                return None
            alias = self.ref.alias_names[alias_number]
            canonical = self.ref.aliases[alias]
            canonical_number = self.ref.number_of.get(canonical)
            if canonical_number is None or canonical_number >= self.count:
                return None
            return alias, self.ref.ranks[canonical_number], canonical
        return None

    def lookup(self, namespace: str, key: str) -> list[int]:
        return self.ref.index.lookup(namespace, key)

    def popular(self, name: str) -> tuple[str, int] | None:
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

    def same_key_targets(
        self, name: str, namespace: str, kind: int, key: str, key_of: Callable[[str], str | None]
    ) -> Iterator[Target]:
        """The trusted targets (other than ``name``) stored under ``key`` in this index
        namespace whose own key is ``key`` too (``kind``: the precomputed look-up of a
        popular name, see :data:`chainward.typosquats.index.REL_FOLD`)."""
        related = self.related
        numbers = self.lookup(namespace, key) if related is None else related[kind]
        for number in numbers:
            target = self.target(number)
            if target is not None and target[0] != name and key_of(target[0]) == key:
                yield target

    def commonness(self, word: str) -> float:
        """How common a word is in popular names, from 0 (in fewer than 3) to 1 (in 100
        or more), on a log scale; a trailing number is ignored (socks5 is socks)."""
        vocabulary = self.ref.vocabulary
        count = vocabulary.get(word) or vocabulary.get(word.rstrip("0123456789"), 0)
        if count < 3:
            return 0.0
        return min(1.0, math.log10(count) / 2)

    def is_filler(self, word: str) -> bool:
        """A squat filler word, also with digits after it or misspelt (upggrade); never a
        name of the top 1,000 (``packaging`` is not the filler ``package`` inflected: a
        target of its own, like the fillers :meth:`_usable_fillers` leaves out)."""
        memo = self._filler_memo
        known = memo.get(word)
        if known is None:
            if len(memo) >= FILLER_MEMO_SIZE:
                memo.clear()  # bounded: a batch of odd names cannot grow it without end
            known = memo[word] = self._judge_filler(word)
        return known

    def _judge_filler(self, word: str) -> bool:
        """:meth:`is_filler` without the memo."""
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
