"""The techniques beyond one- and two-letter typos, each a function that adds its
candidates for a name to a list, and the table the detector runs them from.

- ``alias``: a name that is another name for a popular project (pytorch -> torch);
- ``homoglyph`` / ``separator-change``: the confusable fold of a popular name;
- ``py-affix``: py/python/python3 affixes added, dropped or moved;
- ``version-suffix``: a popular name plus a version or a year;
- ``word-reorder``: the words of a popular name in another order;
- ``combosquat``: a popular name plus filler words, or two popular names glued together;
- ``brand-impersonation``: an AI vendor brand fused with a filler.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from chainward.typosquats.edits import single_edit
from chainward.typosquats.index import (
    NS_CORE,
    NS_DEL1,
    NS_FOLD,
    NS_WORDS,
    REL_CORE,
    REL_FOLD,
    REL_WORDS,
)
from chainward.typosquats.keys import affix_core, word_key
from chainward.typosquats.lookalikes import fold
from chainward.typosquats.scoring import THRESHOLD, Candidate, rank_bonus, score_single_edit
from chainward.typosquats.trusted import TrustedNames
from chainward.typosquats.vocab import AFFIX_WORDS

GENERIC_TOP = 300
"""A popular name plus words common in package names is scored as an official-looking
variant only for targets ranked up to this (see :func:`combos`). Under cross-validation 1,000
or 3,000 add two combosquat rows but flag a real dependency (onnxruntime-tools)."""
GLUE_TOP = 1000
"""Two popular names glued together (selenium-matplotlib) score as a combosquat when the
second is ranked up to this (the first, the target, up to 1,000). Under cross-validation
3,000 or 15,000 find no more look-alikes and flag real dependencies (quart-trio)."""
_FUSED_AFFIXES = ("python3", "python2", "python", "py3", "py2", "py")
"""Longest first: ``python3requests`` is ``requests`` with ``python3``."""
_VERSION_SUFFIX = re.compile(r"^(?P<base>.+?)-?(?P<suffix>v?\d+(?:-\d+)*)$")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
FUSED_VERSION_SHARE = {"one word": (76, 6521), "several words": (19, 8464)}
"""Popular names that are another popular name plus fused digits (1-2), and all popular
names, by the shape of the name (one word or several): see :func:`version_suffix`."""


def alias_exact(t: TrustedNames, name: str, found: list[Candidate]) -> None:
    """A name that is another name for a popular project (pytorch -> torch)."""
    canonical = t.ref.aliases.get(name)
    if canonical is None:
        return
    popular = t.popular(canonical)
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


def folded(t: TrustedNames, name: str, found: list[Candidate]) -> None:
    """Popular names with the same confusable fold: look-alike letters or separators."""
    related = t.related
    if related is not None and not related[REL_FOLD]:
        return
    for tname, rank, canonical in t.same_key_targets(name, NS_FOLD, REL_FOLD, fold(name), fold):
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
            score = 0.85 + rank_bonus(rank) - (0.2 if len(tname) <= 4 else 0.0)
            found.append(
                Candidate(
                    canonical,
                    rank,
                    "homoglyph",
                    round(min(score, 0.99), 3),
                    f"look-alike characters imitate {tname!r}",
                )
            )


def affixes(t: TrustedNames, name: str, found: list[Candidate]) -> None:
    """py/python/python3 affixes added to, dropped from or moved on a popular name."""
    core = affix_core(name)
    related = t.related
    numbers: set[int] = set(
        t.lookup(NS_CORE, core or name) if related is None else related[REL_CORE]
    )
    if core is not None:
        number = t.ref.number_of.get(core)
        if number is not None:
            numbers.add(number)
    for number in numbers:
        target = t.target(number)
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
            score = 0.35 + rank_bonus(rank)
        elif tcore == tname:
            # The name adds an affix to a popular name (python-flask, py-binance).
            score = (0.55 if long_affix else 0.4) + rank_bonus(rank)
        else:
            # Both have affixes, different ones or on the other side
            # (python3-dateutil/python-dateutil, nmap-python/python-nmap).
            score = 0.55 + rank_bonus(rank)
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
            popular = t.popular(fused)
            if popular is not None:
                detail = f"{popular[0]!r} with its 'py' spelled out differently"
                found.append(_affix_candidate(popular, 0.55, detail))
    # Fused affixes: pyX, pythonX, Xpy, Xpython3 ... against a popular X (each holds
    # "py", which most names lack).
    for affix in _FUSED_AFFIXES if "py" in name else ():
        stem = _without_end(name, affix)
        if stem is None:
            continue
        if len(stem) < 4 or stem[0] == "-" or stem[-1] == "-":
            continue
        popular = t.popular(stem)
        if popular is not None:
            base = 0.5 if len(affix) > 3 else 0.4
            found.append(_affix_candidate(popular, base, f"{popular[0]!r} with {affix!r} attached"))
            break


def _without_end(word: str, part: str) -> str | None:
    """``word`` without ``part`` at its start (tried first) or at its end, or None."""
    if word.startswith(part):
        return word[len(part) :]
    if word.endswith(part):
        return word[: -len(part)]
    return None


def _affix_candidate(popular: tuple[str, int], base: float, detail: str) -> Candidate:
    """A py-affix candidate against a popular (canonical, rank), scored ``base`` plus
    the rank bonus."""
    score = round(base + rank_bonus(popular[1]), 3)
    return Candidate(popular[0], popular[1], "py-affix", score, detail)


def version_suffix(t: TrustedNames, name: str, found: list[Candidate]) -> None:
    """A popular name plus a version, a number or a year (requests-2, numpy-2024)."""
    if not name[-1:].isdigit():
        return  # the suffix ends with a digit: most names are done without the regex
    match = _VERSION_SUFFIX.match(name)
    if match is None:
        return
    base = match.group("base").rstrip("-")
    # The pattern takes the shortest base, which stops inside a popular name that ends
    # in digits (urllib3-2024 is urllib + 3-2024): the longest base that is a popular
    # name wins, cut before one of the suffix's hyphens (urllib3 + 2024).
    popular = None
    for cut in range(len(name) - 1, len(base), -1):
        if name[cut] == "-":
            popular = t.popular(name[:cut])
            if popular is not None:
                base = name[:cut]
                break
    if popular is None:
        popular = t.popular(base)
        if popular is None:
            return
    separated = name[len(base)] == "-"
    suffix = name[len(base) :].lstrip("-")
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
        # digits, but only 19 of 8,464 names of several words (FUSED_VERSION_SHARE,
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


def word_order(t: TrustedNames, name: str, found: list[Candidate]) -> None:
    """Popular names with the same words in another order (learn-scikit)."""
    related = t.related
    if related is not None and not related[REL_WORDS]:
        return
    key = word_key(name)
    if key is None:
        return
    for tname, rank, canonical in t.same_key_targets(name, NS_WORDS, REL_WORDS, key, word_key):
        found.append(
            Candidate(
                canonical,
                rank,
                "word-reorder",
                0.6 if rank <= 1000 else 0.5,
                f"the words of {tname!r} in another order",
            )
        )


def combos(t: TrustedNames, name: str, found: list[Candidate]) -> None:
    """A popular name plus filler words, or two popular names glued together, told
    apart from plugins (pytest-cov) by the words around the popular name."""
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
            popular = t.popular(piece)  # first: most pieces are not popular names
            if popular is None or piece in AFFIX_WORDS or t.is_filler(piece):
                continue  # "update", "python": generic words, not targets
            spans.append((start, end, popular[0], popular[1], False))
            break
    if not spans and any(t.is_filler(w) for w in words):
        # A misspelt popular name beside a filler word (update-request).
        for position, word in enumerate(words):
            if word in AFFIX_WORDS or t.is_filler(word):
                continue
            typo = misspelt_popular(t, word)
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
        (fillers if t.is_filler(word) else specific).append(word)
    # The first word is a plugin namespace (django-, pytest-, types-), or the popular
    # name that starts the name is one (a longer name like scikit-learn is judged whole).
    leading = next((s for s in spans if s[0] == 0), None)
    if leading is not None and leading[1] > 1:
        host_first = "-".join(words[: leading[1]]) in t.hosts or leading[2] in t.hosts
    else:
        host_first = words[0] in t.hosts or (leading is not None and leading[2] in t.hosts)
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
    if specific and rank <= GENERIC_TOP and not host_first and not before.intersection(specific):
        # Words that many popular names use (client, sdk, async, test) make a name
        # look like an official variant; a word few use names something specific
        # (requests-toolbelt, numpy-stl), as plugins and integrations do. Only words
        # after the popular name: a word before it is a namespace (jaraco-packaging,
        # quart-trio), the way plugins are named. Only after the 300 most popular
        # names, the targets of the mass campaigns: below them a name plus a common
        # word is as often the project's own companion (onnxruntime-tools).
        common = min(t.commonness(w) for w in specific)
        generic = 0.25 + 0.4 * common + (0.05 if rank <= 100 else 0.0)
        if generic > score:
            score = round(generic, 3)
            listed = ", ".join(repr(w) for w in specific)
            why = f"{target!r} plus word(s) common in package names ({listed})"
    if misspelt:
        why += " (the popular name misspelt)"
    found.append(Candidate(target, rank, "combosquat", score, why))


def brands(t: TrustedNames, name: str, found: list[Candidate]) -> None:
    """A vendor brand fused with a filler (claudeai-eng, gptplus, chatgpt-pro)."""
    if t.ref.brand_pattern.search(name) is None:
        return
    for word in name.split("-"):
        if word in t.trusted:
            continue
        for brand in t.ref.brands:
            if len(brand) < 3 or brand == word or "-" in brand:
                continue
            rest = _without_end(word, brand)
            if rest is None:
                continue
            if rest in ("ai", "gpt") or rest in t.fillers:
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


def misspelt_popular(t: TrustedNames, word: str) -> tuple[str, int] | None:
    """A popular name (top 1,000, 6+ letters) one typo away from ``word``."""
    if len(word) < 5:
        return None
    keys = [word[:i] + word[i + 1 :] for i in range(len(word))]
    numbers = {v >> 1 for v in t.ref.index.lookup_many(NS_DEL1, [*keys, word]) if not v & 1}
    number_of = t.ref.number_of
    numbers.update(number_of[k] for k in keys if k in number_of)
    best: tuple[str, int] | None = None
    for number in numbers:
        target = t.target(number)
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


Find = Callable[[TrustedNames, str, list[Candidate]], None]
"""A technique: adds the candidates of a normalised name to a list."""


class Technique(NamedTuple):
    """A row of the technique table: what it is called, the highest score it can give
    (a test checks it on many names) and the function that finds its candidates."""

    name: str
    ceiling: float
    find: Find


STRUCTURAL: tuple[Technique, ...] = (
    Technique("py-affix", 0.7, affixes),
    Technique("version-suffix", 0.85, version_suffix),
    Technique("word-reorder", 0.6, word_order),
    Technique("combosquat", 0.7, combos),
    Technique("brand-impersonation", 0.55, brands),
)
"""The techniques that run after the look-alike fold, in this order. The detector skips
one whose ceiling is below the best flagged score so far: it cannot change the outcome."""
