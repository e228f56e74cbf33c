"""Scanner of the models family: downloads in Python code, pickle-based model files,
and the model lock (hashes, paths, signatures)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from chainward.core.context import ScanContext
from chainward.core.findings import Finding, Severity
from chainward.models.download_scan import scan_downloads
from chainward.models.lock import LockError, ModelLock, parse_lock
from chainward.models.meta import INVALID_MODEL_LOCK, LOCK_NAME, PICKLE_SUFFIXES


def load_project_lock(ctx: ScanContext) -> tuple[str, str | None, ModelLock | None, Finding | None]:
    """The lock's relative path, text, parsed lock and a finding if it is invalid."""
    rel = str(ctx.policy.domain("models").get("lock", LOCK_NAME))
    if not (ctx.root / rel).is_file():
        return rel, None, None, None
    text = ctx.read_text(rel)
    if text is None:
        return rel, None, None, None
    try:
        return rel, text, parse_lock(text, rel), None
    except LockError as exc:
        return (
            rel,
            text,
            None,
            Finding(
                INVALID_MODEL_LOCK,
                Severity.HIGH,
                f"chainward.lock is invalid, so no model was verified: {exc.message}",
                path=rel,
                fix="fix the entry (schema: `chainward explain invalid-model-lock`) or "
                "re-create it with `chainward models lock`",
            ),
        )


def scan(ctx: ScanContext) -> Iterator[Finding]:
    """Yield the models family's findings for ``ctx.files`` (and the lock)."""
    settings = ctx.policy.domain("models")
    lock_rel, lock_text, lock, problem = load_project_lock(ctx)
    if problem is not None:
        yield problem
    locked = {k: m.revision for k, m in (lock.by_hf_id().items() if lock else ())}
    allow = list(settings.get("allow-models", []))
    report_unresolved = bool(settings.get("report-unresolved", False))
    pickle_allow = list(settings.get("pickle-allow-globals", []))
    limit = int(settings.get("max-model-member-size", 1 << 30))

    yield from scan_downloads(
        ctx,
        locked=locked,
        allow=allow,
        report_unresolved=report_unresolved,
        online_revisions=bool(settings.get("online-revisions", False)),
    )
    for rel in ctx.files:
        if rel.lower().endswith(PICKLE_SUFFIXES):
            yield from _scan_pickle(ctx, rel, limit, pickle_allow)
    if lock is not None and _should_verify(ctx, lock_rel, lock):
        from chainward.models.hashing import StatCache, default_cache_path
        from chainward.models.verify import signature_verifier, verify_lock

        cache = StatCache.load(default_cache_path(ctx.root))
        signatures = bool(settings.get("verify-signatures", True)) and any(
            m.signature for m in lock.models
        )
        result = verify_lock(
            ctx.root,
            lock,
            lock_rel=lock_rel,
            lock_text=lock_text,
            cache=cache,
            verify_signature=signature_verifier() if signatures else None,
        )
        cache.save()
        yield from result.findings


def _scan_pickle(ctx: ScanContext, rel: str, limit: int, allow: list[str]) -> Iterator[Finding]:
    from chainward.models.pickles import find_pickle_problems, scan_model_file

    path = ctx.root / rel
    if path.is_symlink() or not path.is_file():
        return
    try:
        report = scan_model_file(Path(path), limit)
    except OSError as exc:
        yield ctx.unparsable(rel, f"cannot read: {exc.strerror or exc}")
        return
    yield from find_pickle_problems(rel, report, allow)


def _should_verify(ctx: ScanContext, lock_rel: str, lock: ModelLock) -> bool:
    """Whole-tree scans verify the lock; explicit file lists only when they touch it."""
    if not ctx.explicit:
        return True
    names = set(ctx.files)
    if lock_rel in names:
        return True
    return any(f.path in names for m in lock.models for f in m.files)
