"""GitHub Actions workflow commands (annotations) and a Markdown job summary."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from chainward.core.findings import Finding, Severity
from chainward.report.common import ReportInfo, describe_group, group_by_cause, three_levels


def annotation_level(severity: Severity) -> str:
    """notice (info, low), warning (medium), error (high, critical)."""
    return three_levels(severity, "notice", "warning", "error")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workspace_path(rel: str, root: Path, workspace: str | None) -> str:
    """The path GitHub expects: relative to ``$GITHUB_WORKSPACE`` when the root is inside it."""
    if not workspace:
        return rel
    try:
        prefix = root.resolve().relative_to(Path(workspace).resolve()).as_posix()
    except ValueError:
        return rel
    return rel if prefix in ("", ".") else f"{prefix}/{rel}"


def render_annotations(findings: Sequence[Finding], info: ReportInfo) -> str:
    """One ``::error file=…,line=…,title=…::message`` command per finding."""
    workspace = os.environ.get("GITHUB_WORKSPACE")
    lines = []
    for finding in findings:
        props = []
        if finding.path:
            props.append(
                f"file={_escape_property(workspace_path(finding.path, info.root, workspace))}"
            )
            if finding.line is not None:
                props.append(f"line={finding.line}")
                if finding.column is not None:
                    props.append(f"col={finding.column}")
        props.append(f"title={_escape_property(f'chainward {finding.check_id}')}")
        message = finding.message
        if commit := finding.properties.get("commit"):
            message = f"commit {commit[:12]}: {message}"
        if finding.fix:
            message += f"\nFix: {finding.fix}"
        lines.append(
            f"::{annotation_level(finding.severity)} {','.join(props)}::{_escape_data(message)}"
        )
    return "\n".join(lines) + ("\n" if lines else "")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_summary(findings: Sequence[Finding], info: ReportInfo) -> str:
    """A Markdown job summary: one row per cause (fingerprint), then every finding."""
    out = ["## chainward", ""]
    if not findings:
        out.append("No findings.")
        return "\n".join(out) + "\n"
    groups = group_by_cause(findings)
    out += ["| cause | check | severity | where |", "| --- | --- | --- | --- |"]
    ranked = sorted(groups, key=lambda g: (-max(f.severity for f in g), g[0].fingerprint))
    for group in ranked:
        first = group[0]
        check = info.registry.get(first.check_id)
        name = f"[`{first.check_id}`]({check.docs_url})" if check else f"`{first.check_id}`"
        subject = first.subject or first.path or "-"
        severity = max(f.severity for f in group).label
        where = describe_group(group) if len(group) > 1 else f"`{_cell(_where(first))}`"
        out.append(f"| `{_cell(subject)}` | {name} | {severity} | {where} |")
    out += [
        "",
        "<details><summary>All findings</summary>",
        "",
        "| where | check | message |",
        "| --- | --- | --- |",
    ]
    for finding in findings:
        out.append(
            f"| `{_cell(_where(finding))}` | `{finding.check_id}` | {_cell(finding.message)} |"
        )
    out += ["", "</details>"]
    return "\n".join(out) + "\n"


def _where(finding: Finding) -> str:
    where = finding.path or finding.properties.get("commit", "")[:12] or "-"
    if finding.path and finding.line is not None:
        where += f":{finding.line}"
    return where
