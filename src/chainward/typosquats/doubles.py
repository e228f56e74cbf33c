"""The distance-2 search, shared by the detector and the index builder.

The detector (:class:`chainward.typosquats.nearby.NearbySearch`) runs it for every name
that no technique flags; the builder (:func:`chainward.typosquats.index.build_related`)
runs it once for every popular name and stores what it finds, so that a popular name
which is not trusted under ``--trusted-top`` is checked without it. Both run this one
code, so the stored targets are what the search would find, in the same order.

A target within two edits of a name keeps its first or its last three letters unless
the two edits touch both ends (rare in real squats), so the candidates are the targets
of a close length that start or end like the name (the buckets), besides those the
distance-1 look-up found.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from chainward.typosquats.datafiles import RawData
from chainward.typosquats.edits import short_distance

Buckets = dict[tuple[str, int], list[tuple[int, bytes]]]


def near_numbers(values: Iterable[int], longer: Iterable[int]) -> tuple[set[int], set[int]]:
    """The distance-1 candidates and, with them, the distance-2 ones, from the values a
    deletion look-up stored (``number * 2 + tag``; tag 1: a two-letter deletion) and the
    targets that are the name minus one letter."""
    numbers = {v >> 1 for v in values if not v & 1}
    numbers.update(longer)
    return numbers, numbers | {v >> 1 for v in values if v & 1}


def double_buckets(targets: Iterable[tuple[int, str]]) -> tuple[Buckets, Buckets]:
    """The targets (number, name) by (first three letters, name length) and by (last
    three letters, name length), for every name length within two of theirs."""
    heads: Buckets = {}
    tails: Buckets = {}
    for number, target in targets:
        entry = (number, target.encode())
        head, tail, size = target[:3], target[-3:], len(target)
        for fits in range(size - 2, size + 3):
            heads.setdefault((head, fits), []).append(entry)
            tails.setdefault((tail, fits), []).append(entry)
    return heads, tails


def close_targets(
    name: str, candidates: Iterable[tuple[int, str]], buckets: tuple[Buckets, Buckets]
) -> set[int]:
    """Numbers of the targets exactly two edits from ``name``: among the ``candidates``
    (number, target name), then among the bucket entries that start or end like it."""
    heads, tails = buckets
    length = len(name)
    raw = name.encode()
    numbers: set[int] = set()
    for number, target in candidates:
        if short_distance(raw, target.encode()) == 2:
            numbers.add(number)
    for key, table in (((name[:3], length), heads), ((name[-3:], length), tails)):
        for number, target_bytes in table.get(key, ()):
            if number not in numbers and short_distance(raw, target_bytes) == 2:
                numbers.add(number)
    return numbers


Target = tuple[str, int, str]
"""(name as written, effective rank, canonical name), as the detector sees a target."""


def double_candidates(
    numbers: Iterable[int], target_of: Callable[[int], Target | None], top: int, least: int
) -> Iterator[tuple[int, str]]:
    """(number, name) of the targets among ``numbers`` that distance 2 is checked
    against: of ``least`` letters or more, of a name ranked up to ``top``."""
    for number in numbers:
        found = target_of(number)
        if found is not None and found[1] <= top and len(found[0]) >= least:
            yield number, found[0]


def every_target(raw: RawData) -> Callable[[int], Target | None]:
    """:meth:`chainward.typosquats.trusted.TrustedNames.target` with every name trusted."""
    base = len(raw.names)
    canonical_of = {a.alias: a.canonical for a in raw.aliases}
    alias_names = list(canonical_of)
    numbers = {name: number for number, name in enumerate(raw.names)}

    def find(number: int) -> Target | None:
        if number < base:
            return raw.names[number], raw.ranks[number], raw.names[number]
        if number - base >= len(alias_names):
            return None
        alias = alias_names[number - base]
        canonical_number = numbers.get(canonical_of[alias])
        if canonical_number is None:
            return None
        return alias, raw.ranks[canonical_number], canonical_of[alias]

    return find
