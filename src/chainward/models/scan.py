"""Scanner of the models family: downloads in Python code, pickle-based model files,
and the model lock (hashes, paths, signatures)."""

from __future__ import annotations

import gc
import os
import stat
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from chainward.core.context import ScanContext
from chainward.core.findings import Finding, Severity
from chainward.models.identify import TEXT_SUFFIXES, identify, is_model_name
from chainward.models.meta import INVALID_MODEL_LOCK, LOCK_NAME

if TYPE_CHECKING:
    from chainward.inventory.model_lock import ModelLock


def load_project_lock(ctx: ScanContext) -> tuple[str, str | None, ModelLock | None, Finding | None]:
    """The lock's relative path, text, parsed lock and a finding if it is invalid."""
    rel = str(ctx.policy.domain("models").get("lock", LOCK_NAME))
    if not (ctx.root / rel).is_file():
        return rel, None, None, None
    text = ctx.read_text(rel)
    if text is None:
        return rel, None, None, None
    from chainward.inventory.model_lock import LockError, parse_lock  # only with a lock

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
    declared = _declared_model_patterns(ctx)

    # The download scan reads model references: its readers load only for the kinds of
    # file the scan holds (a YAML-only change loads no Python reader).
    from chainward.models.download_scan import scan_downloads

    downloads = partial(
        scan_downloads,
        ctx,
        locked=locked,
        allow=allow,
        report_unresolved=report_unresolved,
        online_revisions=bool(settings.get("online-revisions", False)),
    )
    # On a large repository the model references are analysed by forked workers: start
    # them first, check the load calls and model files here meanwhile, then collect.
    # Otherwise the references come first: their collection parses each Python file
    # once with the cyclic collector paused, and the load-call check reuses the trees.
    from chainward.inventory.model_refs.collect import start_model_refs

    started = start_model_refs(ctx)
    if not started:
        yield from downloads()
    # The parsed trees live until ctx.release_python(): the cyclic collector would walk
    # their millions of nodes again and again (a third of the wall time on a large
    # repository) and they hold no cycles to free. Pause it; freeze what was made.
    enabled = gc.isenabled()
    gc.disable()
    try:
        for rel in ctx.files:
            lower = rel.lower()
            if lower.endswith((".py", ".pyi")):
                # Read and parsed once per scan, shared with the model references.
                from chainward.models.load_calls import scan_unsafe_loads

                yield from scan_unsafe_loads(ctx, rel)
            elif rel != lock_rel:
                yield from _scan_model(ctx, rel, limit, pickle_allow, declared)
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
    if started:
        yield from downloads()
    ctx.release_python()  # the trees are no longer needed: keep later collections cheap
    if not ctx.explicit:
        yield from _scan_symlinks(ctx, limit, pickle_allow, declared)
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


def _declared_model_patterns(ctx: ScanContext) -> list[str]:
    """Patterns of ``.gitattributes`` lines that route files through Git LFS
    (``filter=lfs``): such files are models, scanned whatever their content looks like."""
    patterns: list[str] = []
    for rel in ctx.files:
        if rel != ".gitattributes" and not rel.endswith("/.gitattributes"):
            continue
        text = ctx.read_text(rel)
        if text is None:
            continue
        base = rel.rpartition("/")[0]
        for line in text.splitlines():
            fields = line.split()
            if len(fields) >= 2 and not fields[0].startswith("#") and "filter=lfs" in fields[1:]:
                pattern = fields[0].lstrip("/") if "/" in fields[0] else f"**/{fields[0]}"
                patterns.append(f"{base}/{pattern}" if base else pattern)
    return patterns


def _declared(rel: str, patterns: list[str]) -> bool:
    from chainward.core.files import matches_any

    if not patterns:
        return False
    name = rel.rpartition("/")[2]
    return matches_any(rel, patterns) or matches_any(
        name, [p.removeprefix("**/") for p in patterns]
    )


