"""Checks over the download calls found in code: pure functions, records → findings."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from chainward.core.files import matches_any
from chainward.core.findings import CheckId, Confidence, Finding
from chainward.core.registry import CheckInfo
from chainward.inventory.model_refs.records import (
    FULL_SHA_RE,
    SHORT_SHA_RE,
    ModelCall,
    TrustRemoteCode,
)
from chainward.models.meta import (
    FAMILY,
    MODEL_REVISION_MISMATCH,
    TRUST_REMOTE_CODE,
    UNPINNED_MODEL_DOWNLOAD,
    UNRESOLVED_MODEL_DOWNLOAD,
)

_INFO: dict[CheckId, CheckInfo] = {info.id: info for info in FAMILY.checks}


def _call_finding(
    check_id: CheckId,
    call: ModelCall,
    message: str,
    fix: str,
    confidence: Confidence = Confidence.HIGH,
) -> Finding:
    """A finding of ``check_id`` at the call, with its api and model as properties."""
    return _INFO[check_id].finding(
        message,
        path=call.path,
        line=call.line,
        column=call.column,
        fix=fix,
        confidence=confidence,
        properties={"api": call.api, "model": call.repo_id or ""},
    )


def describe_revision(revision: str) -> str:
    """Why a revision string is not an immutable commit."""
    if SHORT_SHA_RE.match(revision):
        return f"revision {revision!r} is a short SHA (the hub resolves only full 40-hex commits)"
    if revision in ("main", "master") or revision.startswith("refs/"):
        return f"revision {revision!r} is a branch that moves with every push"
    if FULL_SHA_RE.match(revision.lower()):
        return f"revision {revision!r} is an upper-case SHA; write it in lower case"
    return f"revision {revision!r} is a branch or tag that can be moved"


def _is_allowed(call: ModelCall, allow: Sequence[str]) -> bool:
    return bool(call.repo_id) and matches_any(str(call.repo_id), allow)


def _unpinned_fix(call: ModelCall, locked: str | None, current: str | None = None) -> str:
    if locked is None and current is not None:
        locked = current  # the commit the hub serves now: pinning it changes nothing today
    if call.fix:
        return call.fix.replace("{sha}", locked or "<40-hex commit>")
    if call.api.startswith("torch.hub"):
        return "append a full commit SHA to the repository: 'owner/repo:<40-hex commit>'"
    if not call.pinnable:
        return (
            "download the weights with huggingface_hub.hf_hub_download(..., revision=<40-hex "
            "commit>) or lock them in chainward.lock, and load them from that local path"
        )
    if call.api.startswith("timm") or "hf-hub:" in call.api:
        return "name the model 'hf-hub:org/name@<40-hex commit>'"
    sha = locked or "<40-hex commit>"
    return f'pass revision="{sha}" (the commit shown on the hub\'s "Files and versions" page)'


def _indefinite(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def find_download_problems(
    calls: Iterable[ModelCall],
    remote_code: Iterable[TrustRemoteCode],
    *,
    locked_revisions: Mapping[str, str | None] | None = None,
    allow: Sequence[str] = (),
    report_unresolved: bool = False,
    current_revisions: Mapping[str, str] | None = None,
) -> Iterator[Finding]:
    """Findings for unpinned, mismatched and unresolved downloads, and remote code.

    ``locked_revisions`` maps lower-cased Hugging Face ids in chainward.lock to their
    revision. ``current_revisions`` maps ids to the commit the hub serves now (asked
    only with the ``online-revisions`` policy); the fix text then names it.
    """
    locked_revisions = locked_revisions or {}
    current_revisions = current_revisions or {}
    for call in calls:
        if call.repo_state in ("local", "builder") or _is_allowed(call, allow):
            continue
        what = call.kind if call.kind != "code" else "hub repository"
        # "downloads model 'gpt2'", or "downloads a model" when the id is not known here.
        target = f"{what} {call.repo_id!r}" if call.repo_id else _indefinite(what)
        api = call.api.rsplit(".", 2)
        api_name = ".".join(api[-2:]) if len(api) > 1 else call.api
        if call.style != "text":
            caller = f"{api_name}()"
        elif call.api.startswith("config "):  # a training config's key
            caller = f"the {call.api.removeprefix('config ')!r} setting"
        else:  # a command: git clone, hf download, wget ...
            caller = f"`{call.api}`"
        locked = locked_revisions.get((call.repo_id or "").lower())
        current = current_revisions.get(call.repo_id or "")
        if call.revision_state == "resolved" and call.revision is not None:
            if call.pinned:
                if call.repo_state == "hub" and locked and call.revision != locked:
                    yield _call_finding(
                        MODEL_REVISION_MISMATCH,
                        call,
                        f"{caller} pins {target} at {call.revision[:12]}…, but "
                        f"chainward.lock locks it at {locked[:12]}…",
                        f'use revision="{locked}" or re-run `chainward models lock`',
                    )
                continue
            yield _call_finding(
                UNPINNED_MODEL_DOWNLOAD,
                call,
                f"{caller} downloads {target} at a movable revision: "
                f"{describe_revision(call.revision)}",
                _unpinned_fix(call, locked, current),
            )
            continue
        if call.repo_state == "unresolved" or call.revision_state == "unresolved":
            if report_unresolved:
                part = "model id" if call.repo_state == "unresolved" else "revision"
                yield _call_finding(
                    UNRESOLVED_MODEL_DOWNLOAD,
                    call,
                    f"{caller} downloads {target} whose {part} cannot be resolved "
                    "in this file, so its pinning cannot be checked",
                    "pass a literal id and revision=<40-hex commit>, or a local path",
                    Confidence.LOW,
                )
            continue
        note = f" ({call.note})" if call.note else ""
        yield _call_finding(
            UNPINNED_MODEL_DOWNLOAD,
            call,
            f"{caller} downloads {target} without a pinned revision, so it gets "
            f"whatever the hub serves today{note}",
            _unpinned_fix(call, locked, current),
            Confidence.HIGH if call.pinnable else Confidence.MEDIUM,
        )
    for item in remote_code:
        yield _INFO[TRUST_REMOTE_CODE].finding(
            f"{item.api}() is called with trust_remote_code=True, which downloads and runs "
            "Python code from the model repository",
            path=item.path,
            line=item.line,
            column=item.column,
            fix="use a model whose architecture ships with the library, or vendor and review "
            "its code and pin the revision",
        )
