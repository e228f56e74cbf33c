"""Reporter snapshots (regenerate with UPDATE_SNAPSHOTS=1) and format details."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from chainward.actions.meta import FAMILY as ACTIONS
from chainward.core.findings import CheckId, Confidence, Finding, Severity
from chainward.core.meta import FAMILY as CORE
from chainward.core.registry import Registry
from chainward.report import Format, ReportInfo, render
from chainward.report.github import render_summary, workspace_path
from tests.conftest import DATA, REPO_ROOT

SNAPSHOTS = DATA / "snapshots"

FINDINGS = [
    Finding(
        CheckId("unpinned-action"),
        Severity.HIGH,
        "action 'a/b@v1' uses @v1, a movable tag",
        path=".github/workflows/ci.yml",
        line=6,
        column=15,
        fix="pin a full commit SHA",
    ),
    Finding(
        CheckId("unparsable-file"),
        Severity.MEDIUM,
        "could not parse: bad, with 100% | pipes\nand newline",
        path="x:y,z.yml",
        line=2,
    ),
    Finding(
        CheckId("file-too-large"),
        Severity.LOW,
        "not scanned",
        path="big.txt",
        confidence=Confidence.MEDIUM,
    ),
    Finding(
        CheckId("invalid-suppression"), Severity.INFO, "no reason", properties={"commit": "a" * 40}
    ),
    Finding(
        CheckId("unknown-check-x"),
        Severity.CRITICAL,
        "from a plugin",
        path="p.py",
        line=1,
        column=1,
    ),
]


def _info(color: bool = False) -> ReportInfo:
    return ReportInfo(
        root=Path("/repo"), registry=Registry([CORE, ACTIONS]), version="0.0.0-test", color=color
    )


@pytest.mark.parametrize("fmt", list(Format), ids=lambda f: f.value)
def test_snapshot(fmt: Format) -> None:
    text = render(fmt, FINDINGS, _info())
    snapshot = SNAPSHOTS / f"report.{fmt.value}"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        snapshot.write_text(text)
    assert text == snapshot.read_text()


def test_sarif_of_every_kind_of_finding_is_valid() -> None:
    schema = json.loads((DATA / "sarif" / "sarif-schema-2.1.0.json").read_text())
    log = json.loads(render(Format.SARIF, FINDINGS, _info()))
    jsonschema.Draft4Validator(schema).validate(log)
    results = log["runs"][0]["results"]
    assert [r["level"] for r in results] == ["error", "warning", "note", "note", "error"]
    assert "locations" not in results[3]
    assert "ruleIndex" not in results[4]
    assert results[3]["properties"]["commit"] == "a" * 40


def test_json_validates_and_carries_domain_fields() -> None:
    schema = json.loads((REPO_ROOT / "docs" / "schemas" / "findings-v1.schema.json").read_text())
    document = json.loads(render(Format.JSON, FINDINGS, _info()))
    jsonschema.validate(document, schema)
    assert document["findings"][3]["commit"] == "a" * 40


def test_text_colour_only_when_asked() -> None:
    assert "\033[" not in render(Format.TEXT, FINDINGS, _info())
    assert "\033[31mhigh\033[0m" in render(Format.TEXT, FINDINGS, _info(color=True))
    assert render(Format.TEXT, [], _info()) == "no findings\n"


def test_github_escapes_and_levels() -> None:
    text = render(Format.GITHUB, FINDINGS, _info())
    lines = text.splitlines()
    assert lines[1].startswith(
        "::warning file=x%3Ay%2Cz.yml,line=2,title=chainward unparsable-file::"
    )
    assert "100%25" in lines[1] and "%0Aand newline" in lines[1]
    assert lines[2].startswith("::notice file=big.txt,title=")
    assert "commit aaaaaaaaaaaa:" in lines[3]
    assert render(Format.GITHUB, [], _info()) == ""


def test_workspace_path(tmp_path: Path) -> None:
    assert workspace_path("a.yml", tmp_path / "sub", str(tmp_path)) == "sub/a.yml"
    assert workspace_path("a.yml", tmp_path, str(tmp_path)) == "a.yml"
    assert workspace_path("a.yml", Path("/elsewhere"), str(tmp_path)) == "a.yml"
    assert workspace_path("a.yml", tmp_path, None) == "a.yml"


def test_summary() -> None:
    text = render_summary(FINDINGS, _info())
    assert "| [`unpinned-action`](https://" in text
    assert "| `p.py` | `unknown-check-x` | critical | `p.py:1` |" in text
    assert "\\|" in text
    assert render_summary([], _info()).endswith("No findings.\n")


def test_sarif_anchors_pathless_findings_to_the_policy_file() -> None:
    schema = json.loads((DATA / "sarif" / "sarif-schema-2.1.0.json").read_text())
    info = ReportInfo(
        root=Path("/repo"), registry=Registry([CORE, ACTIONS]), version="0", anchor="chainward.toml"
    )
    log = json.loads(render(Format.SARIF, FINDINGS, info))
    jsonschema.Draft4Validator(schema).validate(log)
    results = log["runs"][0]["results"]
    commit_result = results[3]["locations"][0]["physicalLocation"]
    assert commit_result["artifactLocation"]["uri"] == "chainward.toml"
    assert commit_result["region"] == {"startLine": 1}
    # Findings with their own path keep it.
    assert results[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 6
    assert "region" not in results[2]["locations"][0]["physicalLocation"]


# One cause (transformers unpinned) in three files, plus a second cause in one of them.
GROUPED = [
    Finding(
        CheckId("unpinned-ai-dependency"),
        Severity.HIGH,
        "AI dependency transformers allows a range (transformers>=4.28.0)",
        path=path,
        line=line,
        fix="pin it",
        properties={"package": "transformers"},
    )
    for path, line in (("requirements.txt", 3), ("setup.py", 12), ("requirements.txt", 9))
] + [
    Finding(
        CheckId("unpinned-ai-dependency"),
        Severity.MEDIUM,
        "AI dependency transformers has no version constraint",
        path="examples/demo/requirements.txt",
        line=1,
        properties={"package": "transformers", "downranked": "examples"},
    ),
    Finding(
        CheckId("unpinned-ai-dependency"),
        Severity.HIGH,
        "AI dependency torch has no version constraint",
        path="setup.py",
        line=13,
        properties={"package": "torch"},
    ),
]


def test_text_groups_one_cause_under_its_fingerprint() -> None:
    text = render(Format.TEXT, GROUPED, _info())
    lines = text.splitlines()
    assert lines[0] == (
        "transformers: unpinned-ai-dependency [high] in 3 files (4 places): "
        "AI dependency transformers allows a range (transformers>=4.28.0)"
    )
    assert lines[1:6] == [
        "    fix: pin it",
        "    requirements.txt:3",
        "    setup.py:12",
        "    requirements.txt:9",
        # A place whose message differs keeps it: grouping never hides words.
        "    examples/demo/requirements.txt:1 [medium]: "
        "AI dependency transformers has no version constraint",
    ]
    assert "setup.py:13: unpinned-ai-dependency [high] AI dependency torch" in text
    assert lines[-1] == "2 findings in 5 places (2 high)"


def test_fingerprint_is_check_and_subject_and_json_keeps_every_occurrence() -> None:
    assert {f.fingerprint for f in GROUPED} == {
        "unpinned-ai-dependency:transformers",
        "unpinned-ai-dependency:torch",
    }
    # Without a subject, the file and a digest of the message stand in for it: two
    # different problems of one check in one file stay two causes.
    assert FINDINGS[1].fingerprint.startswith("unparsable-file:x:y,z.yml#")
    other = replace(FINDINGS[1], message="another problem", line=99)
    assert other.fingerprint != FINDINGS[1].fingerprint
    assert replace(FINDINGS[1], line=99).fingerprint == FINDINGS[1].fingerprint
    document = json.loads(render(Format.JSON, GROUPED, _info()))
    assert len(document["findings"]) == 5
    assert document["findings"][3]["fingerprint"] == "unpinned-ai-dependency:transformers"
    assert document["findings"][3]["downranked"] == "examples"
    schema = json.loads((REPO_ROOT / "docs" / "schemas" / "findings-v1.schema.json").read_text())
    jsonschema.validate(document, schema)


def test_sarif_keeps_one_result_per_location_with_stable_partial_fingerprints() -> None:
    schema = json.loads((DATA / "sarif" / "sarif-schema-2.1.0.json").read_text())
    log = json.loads(render(Format.SARIF, GROUPED, _info()))
    jsonschema.Draft4Validator(schema).validate(log)
    results = log["runs"][0]["results"]
    assert len(results) == 5
    prints = [r["partialFingerprints"]["chainward/v2"] for r in results]
    # Same cause, same file (lines 3 and 9): one alert; other files: their own.
    assert prints[0] == prints[2]
    assert len(set(prints)) == 4
    # A moved line or a reworded message keeps the fingerprint.
    moved = [replace(GROUPED[0], line=30, message="reworded")]
    again = json.loads(render(Format.SARIF, moved, _info()))["runs"][0]["results"][0]
    assert again["partialFingerprints"]["chainward/v2"] == prints[0]
    assert results[0]["properties"]["fingerprint"] == "unpinned-ai-dependency:transformers"


def test_summary_has_one_row_per_cause() -> None:
    text = render_summary(GROUPED, _info())
    assert "| `transformers` | `unpinned-ai-dependency` | high | in 3 files (4 places) |" in text
    assert "| `torch` | `unpinned-ai-dependency` | high | `setup.py:13` |" in text
