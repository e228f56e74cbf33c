"""Inline suppressions: ``# chainward: ignore[check-id, ...] reason``.

A suppression applies to findings on its own line, or on the next line when the
comment stands alone on its line. The reason is required: a suppression without
one is not honoured and is reported as ``invalid-suppression``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from chainward.core.findings import Finding
from chainward.core.meta import INVALID_SUPPRESSION, INVALID_SUPPRESSION_INFO

__all__ = ["INVALID_SUPPRESSION", "Suppression", "apply_suppressions", "parse_suppression"]

_PATTERN = re.compile(r"chainward:\s*ignore\[([A-Za-z0-9_,\s-]*)\]([^\n]*)")


@dataclass(frozen=True, slots=True)
class Suppression:
    """One parsed suppression comment."""

    ids: frozenset[str]
    reason: str
    standalone: bool


def parse_suppression(line: str) -> Suppression | None:
    """The suppression on this source line, if any."""
    match = _PATTERN.search(line)
    if match is None:
        return None
    ids = frozenset(i.strip() for i in match.group(1).split(",") if i.strip())
    reason = match.group(2).strip().strip("-:—").strip()
    before = line[: match.start()].strip()
    standalone = before in ("#", "//", "")
    return Suppression(ids, reason, standalone)


def apply_suppressions(
    findings: Iterable[Finding], lines_of: Callable[[str], list[str] | None]
) -> list[Finding]:
    """Drop suppressed findings; add ``invalid-suppression`` for reason-less comments.

    ``lines_of(path)`` returns the file's lines (or None when it cannot be read).
    """
    kept: list[Finding] = []
    invalid: dict[tuple[str, int], Finding] = {}
    for finding in findings:
        if finding.path is None or finding.line is None:
            kept.append(finding)
            continue
        lines = lines_of(finding.path)
        if not lines:
            kept.append(finding)
            continue
        suppressed = False
        for number in (finding.line, finding.line - 1):
            if not 1 <= number <= len(lines):
                continue
            suppression = parse_suppression(lines[number - 1])
            if suppression is None or (number != finding.line and not suppression.standalone):
                continue
            if finding.check_id not in suppression.ids:
                continue
            if not suppression.reason:
                invalid[(finding.path, number)] = INVALID_SUPPRESSION_INFO.finding(
                    f"suppression of {finding.check_id} has no reason, so it is ignored",
                    path=finding.path,
                    line=number,
                    fix=f"write why after it: # chainward: ignore[{finding.check_id}] <reason>",
                )
                continue
            suppressed = True
        if not suppressed:
            kept.append(finding)
    kept.extend(invalid.values())
    return kept
