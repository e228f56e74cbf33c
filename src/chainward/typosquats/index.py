"""The shipped reference data and its precomputed look-up index.

The popular-name list (PyPI top 15,000 by downloads), the alias table and the other
lists live as text in ``data/``. Detection needs, for every popular name, its
single-character deletions (and, for the most popular long names, its two-character
deletions), its confusable fold, its py/python-affix core and its sorted words. Building
those tables from text takes well over 100 ms, so they are precomputed into
``data/index.bin``: a sorted array of 32-bit key hashes beside an array of 16-bit
target numbers (with bucket offsets for the top 16 hash bits and a presence bitmap),
loaded with :meth:`array.frombytes` in a few milliseconds and searched with
:func:`bisect.bisect_left`. For each popular name the index also stores what that search
and what the other look-ups find for the name itself, and its distance-2 targets
(:func:`build_related`), so that a popular name which is not trusted under
``--trusted-top`` is checked without computing or hashing a key, or scanning for
distance-2 targets.

A stored entry only says "this key probably belongs to target N"; callers verify every
candidate against the real name, so a 32-bit hash collision cannot cause a finding.

Regenerate after changing ``data/``::

    python -m chainward.typosquats.index --build

A test fails when the index is stale (its header records a digest of the inputs).
"""

from __future__ import annotations

import json
import sys
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

from chainward.typosquats.datafiles import (
    DATA_FILES,
    RawData,
    data_bytes,
    data_dir,
    data_text,
    load_raw,
)
from chainward.typosquats.doubles import (
    close_targets,
    double_buckets,
    double_candidates,
    every_target,
    near_numbers,
)
from chainward.typosquats.keys import affix_core, deletions, deletions2, word_key
from chainward.typosquats.keys import normalize as normalize  # noqa: PLC0414 - re-exported (scan.py)
from chainward.typosquats.lookalikes import fold

MAGIC = b"CWTSIDX1"
INDEX_FILE = "index.bin"
INDEX_VERSION = 10

# Two-character deletions are indexed only for the most popular, longer names: distance
# 2 between two short or obscure names is mostly coincidence (addict/bidict), and the
# squats seen in the wild at distance 2 target the very top of the list.
DEL2_TOP = 1500
DEL2_MIN_LEN = 8
DOUBLE_LIMITS = (DEL2_TOP, DEL2_MIN_LEN - 1)
"""Distance 2 is checked against the names of at least this many letters ranked up to
this (:data:`chainward.typosquats.scoring.DOUBLE_TOP` and ``DOUBLE_MIN_LEN``, unless a
cross-validation run changes them): the limits of the stored distance-2 targets."""

# Key namespaces inside the one hash table. One- and two-character deletions share a
# namespace: one look-up of a key finds both, and every candidate is verified anyway.
NS_DEL1 = "d"
NS_DEL2 = "d"
NS_FOLD = "f"
NS_CORE = "c"
NS_WORDS = "w"


def key_hash(namespace: str, key: str) -> int:
    """The stable 32-bit hash of a namespaced key (CRC-32 of ``namespace NUL key``)."""
    return zlib.crc32(f"{namespace}\0{key}".encode())


def data_digest() -> str:
    """A digest of the shipped text lists and the index layout (staleness check)."""
    import hashlib

    digest = hashlib.sha256(f"{INDEX_VERSION}:{DEL2_TOP}:{DEL2_MIN_LEN}:{FAST_TOP}".encode())
    for name in DATA_FILES:
        digest.update(name.encode() + b"\0" + data_text(name).encode("utf-8") + b"\0")
    return digest.hexdigest()


def _entries(raw: RawData) -> Iterator[tuple[str, str, int]]:
    """(namespace, key, stored value) for every popular name and alias.

    The stored value is ``target number * 2 + tag``; the tag is 1 for two-character
    deletions, so that a distance-1 look-up skips them without verifying them.
    """
    targets = raw.names + [a.alias for a in raw.aliases]
    for number, name in enumerate(targets):
        value = number * 2
        for key in deletions(name):
            yield NS_DEL1, key, value
        if number < len(raw.names) and raw.ranks[number] <= DEL2_TOP and len(name) >= DEL2_MIN_LEN:
            for key in deletions2(name):
                yield NS_DEL2, key, value + 1
        yield NS_FOLD, fold(name), value
        core = affix_core(name)
        if core is not None:
            yield NS_CORE, core, value
        words = word_key(name)
        if words is not None:
            yield NS_WORDS, words, value


BUCKET_BITS = 16
FILTER_BITS = 23
"""A bitmap of 2**23 bits says quickly that most keys are absent (about 4% are set)."""


