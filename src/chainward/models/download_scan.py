"""The download part of the models scanner: Python files (with the repository's class
hierarchy) and the non-Python forms (shell, Makefile, Dockerfile, workflows, configs)."""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence

from chainward.core.context import ScanContext
from chainward.core.files import list_tree
from chainward.core.findings import Finding
from chainward.models.download_checks import find_download_problems
from chainward.models.downloads import (
    ModelCall,
    analyse_file,
    find_calls,
    parse_source,
    project_hub_classes,
)
from chainward.models.loaders import might_download
from chainward.models.resolve import FileValues
from chainward.models.textscan import is_text_download_path, scan_text

PYTHON_SUFFIXES = (".py", ".pyi")
_CLASS_RE = re.compile(r"^[ \t]*class[ \t]+(\w+)[ \t]*\(([^)]*)\)", re.MULTILINE)
MAX_INDEX_FILES = 20_000


def _regex_classes(text: str) -> dict[str, list[str]]:
    """Class bases read with a regular expression (for files outside the scan)."""
    out: dict[str, list[str]] = {}
    for match in _CLASS_RE.finditer(text):
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


def scan_downloads(
    ctx: ScanContext,
    *,
    locked: Mapping[str, str | None],
    allow: Sequence[str],
    report_unresolved: bool,
    online_revisions: bool = False,
) -> Iterator[Finding]:
    """Findings for downloads in every scanned file (Python and the other forms)."""
    # Every analysed module's tree stays alive until the repository's class hierarchy is
    # known; the cyclic collector would rescan those millions of nodes again and again
    # (it doubled the wall time on large repositories), and they hold no cycles to free.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield from _scan_downloads(
            ctx,
            locked=locked,
            allow=allow,
            report_unresolved=report_unresolved,
            online_revisions=online_revisions,
        )
    finally:
        if enabled:
            gc.enable()


def _scan_downloads(
    ctx: ScanContext,
    *,
    locked: Mapping[str, str | None],
    allow: Sequence[str],
    report_unresolved: bool,
    online_revisions: bool = False,
) -> Iterator[Finding]:
    def exists(value: str) -> bool:
        try:
            return (ctx.root / value).exists()
        except (OSError, ValueError):
            return False

    analysed: list[tuple[str, FileValues]] = []
    scanned: set[str] = set()
    classes: list[dict[str, list[str]]] = []
    for rel in ctx.files:
        lower = rel.lower()
        if lower.endswith(PYTHON_SUFFIXES):
            text = ctx.read_text(rel)
            if text is None:
                continue
            scanned.add(rel)
            if not might_download(text):
                # No hub library and no from_pretrained: only its classes matter.
                classes.append(_regex_classes(text))
                continue
            try:
                tree = parse_source(rel, text)
            except SyntaxError as exc:
                line = exc.lineno
                if line is None and "\0" in text:  # "source code cannot contain null bytes"
                    line = text.count("\n", 0, text.index("\0")) + 1
                yield ctx.unparsable(rel, exc.msg or "invalid syntax", line, exc.offset)
                continue
            except (RecursionError, ValueError) as exc:
                yield ctx.unparsable(rel, f"too deeply nested or invalid: {exc}")
                continue
            try:
                values = analyse_file(tree)
            except RecursionError as exc:
                yield ctx.unparsable(rel, f"too deeply nested or invalid: {exc}")
                continue
            analysed.append((rel, values))
            classes.append(values.env.local_classes)
        elif is_text_download_path(rel):
            text = ctx.read_text(rel)
            if text is None:
                continue
            calls = scan_text(rel, text)
            yield from find_download_problems(
                calls, (), locked_revisions=locked, allow=allow, report_unresolved=report_unresolved
            )
    if ctx.explicit and analysed:
        # Pre-commit names only the changed files; the hierarchy spans the repository.
        for rel in _other_python_files(ctx, scanned):
            path = ctx.root / rel
            try:
                if path.stat().st_size > 1 << 20:
                    continue
                classes.append(_regex_classes(path.read_text(encoding="utf-8", errors="replace")))
            except OSError:
                continue
    hub_classes = project_hub_classes(classes)
    results = []
    for rel, values in analysed:
        try:
            results.append(find_calls(rel, values, exists=exists, hub_classes=hub_classes))
        except RecursionError as exc:
            yield ctx.unparsable(rel, f"too deeply nested or invalid: {exc}")
    current: dict[str, str] = {}
    if online_revisions and not ctx.offline:
        current = _current_revisions(c for r in results for c in r.calls)
    for found in results:
        yield from find_download_problems(
            found.calls,
            found.remote_code,
            locked_revisions=locked,
            allow=allow,
            report_unresolved=report_unresolved,
            current_revisions=current,
        )


MAX_ONLINE_IDS = 100


def _current_revisions(calls: Iterable[ModelCall]) -> dict[str, str]:
    """The hub's current commit of each unpinned Hugging Face id (at most 100 asked)."""
    from chainward.models.hubapi import HubClient

    client = HubClient(timeout=10.0)
    wanted = {
        (c.repo_id, c.kind)
        for c in calls
        if c.repo_id
        and c.repo_state == "hub"
        and c.hub == "huggingface"
        and not c.pinned
        and c.style in ("hf", "dataset")
    }
    out: dict[str, str] = {}
    for repo_id, kind in sorted(wanted)[:MAX_ONLINE_IDS]:
        sha, _ = client.commit(repo_id, kind)
        if sha is not None:
            out[repo_id] = sha
    return out
