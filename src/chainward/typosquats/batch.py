"""Verdicts for many names: a large batch is split across forked processes, which
inherit the loaded index instead of reloading it (detection is pure Python, so threads
would not run in parallel)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Protocol

from chainward.typosquats.scoring import Verdict


class Checker(Protocol):
    """What a batch needs of a detector (:class:`chainward.typosquats.detect.Detector`)."""

    def check(self, raw: object) -> Verdict: ...


PARALLEL_MIN_NAMES = 512
CHILD_HANDICAP = 100
"""A forked child checks about this many names fewer than the parent in the same time
(its first touch of each shared memory page copies it): its share is that much smaller.
Measured with fresh processes, as the CLI runs: from about 600 names on, two cores
check more names a second than one."""

_Row = tuple[str, str, bool, "str | None", "int | None", "str | None", float, str]


def _rows(found: Checker, names: Sequence[str]) -> list[_Row]:
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


def _fork_worker(found: Checker, names: Sequence[str]) -> tuple[int, int] | None:
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


def check_batch(found: Checker, names: Sequence[str], workers: int | None = None) -> list[Verdict]:
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
