"""Reporters: findings in, text out. They never decide what counts as a finding."""

from __future__ import annotations

import enum
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from chainward.core.findings import Finding
from chainward.core.registry import Registry

if sys.version_info >= (3, 11):
    from typing import assert_never
else:  # pragma: no cover
    from typing_extensions import assert_never


class Format(enum.Enum):
    """Output formats of ``--format``."""

    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    GITHUB = "github"


@dataclass(frozen=True, slots=True)
class ReportInfo:
    """What reporters need besides the findings."""

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


def render(fmt: Format, findings: Sequence[Finding], info: ReportInfo) -> str:
    """Render findings in one format."""
    if fmt is Format.TEXT:
        from chainward.report.text import render_text

        return render_text(findings, info)
    if fmt is Format.JSON:
        from chainward.report.json import render_json

        return render_json(findings)
    if fmt is Format.SARIF:
        from chainward.report.sarif import render_sarif

        return render_sarif(findings, info)
    if fmt is Format.GITHUB:
        from chainward.report.github import render_annotations

        return render_annotations(findings, info)
    assert_never(fmt)
