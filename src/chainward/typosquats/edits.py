"""Edit-distance kernels: the one Damerau edit between two names, a fast filter for
distance <= 2, and the banded restricted Damerau (optimal string alignment) table with
its backtrack into edits."""

from __future__ import annotations

from typing import NamedTuple


def token_at(name: str, position: int) -> str:
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
        if name == target:
            return None
        i = 0
        while name[i] == target[i]:  # the first difference (the names differ)
            i += 1
        if name[i + 1 :] == target[i + 1 :]:
            return Edit("substitution", i, name[i], target[i])
        if (
            name[i + 2 :] == target[i + 2 :]
            and i + 1 < ln
            and name[i] == target[i + 1]
            and name[i + 1] == target[i]
        ):
            # Two neighbours swapped (they differ: name[i] is not target[i]).
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


def common_ends(name: str, target: str) -> tuple[int, int]:
    """The lengths of the common prefix and of the common suffix of what follows it."""
    prefix = _common_prefix(name, target)
    rest = min(len(name), len(target)) - prefix
    if not rest:
        return prefix, 0
    return prefix, _common_prefix(
        name[len(name) - rest :][::-1], target[len(target) - rest :][::-1]
    )


def osa_table(
    name: str, target: str, ends: tuple[int, int] | None = None
) -> list[list[int]] | None:
    """The banded restricted Damerau table of ``name`` against ``target``, or None when
    the distance is above 2 (computed once, backtracked by :func:`osa_backtrack`).
    ``ends`` is :func:`common_ends` of the two, if the caller has it already.

    Only what the backtrack reads is computed: along the common prefix the values are
    ``|i - j|``, and along the common suffix the backtrack walks the diagonal, where
    the value stays that of the end of the differing middle.
    """
    ln, lt = len(name), len(target)
    if abs(ln - lt) > 2:
        return None
    # Only a band of width 2 around the diagonal can stay within distance 2.
    big = 99
    prefix, suffix = common_ends(name, target) if ends is None else ends
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


def backtrack_step(
    name: str, target: str, dist: list[list[int]], i: int, j: int, prefer_indel: bool = False
) -> tuple[int, int, Edit | None]:
    """One step back from cell ``(i, j)`` of an :func:`osa_table` table: the cell it
    came from and the edit made there (None for a matching letter)."""
    here = dist[i][j]
    if (
        i > 1
        and j > 1
        and name[i - 1] == target[j - 2]
        and name[i - 2] == target[j - 1]
        and name[i - 1] != target[j - 1]
        and dist[i - 2][j - 2] + 1 == here
    ):
        return i - 2, j - 2, Edit("transposition", i - 2, name[i - 2 : i], target[j - 2 : j])
    if i > 0 and j > 0 and name[i - 1] == target[j - 1] and dist[i - 1][j - 1] == here:
        return i - 1, j - 1, None
    if prefer_indel and i > 0 and dist[i - 1][j] + 1 == here:
        return i - 1, j, Edit("insertion", i - 1, name[i - 1], "")
    if prefer_indel and j > 0 and dist[i][j - 1] + 1 == here:
        return i, j - 1, Edit("omission", i, "", target[j - 1])
    if i > 0 and j > 0 and dist[i - 1][j - 1] + 1 == here:
        return i - 1, j - 1, Edit("substitution", i - 1, name[i - 1], target[j - 1])
    if i > 0 and dist[i - 1][j] + 1 == here:
        return i - 1, j, Edit("insertion", i - 1, name[i - 1], "")
    return i, j - 1, Edit("omission", i, "", target[j - 1])


def osa_backtrack(
    name: str,
    target: str,
    dist: list[list[int]],
    prefer_indel: bool = False,
    ends: tuple[int, int] | None = None,
) -> list[Edit]:
    """The edits of one optimal alignment in an :func:`osa_table` table (``ends``: as
    for :func:`osa_table`).

    Along the common suffix the alignment matches letter for letter, so the walk starts
    where it ends; along the common prefix the table holds ``|i - j|``, where a letter
    that matches is kept and otherwise the longer side loses one (the rules below give
    nothing else there), which needs no look at the table.
    """
    ln, lt = len(name), len(target)
    edits: list[Edit] = []
    prefix, suffix = common_ends(name, target) if ends is None else ends
    i, j = ln - suffix, lt - suffix
    while i > prefix:
        i, j, edit = backtrack_step(name, target, dist, i, j, prefer_indel)
        if edit is not None:
            edits.append(edit)
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
