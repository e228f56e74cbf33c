"""The download part of the models scanner: the scan's model references (collected once
by ``chainward.inventory.model_refs``) judged by ``download_checks``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from chainward.core.context import ScanContext
from chainward.core.findings import Finding
from chainward.inventory.model_refs.collect import collect_model_refs

if TYPE_CHECKING:
    from chainward.inventory.model_refs.records import ModelCall


def scan_downloads(
    ctx: ScanContext,
    *,
    locked: Mapping[str, str | None],
    allow: Sequence[str],
    report_unresolved: bool,
    online_revisions: bool = False,
) -> Iterator[Finding]:
    """Findings for downloads in every scanned file (Python and the other forms)."""
    refs = collect_model_refs(ctx)
    yield from refs.problems
    if not refs.text and not refs.python:
        return  # no reference to judge: the checks are not even imported
    from chainward.models.download_checks import find_download_problems

    for calls in refs.text:
        yield from find_download_problems(
            calls, (), locked_revisions=locked, allow=allow, report_unresolved=report_unresolved
        )
    current: dict[str, str] = {}
    if online_revisions and not ctx.offline:
        current = _current_revisions(refs.python_calls())
    for found in refs.python:
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
