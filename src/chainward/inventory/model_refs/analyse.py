"""One Python file's model references, found before the repository's class hierarchy
is known (``collect`` settles them): in this process, or in forked workers when there is
much Python. Imported only when a scanned Python file names a hub loader.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainward.core.context import ScanContext
from chainward.core.findings import Finding

if TYPE_CHECKING:
    from chainward.inventory.model_refs.records import SourceScan


@dataclass
class Analysed:
    """One Python file's calls (found before the hierarchy is known), its classes, and
    why it could not be analysed."""

    scan: SourceScan | None = None
    classes: dict[str, list[str]] | None = None
    problems: list[Finding] = field(default_factory=list)


def analyse(ctx: ScanContext, rel: str, *, keep_tree: bool) -> Analysed:
    """Parse (through the scan's cache when ``keep_tree``), analyse and find the calls of
    one file, taking every ``X.from_pretrained`` under the condition that ``X`` derives
    from a hub class (settled by the caller once the hierarchy is known)."""
    from chainward.core.pyflow.parse import parse_module
    from chainward.inventory.model_refs.python import analyse_file, find_calls

    text = ctx.python_source(rel)
    if text is None:
        return Analysed()
    parsed = ctx.python_module(rel) if keep_tree else parse_module(rel, text)
    if parsed is None:
        return Analysed()
    if parsed.tree is None:
        return Analysed(problems=[ctx.unparsable(rel, parsed.error, parsed.line, parsed.column)])
    try:
        values = analyse_file(parsed.tree)
    except RecursionError as exc:
        return Analysed(problems=[ctx.unparsable(rel, f"too deeply nested or invalid: {exc}")])
    classes = values.env.local_classes
    try:
        found = find_calls(rel, values, exists=exists_under(ctx.root), assume_subclasses=True)
    except RecursionError as exc:
        problem = ctx.unparsable(rel, f"too deeply nested or invalid: {exc}")
        return Analysed(classes=classes, problems=[problem])
    return Analysed(found, classes)


def exists_under(root: Path) -> Callable[[str], bool]:
    def exists(value: str) -> bool:
        try:
            return (root / value).exists()
        except (OSError, ValueError):
            return False

    return exists


# Above this much Python to analyse, the files are shared out to forked workers (one per
# core): parsing and the data flow are pure CPU, and each file's result is small. The
# workers cost about 0.5 s of CPU more in all (start, results sent back), which pays only
# on an idle machine and on the largest repositories (microsoft/LoRA's 11 MB of candidate
# files; peft's 5 MB are analysed here, under 2 s already).
PARALLEL_BYTES = 8 << 20
_WORKER_CTX: list[ScanContext] = []


def workers() -> int:
    import multiprocessing  # only for large repositories: not on the hooks' start-up path

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    try:
        return min(len(os.sched_getaffinity(0)), 4)
    except (AttributeError, OSError):
        return min(os.cpu_count() or 1, 4)


def analyse_in_worker(rel: str) -> Analysed:
    return analyse(_WORKER_CTX[0], rel, keep_tree=False)


PENDING_KEY = "inventory.model_refs.pending"


@dataclass
class Pending:
    """Workers analysing ``rels`` (started by ``collect.start_model_refs``)."""

    rels: list[str]
    pool: Any
    result: Any


def start_workers(ctx: ScanContext, rels: list[str]) -> Pending | None:
    """Forked workers analysing ``rels`` when there is enough Python to be worth it
    (None: analyse here)."""
    size = sum(len(ctx.python_source(rel) or "") for rel in rels)
    count = workers() if size >= PARALLEL_BYTES else 1
    if count <= 1:
        return None
    import multiprocessing

    _WORKER_CTX[:] = [ctx]
    try:
        pool = multiprocessing.get_context("fork").Pool(count)
    except OSError:
        return None  # no processes to be had: analyse here
    finally:
        _WORKER_CTX.clear()  # the workers are forked by now and hold their own copy
    return Pending(rels, pool, pool.map_async(analyse_in_worker, rels, chunksize=4))


def analyse_all(ctx: ScanContext, rels: list[str]) -> list[Analysed]:
    """Every candidate file analysed, in order: in forked workers when there is enough
    Python to be worth it (the parsed trees then stay in the workers; workers started
    early by ``collect.start_model_refs`` are waited for), else here (the trees stay in
    the scan's cache for the other families that read Python)."""
    pending = ctx.take(PENDING_KEY)
    if pending is None or pending.rels != rels:
        if pending is not None:
            pending.pool.terminate()
        pending = start_workers(ctx, rels)
    if pending is not None:
        try:
            found: list[Analysed] = pending.result.get()
            return found
        finally:
            pending.pool.close()
            pending.pool.join()
    return [analyse(ctx, rel, keep_tree=True) for rel in rels]