def build_tables(
    entries: Iterable[tuple[str, str, int]],
) -> tuple[array[int], array[int], array[int]]:
    """Sorted (hash, target) arrays and the offsets of each top-16-bit hash bucket."""
    pairs = sorted({(key_hash(ns, key), number) for ns, key, number in entries})
    hashes = array("I", [h for h, _ in pairs])
    targets = array("H", [number for _, number in pairs])
    offsets = array("I", bytes(4 * ((1 << BUCKET_BITS) + 1)))
    shift = 32 - BUCKET_BITS
    bucket = 0
    for position, (h, _) in enumerate(pairs):
        top = h >> shift
        while bucket <= top:
            offsets[bucket] = position
            bucket += 1
    while bucket <= 1 << BUCKET_BITS:
        offsets[bucket] = len(pairs)
        bucket += 1
    return hashes, targets, offsets


def build_filter(hashes: Iterable[int]) -> bytes:
    """The presence bitmap: bit ``h >> (32 - FILTER_BITS)`` is set for each stored hash."""
    bits = bytearray(1 << (FILTER_BITS - 3))
    shift = 32 - FILTER_BITS
    for h in hashes:
        b = h >> shift
        bits[b >> 3] |= 1 << (b & 7)
    return bytes(bits)


def build_index_bytes(raw: RawData | None = None) -> bytes:
    """The bytes of ``data/index.bin`` for the current lists."""
    raw = raw or load_raw()
    if len(raw.names) + len(raw.aliases) >= 0x7FFF:
        raise ValueError("too many targets for 16-bit tagged target numbers")
    hashes, targets, offsets = build_tables(_entries(raw))
    header = {
        "version": INDEX_VERSION,
        "digest": data_digest(),
        "entries": len(hashes),
        "names": len(raw.names),
        "aliases": len(raw.aliases),
    }
    names = "\n".join(raw.names).encode()
    ranks = array("I", raw.ranks)
    header["names_bytes"] = len(names)
    fast_keys, fast_offsets, fast_members = build_fast(raw)
    header["fast_keys"] = len(fast_offsets) - 1
    header["fast_bytes"] = len(fast_keys)
    header["fast_members"] = len(fast_members)
    near_offsets, near_values = build_related(raw, hashes, targets, offsets)
    header["near_values"] = len(near_values)
    header["double_limits"] = list(DOUBLE_LIMITS)
    head = json.dumps(header, sort_keys=True).encode()
    if sys.byteorder != "little":  # pragma: no cover - stored little-endian
        hashes.byteswap()
        targets.byteswap()
        ranks.byteswap()
        offsets.byteswap()
        fast_offsets.byteswap()
        fast_members.byteswap()
        near_offsets.byteswap()
        near_values.byteswap()
    return b"".join(
        (
            MAGIC,
            len(head).to_bytes(4, "little"),
            head,
            offsets.tobytes(),
            build_filter(hashes),
            hashes.tobytes(),
            targets.tobytes(),
            ranks.tobytes(),
            names,
            fast_offsets.tobytes(),
            fast_members.tobytes(),
            fast_keys,
            near_offsets.tobytes(),
            near_values.tobytes(),
        )
    )


FAST_TOP = 1000
"""The one-character deletions of the names ranked up to this are also loaded into a
dict (a C-level look-up, ~20x cheaper than the arrays): most squats target them."""


def build_fast(raw: RawData) -> tuple[bytes, array[int], array[int]]:
    """Sorted distinct deletion keys of the top names, with their target groups."""
    groups: dict[str, set[int]] = {}
    for number, name in enumerate(raw.names):
        if raw.ranks[number] > FAST_TOP:
            break
        for key in deletions(name):
            groups.setdefault(key, set()).add(number)
    keys = sorted(groups)
    offsets = array("I", [0])
    members = array("H")
    for key in keys:
        members.extend(sorted(groups[key]))
        offsets.append(len(members))
    return "\n".join(keys).encode(), offsets, members


# Kinds of related entries stored for each popular name, in this order.
REL_NEAR = 0
"""Values :meth:`HashIndex.lookup_many` finds for the name and its one-letter deletions."""
REL_SHORTER = 1
"""Popular names and aliases that are the name minus one letter (target numbers)."""
REL_FOLD = 2
"""Targets under the name's confusable fold."""
REL_CORE = 3
"""Targets under the name's py/python-affix core (or the name, without an affix)."""
REL_WORDS = 4
"""Targets under the name's sorted words."""
REL_DOUBLE = 5
"""The distance-2 targets the detector's search (:mod:`chainward.typosquats.doubles`)
finds for the name under :data:`DOUBLE_LIMITS`, in the order it finds them (which breaks
ties), when every name ranked up to the rank limit is trusted (then trusting more names
changes nothing)."""
REL_KINDS = 6


