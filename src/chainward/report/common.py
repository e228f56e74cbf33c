"""What every reporter shares: the formats, :class:`ReportInfo`, grouping by cause and
the three-level mapping of severities. Renderers import this module, never the package
``chainward.report`` (which dispatches to them), so there is no circle."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from chainward.core.findings import Finding, Severity
from chainward.core.registry import Registry


class Format(enum.Enum):
    """Output formats of ``--format``."""

    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    GITHUB = "github"


class ReportInfo(NamedTuple):
    """What reporters need besides the findings. (A named tuple: it is defined on every
    run of the hook, at a sixth of a frozen dataclass's cost; issue 19, start-up.)"""

    root: Path
    registry: Registry
    version: str
    color: bool = False
    scanned: int | None = None
    """How many files or commits were examined, for the summary line."""
    anchor: str | None = None
    """A root-relative file that SARIF gives as the location of findings without a path
    (commit findings): GitHub code scanning refuses results without a location. The CLI
    passes the policy file that judged them."""


def three_levels(severity: Severity, low: str, medium: str, high: str) -> str:
    """The word for a severity on a three-level scale: ``low`` for info and low,
    ``medium`` for medium, ``high`` for high and critical (SARIF levels, GitHub
    annotation commands)."""
    if severity >= Severity.HIGH:
        return high
    if severity is Severity.MEDIUM:
        return medium
    return low


def group_by_cause(findings: Sequence[Finding]) -> list[list[Finding]]:
    """Findings grouped by fingerprint (one cause), groups in order of first appearance."""
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.fingerprint, []).append(finding)
    return list(groups.values())


def describe_group(group: Sequence[Finding]) -> str:
    """``in 4 files (6 places)``: how far one cause reaches."""
    files = {f.path or f.properties.get("commit", "") for f in group}
    places = len(group)
    where = f"in {len(files)} files" if len(files) > 1 else "in 1 file"
    return where if places == len(files) else f"{where} ({places} places)"
