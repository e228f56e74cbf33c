"""The model references of one scan, collected once and shared by every family.

Each Python file is parsed once (:meth:`ScanContext.python_module`) and analysed once;
the class hierarchy spans the repository (pre-commit names only the changed files, so
the other files' classes are read with a regular expression). The models family
checks the references (``unpinned-model-download`` and its siblings), typosquats
looks their ids up, and provenance lists them: all read the same
:class:`ModelRefs`, memoised in the context.
"""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chainward.core.context import ScanContext
from chainward.core.files import list_tree
from chainward.core.findings import Finding
from chainward.inventory.model_refs.prefilter import is_text_download_path, might_reference

if TYPE_CHECKING:
    from chainward.inventory.model_refs.records import ModelCall, SourceScan

PYTHON_SUFFIXES = (".py", ".pyi")
# Compiled on first use (re's cache): a scan without Python never needs it.
_CLASS_PATTERN = r"^[ \t]*class[ \t]+(\w+)[ \t]*\(([^)]*)\)"
MAX_INDEX_FILES = 20_000
MEMO_KEY = "inventory.model_refs"
_CANDIDATES_KEY = "inventory.model_refs.candidates"


@dataclass
class ModelRefs:
    """Every model reference of a scan: per Python file (calls and
    ``trust_remote_code=True``), per text file (shell, Makefile, Dockerfile, workflow,
    config), and the Python files that could not be analysed (``unparsable-file``)."""

    python: list[SourceScan] = field(default_factory=list)
    text: list[list[ModelCall]] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)

    def python_calls(self) -> list[ModelCall]:
        """The download calls of every Python file, in file order."""
        return [call for found in self.python for call in found.calls]


def regex_classes(text: str) -> dict[str, list[str]]:
    """Class bases read with a regular expression (files that name no hub loader, and
    files outside the scan)."""
    out: dict[str, list[str]] = {}
    for match in re.finditer(_CLASS_PATTERN, text, re.MULTILINE):
        bases = [b.strip() for b in match.group(2).split(",")]
        out.setdefault(match.group(1), []).extend(
            b for b in bases if b and "=" not in b and not b.startswith("*")
        )
    return out


def _other_python_files(ctx: ScanContext, scanned: set[str]) -> list[str]:
    try:
        tree = list_tree(ctx.root)
    except OSError:
        return []
    return [r for r in tree if r.endswith(PYTHON_SUFFIXES) and r not in scanned][:MAX_INDEX_FILES]


def collect_model_refs(ctx: ScanContext) -> ModelRefs:
    """The scan's model references (computed on the first call, then shared)."""
    return ctx.memo(MEMO_KEY, lambda: _collect(ctx))


def start_model_refs(ctx: ScanContext) -> bool:
    """Start the analysis of a large repository's Python in forked workers and return
    at once (True), so that the caller's own work (another check over the same files)
    runs while they work; :func:`collect_model_refs` then waits for them. False when
    nothing was started: a small scan is analysed in this process, when collected."""
    python = [rel for rel in ctx.files if rel.lower().endswith(PYTHON_SUFFIXES)]
    if not python or ctx.holds(MEMO_KEY):
        return False
    from chainward.inventory.model_refs.analyse import PENDING_KEY, start_workers
    from chainward.inventory.model_refs.loaders import might_download

    if ctx.holds(PENDING_KEY):
        return False

    candidates = [rel for rel in python if might_download(ctx.python_source(rel) or "")]
    # The collection reuses this pre-filter's verdicts instead of reading every file again.
    ctx.put(_CANDIDATES_KEY, frozenset(candidates))
    pending = start_workers(ctx, candidates)
    if pending is None:
        return False
    ctx.put(PENDING_KEY, pending)
    return True


def _collect(ctx: ScanContext) -> ModelRefs:
    # Every analysed module's tree stays alive until the repository's class hierarchy is
    # known; the cyclic collector would rescan those millions of nodes again and again
    # (it doubled the wall time on large repositories), and they hold no cycles to free.
    # Objects made while the collector is off stay in its youngest generation: once it
    # is back on, its next passes would walk all of them. The parsed trees live until
    # ``ctx.release_python()`` (which unfreezes): freeze them so no pass walks them.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _collect_refs(ctx)
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _collect_refs(ctx: ScanContext) -> ModelRefs:
    # Each reader is imported only when the scan holds a file of its kind that can hold
    # a reference: the hub-loader table with the first Python file, the Python reader
    # with the first file that names a loader, the text reader with the first
    # non-Python file its pre-filter lets through (issue 19, start-up).
    refs = ModelRefs()
    candidates: list[str] = []
    scanned: set[str] = set()
    classes: list[dict[str, list[str]]] = []
    known: frozenset[str] | None = ctx.take(_CANDIDATES_KEY)
    for rel in ctx.files:
        if rel.lower().endswith(PYTHON_SUFFIXES):
            from chainward.inventory.model_refs.loaders import might_download

            text = ctx.python_source(rel)
            if text is None:
                continue
            scanned.add(rel)
            if (rel in known) if known is not None else might_download(text):
                candidates.append(rel)
            else:
                # No hub library and no from_pretrained: only its classes matter.
                classes.append(regex_classes(text))
        elif is_text_download_path(rel):
            text = ctx.read_text(rel)
            if text is not None and might_reference(rel, text):
                from chainward.inventory.model_refs.text import scan_text

                refs.text.append(scan_text(rel, text))
    if not candidates:
        # No Python file names a hub loader: no call to settle against the hierarchy.
        return refs
    from chainward.inventory.model_refs.analyse import analyse_all
    from chainward.inventory.model_refs.python import project_hub_classes

    analysed = analyse_all(ctx, candidates)
    for one in analysed:
        refs.problems.extend(one.problems)
        if one.classes is not None:
            classes.append(one.classes)
    if ctx.explicit and candidates:
        # Pre-commit names only the changed files; the hierarchy spans the repository.
        for rel in _other_python_files(ctx, scanned):
            path = ctx.root / rel
            try:
                if path.stat().st_size > 1 << 20:
                    continue
                classes.append(regex_classes(path.read_text(encoding="utf-8", errors="replace")))
            except OSError:
                continue
    hub_classes = project_hub_classes(classes)
    for one in analysed:
        if one.scan is not None:
            refs.python.append(one.scan.settle(hub_classes))
    return refs
