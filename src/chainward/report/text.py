"""Plain text: ``path:line:col: check-id message``, grouped by file, colour on a TTY."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from chainward.core.findings import Finding, Severity
from chainward.report.common import ReportInfo, describe_group, group_by_cause

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


def _where(finding: Finding) -> str:
    commit = finding.properties.get("commit")
    return location(finding) if finding.path or not commit else commit[:12]


def render_text(findings: Sequence[Finding], info: ReportInfo) -> str:
    """One entry per cause: its first place, message and fix, then the other places.

    A cause found once prints as ``path:line: check-id [severity] message``; a cause found
    in several places (one package unpinned in four manifests) prints one header
    ``subject: check-id [severity] in 4 files`` and its places under it.
    """

    def label(severity: Severity) -> str:
        if info.color:
            return f"{_COLORS[severity]}{severity.label}{_RESET}"
        return severity.label

    lines: list[str] = []
    groups = group_by_cause(findings)
    previous_path: str | None = None
    for group in groups:
        first = max(group, key=lambda f: f.severity)
        if len(group) == 1:
            if lines and (first.path != previous_path or previous_path is None):
                lines.append("")
            previous_path = first.path
            lines.append(
                f"{_printable(_where(first))}: {first.check_id} [{label(first.severity)}] "
                f"{_printable(first.message)}"
            )
        else:
            if lines:
                lines.append("")
            previous_path = None
            subject = first.subject or first.path or "-"
            lines.append(
                f"{_printable(subject)}: {first.check_id} [{label(first.severity)}] "
                f"{describe_group(group)}: {_printable(first.message)}"
            )
            if first.fix:
                lines.append(f"    fix: {_printable(first.fix)}")
            for finding in group:
                tail = "" if finding.severity is first.severity else f" [{label(finding.severity)}]"
                # A place whose own words differ keeps them: grouping never hides a message.
                if finding.message != first.message:
                    tail += f": {_printable(finding.message)}"
                lines.append(f"    {_printable(_where(finding))}{tail}")
                if finding.fix and finding.fix != first.fix:
                    lines.append(f"        fix: {_printable(finding.fix)}")
            continue
        if first.fix:
            lines.append(f"    fix: {_printable(first.fix)}")
    if findings:
        counts = Counter(max(g, key=lambda f: f.severity).severity for g in groups)
        detail = ", ".join(f"{counts[s]} {s.label}" for s in sorted(counts, reverse=True))
        noun = "finding" if len(groups) == 1 else "findings"
        places = "" if len(groups) == len(findings) else f" in {len(findings)} places"
        lines.append("")
        lines.append(f"{len(groups)} {noun}{places} ({detail})")
    else:
        scanned = f" in {info.scanned} files" if info.scanned is not None else ""
        lines.append(f"no findings{scanned}")
    return "\n".join(lines) + "\n"