def _scan_model(
    ctx: ScanContext,
    rel: str,
    limit: int,
    allow: list[str],
    declared: list[str],
    *,
    target: Path | None = None,
    forced: bool = False,
) -> Iterator[Finding]:
    """Identify ``rel`` by content and scan it (``target``: the file a symlink names).

    The pickle and format machinery is imported only for a file that is a model by its
    name, by ``.gitattributes`` (LFS) or by its first bytes: every other file is judged
    here by :mod:`chainward.models.identify` alone, with the same early exits as
    :func:`chainward.models.pickles.scan_model_file` (it would find nothing in them).
    """
    # This runs for every file of the repository (15k on lm-evaluation-harness): one
    # lstat and, for files whose name does not say "model", one read of the first bytes,
    # which decide by content whether the full scan can find anything (issue 16, speed).
    name = os.fspath(target) if target is not None else os.path.join(ctx.root, rel)  # noqa: PTH118 (speed, above)
    force = forced or is_model_name(rel) or _declared(rel, declared)
    try:
        info = os.stat(name) if target is not None else os.lstat(name)  # noqa: PTH116 (speed)
    except OSError:
        return
    if not stat.S_ISREG(info.st_mode):
        return
    if not force and not rel.lower().endswith(".onnx"):
        if info.st_size == 0:
            return
        try:
            with open(name, "rb") as handle:  # noqa: PTH123 (speed, above)
                head = handle.read(512)
        except OSError:
            return
        kind = identify(head)
        if kind is None:
            return  # the full scan identifies by these same bytes and would stop here
        text_name = os.path.basename(name).lower().endswith(TEXT_SUFFIXES)  # noqa: PTH119 (speed)
        if kind == "pickle?" and text_name and not head.startswith(b"\x80"):
            return  # a text file that opens like protocol 0: the full scan stops here too
    from chainward.models.pickles import find_pickle_problems, scan_model_file

    path = Path(name)
    try:
        report = scan_model_file(Path(path), limit, forced=force)
    except OSError as exc:
        if force:
            yield ctx.unparsable(rel, f"cannot read: {exc.strerror or exc}")
        return
    yield from find_pickle_problems(rel, report, allow)
    from chainward.models.formats import find_format_problems

    yield from find_format_problems(rel, Path(path), report.kinds, limit)


def _symlinks(ctx: ScanContext) -> list[str]:
    from chainward.core.git import run_git

    proc = run_git(
        ("ls-files", "-z", "--cached", "--others", "--exclude-standard"), ctx.root, check=False
    )
    if proc.returncode != 0:
        return []
    names = sorted({n.decode("utf-8", "surrogateescape") for n in proc.stdout.split(b"\0") if n})
    return [n for n in names if (ctx.root / n).is_symlink()]


def _scan_symlinks(
    ctx: ScanContext, limit: int, allow: list[str], declared: list[str]
) -> Iterator[Finding]:
    """Symlinks are followed when they stay inside the repository (the target is scanned
    under the link's name, which may say "model" when the target's does not) and
    reported when a model-looking link leaves it."""
    from chainward.core.files import matches_any
    from chainward.models.meta import UNVERIFIABLE_MODEL_FILE

    root = ctx.root.resolve()
    exclude = ctx.policy.exclude
    for rel in _symlinks(ctx):
        if exclude and matches_any(rel, exclude):
            continue
        link = ctx.root / rel
        try:
            target = link.resolve(strict=True)
        except (OSError, RuntimeError):
            continue  # a dangling link or a loop: nothing a loader could read
        model_like = is_model_name(rel) or is_model_name(target.name) or _declared(rel, declared)
        try:
            target.relative_to(root)
        except ValueError:
            if model_like:
                yield Finding(
                    UNVERIFIABLE_MODEL_FILE,
                    Severity.HIGH,
                    f"model file is a symlink to {target}, outside the repository: its "
                    "content is not part of the repository and cannot be verified",
                    path=rel,
                    fix="replace the symlink with the file itself (or Git LFS), and lock it "
                    "with `chainward models lock`",
                )
            continue
        if target.is_file():
            yield from _scan_model(
                ctx, rel, limit, allow, declared, target=target, forced=model_like
            )


def _should_verify(ctx: ScanContext, lock_rel: str, lock: ModelLock) -> bool:
    """Whole-tree scans verify the lock; explicit file lists only when they touch it."""
    if not ctx.explicit:
        return True
    names = set(ctx.files)
    if lock_rel in names:
        return True
    return any(f.path in names for m in lock.models for f in m.files)
