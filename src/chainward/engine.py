"""Run the families' scanners and apply the policy: enablement, excludes, severities,
inline suppressions. No reporting here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from chainward.core.context import ScanContext
from chainward.core.files import matches_any, select_files
from chainward.core.findings import Finding, Severity
from chainward.core.policy import Policy
from chainward.core.registry import Family, Registry, Scanner
from chainward.core.suppress import apply_suppressions


def apply_policy(
    findings: Iterable[Finding], policy: Policy, root: Path, max_file_size: int | None = None
) -> list[Finding]:
    """Filter and adjust findings by the policy, apply suppressions, and sort them."""
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

    result = apply_suppressions(kept, lines_of)
    # The same problem reached through two paths (e.g. an include) is reported once.
    unique = {(f.check_id, f.path, f.line, f.column, f.message): f for f in result}
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


def selected_families(registry: Registry, names: Sequence[str] = ()) -> list[Family]:
    """The families that ``check`` runs: the named ones, or every default one."""
    if names:
        return [registry.families[n] for n in names]
    return [f for f in registry.families.values() if f.in_check]


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


def run_scanners(ctx: ScanContext, scanners: Iterable[Scanner]) -> list[Finding]:
    """Run scanners over the context, add its notes; return policy-adjusted findings.

    ``run_scan`` runs families' scanners through here; ``deps`` runs its own selection
    of the dependency scanners (``--only``, ``--verify``, ``--audit``) the same way.
    """
    raw: list[Finding] = []
    for scanner in scanners:
        raw.extend(scanner(ctx))
    raw.extend(ctx.notes)
    return apply_policy(raw, ctx.policy, ctx.root)


def run_scan(ctx: ScanContext, families: Sequence[Family]) -> list[Finding]:
    """Run each family's scanner over the context; return policy-adjusted findings."""
    scanners: list[Scanner] = []
    for family in families:
        if all(not ctx.policy.check(c.id).enabled for c in family.checks):
            continue
        scanner = family.load_scanner()
        if scanner is not None:
            scanners.append(scanner)
    return run_scanners(ctx, scanners)
