"""Reporters: findings in, text out. They never decide what counts as a finding.

``render`` dispatches to one module per format, imported only when that format is
asked for; the types they share live in :mod:`chainward.report.common`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from chainward.core.findings import Finding
from chainward.report.common import Format, ReportInfo

if sys.version_info >= (3, 11):
    from typing import assert_never
else:  # pragma: no cover
    from typing_extensions import assert_never

__all__ = ["Format", "ReportInfo", "render"]


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
