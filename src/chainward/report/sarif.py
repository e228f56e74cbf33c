"""SARIF 2.1.0 for GitHub code scanning: one run, rules from the registry, results."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from chainward.core.findings import Finding, Severity
from chainward.report.common import ReportInfo, three_levels

if TYPE_CHECKING:
    from chainward.core.registry import CheckInfo

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

# GitHub sorts code-scanning alerts by this 0-10 score.
_SECURITY_SEVERITY = {
    Severity.INFO: "1.0",
    Severity.LOW: "3.0",
    Severity.MEDIUM: "5.5",
    Severity.HIGH: "8.0",
    Severity.CRITICAL: "9.5",
}


def sarif_level(severity: Severity) -> str:
    """note (info, low), warning (medium), error (high, critical)."""
    return three_levels(severity, "note", "warning", "error")


def _rule(check: CheckInfo) -> dict[str, Any]:
    return {
        "id": check.id,
        "name": "".join(part.capitalize() for part in check.id.split("-")),
        "shortDescription": {"text": check.summary},
        "fullDescription": {"text": check.summary},
        "helpUri": check.docs_url,
        "help": {
            "text": f"{check.summary} See {check.docs_url}",
            "markdown": f"{check.summary}\n\n[Documentation]({check.docs_url})",
        },
        "defaultConfiguration": {"level": sarif_level(check.default_severity)},
        "properties": {
            "tags": ["security", "supply-chain", check.family],
            "security-severity": _SECURITY_SEVERITY[check.default_severity],
        },
    }


def _fingerprint(finding: Finding) -> str:
    """One cause at one file: stable when lines move or the wording changes, distinct per
    file so code scanning keeps one alert per location (the cause itself is in the
    result's ``fingerprint`` property)."""
    key = "\0".join((finding.fingerprint, finding.path or ""))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def render_sarif(findings: Sequence[Finding], info: ReportInfo) -> str:
    """A SARIF 2.1.0 log with every known rule and one result per finding."""
    checks = sorted(info.registry, key=lambda c: c.id)
    index = {check.id: i for i, check in enumerate(checks)}
    results: list[dict[str, Any]] = []
    for finding in findings:
        result: dict[str, Any] = {
            "ruleId": finding.check_id,
            "level": sarif_level(finding.severity),
            "message": {"text": finding.message + (f" Fix: {finding.fix}" if finding.fix else "")},
            "partialFingerprints": {"chainward/v2": _fingerprint(finding)},
            "properties": {
                "severity": finding.severity.label,
                "confidence": finding.confidence.label,
                "security-severity": _SECURITY_SEVERITY[finding.severity],
                "fingerprint": finding.fingerprint,
                **dict(finding.properties),
            },
        }
        if finding.check_id in index:
            result["ruleIndex"] = index[finding.check_id]
        path = finding.path or info.anchor
        if path:
            physical: dict[str, Any] = {"artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"}}
            if not finding.path:
                physical["region"] = {"startLine": 1}
            elif finding.line is not None and finding.line >= 1:
                region: dict[str, Any] = {"startLine": finding.line}
                if finding.column is not None and finding.column >= 1:
                    region["startColumn"] = finding.column
                physical["region"] = region
            result["locations"] = [{"physicalLocation": physical}]
        results.append(result)
    root_uri = info.root.resolve().as_uri().rstrip("/") + "/"
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "chainward",
                        "version": info.version,
                        "semanticVersion": info.version,
                        "informationUri": "https://github.com/chainward/chainward",
                        "rules": [_rule(c) for c in checks],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": root_uri}},
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
