"""Plain text: ``path:line:col: check-id message``, grouped by file, colour on a TTY."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from chainward.core.findings import Finding, Severity

if TYPE_CHECKING:
    from chainward.report import ReportInfo

_COLORS = {
    Severity.INFO: "\033[2m",
    Severity.LOW: "\033[36m",
    Severity.MEDIUM: "\033[33m",
    Severity.HIGH: "\033[31m",
    Severity.CRITICAL: "\033[1;31m",
}
_RESET = "\033[0m"


# C0 controls (newline and tab included), DEL and C1 controls: a file name or a value
# from a scanned file must not move the cursor, retitle the terminal, or start a new
# output line (which GitHub Actions would read as a `::workflow-command::`).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _printable(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def location(finding: Finding) -> str:
    """``path:line:col`` as far as the finding knows it (``-`` without a path)."""
    parts = [finding.path or "-"]
    if finding.line is not None:
        parts.append(str(finding.line))
        if finding.column is not None:
            parts.append(str(finding.column))
    return ":".join(parts)


def render_text(findings: Sequence[Finding], info: ReportInfo) -> str:
    """One line per finding, a fix line under it, and a count at the end."""
    lines: list[str] = []
    previous_path: str | None = None
    for finding in findings:
        if lines and finding.path != previous_path:
            lines.append("")
        previous_path = finding.path
        severity = finding.severity.label
        if info.color:
            severity = f"{_COLORS[finding.severity]}{severity}{_RESET}"
        commit = finding.properties.get("commit")
        where = location(finding) if finding.path or not commit else commit[:12]
        lines.append(
            f"{_printable(where)}: {finding.check_id} [{severity}] {_printable(finding.message)}"
        )
        if finding.fix:
            lines.append(f"    fix: {_printable(finding.fix)}")
    if findings:
        counts = Counter(f.severity for f in findings)
        detail = ", ".join(f"{counts[s]} {s.label}" for s in sorted(counts, reverse=True))
        noun = "finding" if len(findings) == 1 else "findings"
        lines.append("")
        lines.append(f"{len(findings)} {noun} ({detail})")
    else:
        scanned = f" in {info.scanned} files" if info.scanned is not None else ""
        lines.append(f"no findings{scanned}")
    return "\n".join(lines) + "\n"
