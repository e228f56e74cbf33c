"""``chainward pin --models``: write ``revision="<40-hex>"`` into unpinned hub downloads
in Python code, and the matching ``[[model]]`` entries (name, source, revision) into
``chainward.lock``.

The commit is the one chainward.lock already records for the id, else the one the hub
names now (``models.hubapi``). A call is rewritten only when the edit is certain: the
id resolves to one hub id, the loader takes a revision keyword, and the revision is
absent or a literal. Everything else is reported with its reason and left as it is.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from chainward.core.pyflow.parse import parse_source
from chainward.inventory.model_lock import LockedModel, ModelLock, dump_lock
from chainward.inventory.model_refs.records import FULL_SHA_RE, ModelCall
from chainward.models.lock import merge_models

Resolver = Callable[[str, str, "str | None"], "tuple[str | None, str]"]
"""(repo id, kind, revision or None) → (40-hex commit, "") or (None, reason)."""

_REWRITABLE = ("hf", "dataset")


@dataclass
class FilePin:
    """The edits to one Python file."""

    path: str
    old: str
    new: str
    pinned: list[tuple[int, str, str]] = field(default_factory=list)
    """(line, repo id, commit) of each rewritten call."""
    skipped: list[tuple[int, str]] = field(default_factory=list)
    """(line, why) of each unpinned call left alone."""

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.old.splitlines(keepends=True),
                self.new.splitlines(keepends=True),
                f"a/{self.path}",
                f"b/{self.path}",
            )
        )


def _find_call(tree: ast.Module, line: int, column: int) -> ast.Call | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.lineno == line and node.col_offset + 1 == column:
            return node
    return None


@dataclass(frozen=True, slots=True)
class _Edit:
    line: int  # 1-based
    start: int  # byte offset in the line
    end_line: int
    end: int
    text: str


def _apply(text: str, edits: Iterable[_Edit]) -> str:
    lines = [line.encode("utf-8") for line in text.splitlines(keepends=True)]
    for edit in sorted(edits, key=lambda e: (e.line, e.start), reverse=True):
        head = lines[edit.line - 1][: edit.start]
        tail = lines[edit.end_line - 1][edit.end :]
        lines[edit.line - 1 : edit.end_line] = [head + edit.text.encode("utf-8") + tail]
    return b"".join(lines).decode("utf-8")


def _revision_edit(call: ast.Call, keyword: str, sha: str) -> _Edit | str:
    """The edit that pins a call, or why it cannot be made."""
    literal = f'"{sha}"'
    for item in call.keywords:
        if item.arg == keyword:
            value = item.value
            if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
                return f"its {keyword} comes from an expression; pin it where it is set"
            end_line = value.end_lineno or value.lineno
            end = value.end_col_offset if value.end_col_offset is not None else value.col_offset
            return _Edit(value.lineno, value.col_offset, end_line, end, literal)
    if any(k.arg is None for k in call.keywords) or any(
        isinstance(a, ast.Starred) for a in call.args
    ):
        return f"its arguments are passed through */**; add {keyword}= where they are built"
    last = max(
        [*call.args, *(k.value for k in call.keywords)],
        key=lambda n: (n.end_lineno or 0, n.end_col_offset or 0),
        default=None,
    )
    if last is None or last.end_lineno is None or last.end_col_offset is None:
        return "it has no arguments to pin"
    return _Edit(
        last.end_lineno,
        last.end_col_offset,
        last.end_lineno,
        last.end_col_offset,
        f", {keyword}={literal}",
    )


def _why_not(call: ModelCall) -> str | None:
    if call.style not in _REWRITABLE or call.hub != "huggingface" or not call.pinnable:
        return "this loader takes no revision keyword; see the finding's fix"
    if call.repo_id is None or call.repo_state != "hub":
        return "its model id is not known in this file"
    if call.note.startswith("or ") or "; or " in call.note:
        return "its model id has several possible values"
    if call.revision_state == "unresolved":
        return "its revision is not known in this file"
    return None


def pin_source(
    rel: str,
    text: str,
    calls: Iterable[ModelCall],
    resolve: Resolver,
    locked: dict[str, str],
) -> FilePin:
    """Pin every unpinned hub download of one file (``calls`` from ``scan_source``)."""
    result = FilePin(rel, text, text)
    tree = parse_source(rel, text)
    edits: list[_Edit] = []
    for call in calls:
        if call.pinned or call.repo_state in ("local", "builder"):
            continue
        reason = _why_not(call)
        if reason is not None or call.repo_id is None:
            result.skipped.append((call.line, reason or "no model id"))
            continue
        node = _find_call(tree, call.line, call.column)
        if node is None:
            result.skipped.append((call.line, "the call was not found again"))
            continue
        possible = _revision_edit(node, call.revision_keyword, "0" * 40)
        if isinstance(possible, str):
            result.skipped.append((call.line, possible))
            continue
        sha = locked.get(call.repo_id.lower())
        if sha is None:
            asked = call.revision if call.revision_state == "resolved" else None
            sha, why = resolve(call.repo_id, call.kind, asked)
            if sha is None:
                result.skipped.append((call.line, why))
                continue
        edit = _revision_edit(node, call.revision_keyword, sha)
        if isinstance(edit, str):  # pragma: no cover - checked with a placeholder above
            result.skipped.append((call.line, edit))
            continue
        edits.append(edit)
        result.pinned.append((call.line, call.repo_id, sha))
    result.new = _apply(text, edits)
    return result


def lock_entries(pins: Iterable[FilePin], kinds: dict[str, str]) -> list[LockedModel]:
    """One revision-only ``[[model]]`` per pinned id (``kinds``: id → model/dataset)."""
    out: dict[str, LockedModel] = {}
    for pin in pins:
        for _, repo_id, sha in pin.pinned:
            if not FULL_SHA_RE.match(sha):
                continue
            prefix = "datasets/" if kinds.get(repo_id) == "dataset" else ""
            out[repo_id] = LockedModel(
                name=repo_id, source=f"hf://{prefix}{repo_id}", revision=sha, files=()
            )
    return list(out.values())


def updated_lock(lock: ModelLock, entries: list[LockedModel]) -> tuple[ModelLock, str]:
    """The lock with new entries (ids it already has are kept as they are)."""
    known = {m.name for m in lock.models} | set(lock.by_hf_id())
    fresh = [e for e in entries if e.name not in known and e.name.lower() not in known]
    merged = merge_models(lock, fresh)
    return merged, dump_lock(merged)