def build_related(
    raw: RawData, hashes: array[int], targets: array[int], offsets: array[int]
) -> tuple[array[int], array[int]]:
    """For every popular name, what each look-up of the detector finds for the name
    itself, without the name's own entries, kind by kind: entries of kind ``k`` of name
    ``n`` lie between offsets ``REL_KINDS * n + k`` and the next."""
    index = HashIndex(offsets, hashes, targets, {}, raw.names, array("I"), build_filter(hashes))
    base = len(raw.names)
    numbers = {name: number for number, name in enumerate(raw.names)}
    alias_numbers = {alias.alias: base + i for i, alias in enumerate(raw.aliases)}
    rel_offsets = array("I", [0])
    rel_values = array("H")

    def add(values: Iterable[int]) -> None:
        rel_values.extend(values)
        rel_offsets.append(len(rel_values))

    find_target = every_target(raw)
    top, least = DOUBLE_LIMITS
    buckets = double_buckets(
        [
            (n, name)
            for n, name in enumerate(raw.names)
            if raw.ranks[n] <= top and len(name) >= least
        ]
        + [(n, a) for a, n in alias_numbers.items() if len(a) >= least]
    )
    for number, name in enumerate(raw.names):
        singles = [name[:i] + name[i + 1 :] for i in range(len(name))]
        found = index.lookup_many(NS_DEL1, [name, *singles])
        near = sorted(v for v in found if v >> 1 != number)
        add(near)
        shorter = {numbers[s] for s in singles if s in numbers}
        longer = sorted(shorter | {alias_numbers[s] for s in singles if s in alias_numbers})
        add(longer)
        add(n for n in index.lookup(NS_FOLD, fold(name)) if n != number)
        add(n for n in index.lookup(NS_CORE, affix_core(name) or name) if n != number)
        words = word_key(name)
        add(() if words is None else (n for n in index.lookup(NS_WORDS, words) if n != number))
        # As NearbySearch.edit_distance_one and double_targets find them, in their order.
        _, candidates = near_numbers(near, longer)
        add(close_targets(name, double_candidates(candidates, find_target, top, least), buckets))
    return rel_offsets, rel_values


_SEEDS = {ns: zlib.crc32(f"{ns}\0".encode()) for ns in (NS_DEL1, NS_FOLD, NS_CORE, NS_WORDS)}
_SHIFT = 32 - BUCKET_BITS


@dataclass
class HashIndex:
    """The loaded look-up tables: sorted key hashes with their target numbers."""

    offsets: array[int]
    hashes: array[int]
    targets: array[int]
    header: dict[str, object]
    names: list[str]
    """Popular names, most popular first (target number = position)."""
    ranks: array[int]
    bits: bytes = b""
    """The presence bitmap (see :func:`build_filter`)."""
    fast: dict[str, int] = field(default_factory=dict)
    """Deletion key of a top name -> group number (see :func:`build_fast`)."""
    fast_offsets: array[int] = field(default_factory=lambda: array("I", [0]))
    fast_members: array[int] = field(default_factory=lambda: array("H"))
    near_offsets: array[int] = field(default_factory=lambda: array("I", [0]))
    near_values: array[int] = field(default_factory=lambda: array("H"))
    """See :func:`build_related`."""

    def related(self, number: int) -> list[array[int]]:
        """The precomputed look-up results of popular name ``number``, one array per
        kind (see :func:`build_related`)."""
        a, b, c, d, e, f, g = self.near_offsets[REL_KINDS * number : REL_KINDS * (number + 1) + 1]
        values = self.near_values
        return [values[a:b], values[b:c], values[c:d], values[d:e], values[e:f], values[f:g]]

    def fast_lookup(self, keys: Iterable[str]) -> set[int]:
        """Target numbers (top names only) whose one-letter deletions are among ``keys``."""
        fast = self.fast
        offsets = self.fast_offsets
        members = self.fast_members
        found: set[int] = set()
        for group in map(fast.__getitem__, fast.keys() & keys):
            found.update(members[offsets[group] : offsets[group + 1]])
        return found

    def lookup(self, namespace: str, key: str) -> list[int]:
        """Target numbers stored under ``key`` (verify them: hashes may collide)."""
        h = zlib.crc32(key.encode(), _SEEDS[namespace])
        top = h >> _SHIFT
        hashes = self.hashes
        hi = self.offsets[top + 1]
        i = bisect_left(hashes, h, self.offsets[top], hi)
        if i >= hi or hashes[i] != h:
            return []
        found = []
        while i < hi and hashes[i] == h:
            found.append(self.targets[i] >> 1)
            i += 1
        return found

    def lookup_many(self, namespace: str, keys: Iterable[str]) -> set[int]:
        """Stored values (``number * 2 + tag``) under any of ``keys`` (the hot loop).

        Tag 1 marks two-character deletions; ``value >> 1`` is the target number.
        """
        # The hashes are computed by a C-level map() pipeline; the presence bitmap
        # then rules out about 96% of the keys before any binary search.
        offsets = self.offsets
        hashes = self.hashes
        targets = self.targets
        bits = self.bits
        shift = 32 - FILTER_BITS
        found: set[int] = set()
        for h in map(zlib.crc32, map(str.encode, keys), repeat(_SEEDS[namespace])):
            b = h >> shift
            if not bits[b >> 3] & (1 << (b & 7)):
                continue
            top = h >> _SHIFT
            hi = offsets[top + 1]
            i = bisect_left(hashes, h, offsets[top], hi)
            while i < hi and hashes[i] == h:
                found.add(targets[i])
                i += 1
        return found


