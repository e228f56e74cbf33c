"""Run the families' scanners and apply the policy: enablement, excludes, severities,
test/example/docs down-ranking, inline suppressions. No reporting here.

Every CLI verb that yields findings goes through :func:`apply_policy` exactly once
(``check`` and ``typosquats`` by :func:`run_scan`; ``commits``, ``deps``, ``models
verify`` on the findings they build), so a policy setting means the same everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path

from chainward.core.context import ScanContext
from chainward.core.environ import environment_set
from chainward.core.files import matches_any, select_files
from chainward.core.findings import Finding, Severity
from chainward.core.policy import Policy
from chainward.core.registry import Family, Scanner


def apply_policy(
    findings: Iterable[Finding],
    policy: Policy,
    root: Path,
    max_file_size: int | None = None,
    *,
    sort: bool = True,
) -> list[Finding]:
    """Filter and adjust findings by the policy, apply suppressions, and sort them
    (``sort=False`` keeps their order: commits are reported in history order)."""
    kept: list[Finding] = []
    for finding in findings:
        settings = policy.check(finding.check_id)
        if not settings.enabled:
            continue
        if finding.path and matches_any(finding.path, settings.exclude):
            continue
        if settings.severity is not None:
            kept.append(finding.with_severity(settings.severity))
        else:
            kept.append(downrank(finding, policy.downrank_dirs))
    limit = max_file_size if max_file_size is not None else policy.max_file_size
    cache: dict[str, list[str] | None] = {}

    def lines_of(rel: str) -> list[str] | None:
        if rel not in cache:
            path = root / rel
            try:
                if path.stat().st_size > limit:
                    cache[rel] = None
                else:
                    cache[rel] = path.read_text("utf-8", "replace").splitlines()
            except OSError:
                cache[rel] = None
        return cache[rel]

    if not kept:
        return []  # nothing to suppress (the suppression reader is not even imported)
    from chainward.core.suppress import apply_suppressions

    result = apply_suppressions(kept, lines_of)
    # The same problem reached through two paths (e.g. an include) is reported once.
    unique = {(f.check_id, f.path, f.line, f.column, f.message): f for f in result}
    if not sort:
        return list(unique.values())
    return sorted(unique.values(), key=Finding.sort_key)


def downrank_reason(path: str | None, dirs: frozenset[str]) -> str | None:
    """The folder (or ``notebook``) that makes ``path`` test/example/docs code, or None."""
    if not path or not dirs:
        return None
    parts = path.split("/")
    for part in parts[:-1]:
        if part.lower() in dirs:
            return part
    return "notebook" if parts[-1].lower().endswith(".ipynb") else None


def downrank(finding: Finding, dirs: frozenset[str]) -> Finding:
    """``finding`` one severity level lower when it sits in test, example or docs code.

    The finding stays (never hidden) and says why in its ``downranked`` field.
    """
    reason = downrank_reason(finding.path, dirs)
    if reason is None or finding.severity is Severity.INFO:
        return finding
    return replace(
        finding,
        severity=Severity(finding.severity - 1),
        properties={**finding.properties, "downranked": reason},
    )


def scan_root(paths: Sequence[Path]) -> tuple[Path, list[Path]]:
    """(root, files): one folder given is the root; otherwise the current folder is, and
    the paths are what to scan in it (every CLI verb that scans files reads its
    ``PATH`` arguments this way)."""
    if len(paths) == 1 and paths[0].is_dir():
        return paths[0], []
    return Path(), list(paths)


def scan_context(root: Path, paths: Sequence[Path], policy: Policy, offline: bool) -> ScanContext:
    """The context of a scan of ``paths`` under ``root`` (all of it when none is named)."""
    files = select_files(root, list(paths), policy.exclude)
    return ScanContext(root=root, files=files, policy=policy, offline=offline, explicit=bool(paths))


def family_scanners(ctx: ScanContext, families: Sequence[Family]) -> list[Scanner]:
    """The scanners of the families that have at least one check the policy enables."""
    scanners: list[Scanner] = []
    for family in families:
        if all(not ctx.policy.check(c.id).enabled for c in family.checks):
            continue
        scanner = family.load_scanner()
        if scanner is not None:
            scanners.append(scanner)
    return scanners


def scan_findings(ctx: ScanContext, scanners: Iterable[Scanner]) -> list[Finding]:
    """Run the scanners over the context: the raw findings (the context's notes
    included), before the policy."""
    raw: list[Finding] = []
    # An offline scan opens no socket, whichever scanner asks: core.http refuses (and
    # so do chainward processes a scanner starts). The variable, not core.http's
    # switch, so that a scan that fetches nothing does not import the client.
    with environment_set(OFFLINE_ENV, "1") if ctx.offline else nullcontext():
        for scanner in scanners:
            raw.extend(scanner(ctx))
    raw.extend(ctx.notes)
    return raw


OFFLINE_ENV = "CHAINWARD_OFFLINE"
"""The variable ``chainward.core.http`` reads (its ``OFFLINE_ENV``)."""


def run_scanners(
    ctx: ScanContext, scanners: Iterable[Scanner], extra: Iterable[Finding] = ()
) -> list[Finding]:
    """Run scanners over the context, then ``extra`` (consumed after them, e.g. an
    online check), and apply the policy once to all of them.

    ``run_scan`` runs families' scanners through here; ``deps`` runs its own selection
    of the dependency scanners (``--only``, ``--verify``, ``--audit``) the same way.
    """
    raw = scan_findings(ctx, scanners)
    raw.extend(extra)
    return apply_policy(raw, ctx.policy, ctx.root)


def run_scan(
    ctx: ScanContext, families: Sequence[Family], extra: Iterable[Finding] = ()
) -> list[Finding]:
    """Run each enabled family's scanner, then ``extra``; return policy-adjusted
    findings."""
    return run_scanners(ctx, family_scanners(ctx, families), extra)
