"""Versioned JSON: ``{"version": 1, "findings": [...]}`` (schema in docs/output.md)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from chainward.core.findings import Finding

JSON_VERSION = 1


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    """One finding as the documented JSON object; domain fields follow the fixed ones."""
    out: dict[str, Any] = {
        "check_id": finding.check_id,
        "severity": finding.severity.label,
        "confidence": finding.confidence.label,
        "message": finding.message,
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "fix": finding.fix,
        "fingerprint": finding.fingerprint,
    }
    for key, value in sorted(finding.properties.items()):
        out.setdefault(key, value)
    return out


def render_json(findings: Sequence[Finding]) -> str:
    """The JSON document for these findings."""
    document = {"version": JSON_VERSION, "findings": [finding_to_dict(f) for f in findings]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