class StaleIndexError(Exception):
    """The shipped index does not match the shipped lists."""


def parse_index(data: bytes) -> HashIndex:
    """Parse the bytes of ``index.bin``."""
    if not data.startswith(MAGIC):
        raise StaleIndexError("not a chainward typosquat index")
    offset = len(MAGIC)
    head_len = int.from_bytes(data[offset : offset + 4], "little")
    offset += 4
    header = json.loads(data[offset : offset + head_len])
    offset += head_len
    buckets = (1 << BUCKET_BITS) + 1
    offsets = array("I")
    offsets.frombytes(data[offset : offset + 4 * buckets])
    offset += 4 * buckets
    bits = data[offset : offset + (1 << (FILTER_BITS - 3))]
    offset += len(bits)
    entries = int(header["entries"])
    hashes = array("I")
    hashes.frombytes(data[offset : offset + 4 * entries])
    offset += 4 * entries
    targets = array("H")
    targets.frombytes(data[offset : offset + 2 * entries])
    offset += 2 * entries
    count = int(header["names"])
    ranks = array("I")
    ranks.frombytes(data[offset : offset + 4 * count])
    offset += 4 * count
    names = data[offset : offset + int(header["names_bytes"])].decode().split("\n")
    offset += int(header["names_bytes"])
    fast_count = int(header["fast_keys"])
    fast_offsets = array("I")
    fast_offsets.frombytes(data[offset : offset + 4 * (fast_count + 1)])
    offset += 4 * (fast_count + 1)
    fast_members = array("H")
    fast_members.frombytes(data[offset : offset + 2 * int(header["fast_members"])])
    offset += 2 * int(header["fast_members"])
    fast_keys = data[offset : offset + int(header["fast_bytes"])].decode().split("\n")
    offset += int(header["fast_bytes"])
    near_offsets = array("I")
    near_offsets.frombytes(data[offset : offset + 4 * (REL_KINDS * count + 1)])
    offset += 4 * (REL_KINDS * count + 1)
    near_values = array("H")
    near_values.frombytes(data[offset : offset + 2 * int(header["near_values"])])
    if sys.byteorder != "little":  # pragma: no cover
        for part in (
            offsets,
            hashes,
            targets,
            ranks,
            fast_offsets,
            fast_members,
            near_offsets,
            near_values,
        ):
            part.byteswap()
    if len(hashes) != entries or len(targets) != entries or len(names) != count:
        raise StaleIndexError("truncated typosquat index")
    if len(fast_keys) != fast_count or len(near_offsets) != REL_KINDS * count + 1:
        raise StaleIndexError("truncated typosquat index")
    if len(near_values) != int(header["near_values"]):
        raise StaleIndexError("truncated typosquat index")
    fast = dict(zip(fast_keys, range(fast_count), strict=True))
    return HashIndex(
        offsets,
        hashes,
        targets,
        header,
        names,
        ranks,
        bits,
        fast,
        fast_offsets,
        fast_members,
        near_offsets,
        near_values,
    )


def load_index() -> HashIndex:
    """Load the shipped index; rebuild it in memory if it is missing or damaged."""
    try:
        return parse_index(data_bytes(INDEX_FILE))
    except (OSError, StaleIndexError, ValueError, KeyError):
        return parse_index(build_index_bytes())


def index_path() -> Path:
    """Where the index lives (the package's data folder unless overridden)."""
    return data_dir() / INDEX_FILE


def main(argv: list[str] | None = None) -> int:
    """``python -m chainward.typosquats.index --build|--check``."""
    args = sys.argv[1:] if argv is None else argv
    if args == ["--build"]:
        from chainward.core.atomic import write_atomic

        write_atomic(index_path(), build_index_bytes())
        index_path().chmod(0o644)
        print(f"wrote {index_path()}")
        return 0
    if args == ["--check"]:
        header = parse_index(index_path().read_bytes()).header
        if header.get("digest") != data_digest():
            print("typosquat index is stale: run python -m chainward.typosquats.index --build")
            return 1
        print("typosquat index is current")
        return 0
    print("usage: python -m chainward.typosquats.index --build|--check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
