"""The ``unpinned-action`` check: a pure function over parsed ``uses:`` references."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Iterator, Sequence

from chainward.actions.meta import UNPINNED_ACTION_INFO
from chainward.core.findings import Finding
from chainward.inventory.workflows import UsesRef

_SHA = re.compile(r"[0-9a-f]{40}")
_DOCKER_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


def unpinned_reason(value: str) -> str | None:
    """Why a ``uses:`` value is not pinned, or None when it is pinned (or local)."""
    if value.startswith(("./", "../")):
        return None
    if value.startswith("docker://"):
        if _DOCKER_DIGEST.search(value):
            return None
        return "uses a container image by tag, not by @sha256 digest"
    if "${{" in value:
        return "uses an expression, so the action cannot be known before the run"
    target, sep, ref = value.rpartition("@")
    if not sep or not target:
        return "has no @ref, so it follows the default branch"
    if _SHA.fullmatch(ref):
        return None
    if re.fullmatch(r"[0-9a-fA-F]{7,39}", ref):
        return f"pins @{ref}, a short SHA (ambiguous; a branch or tag can take that name)"
    return f"uses @{ref}, a movable tag or branch"


def find_unpinned_actions(refs: Iterable[UsesRef], allow: Sequence[str] = ()) -> Iterator[Finding]:
    """Yield an ``unpinned-action`` finding for each reference not pinned by full SHA."""
    for ref in refs:
        reason = unpinned_reason(ref.value)
        if reason is None:
            continue
        target = ref.value.rpartition("@")[0] or ref.value
        if any(fnmatch.fnmatchcase(target, pattern) for pattern in allow):
            continue
        what = "reusable workflow" if ref.kind == "job" else "action"
        yield UNPINNED_ACTION_INFO.finding(
            f"{what} {ref.value!r} {reason}; whoever controls that ref controls this job",
            path=ref.path,
            line=ref.line,
            column=ref.column,
            fix=f"pin a full commit SHA and keep the tag as a comment: "
            f"uses: {target}@<40-hex-sha> # <tag>",
            properties={"action": ref.value},
        )
