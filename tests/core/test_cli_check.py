"""End to end through ``main``: the demo project, formats, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import DATA, REPO_ROOT

DEMO = REPO_ROOT / "examples" / "demo-ai-project"
SARIF_SCHEMA = json.loads((DATA / "sarif" / "sarif-schema-2.1.0.json").read_text())
FINDINGS_SCHEMA = json.loads(
    (REPO_ROOT / "docs" / "schemas" / "findings-v1.schema.json").read_text()
)

UNPINNED = """\
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: ./local-action
      - uses: docker://alpine:3.20
      - uses: docker://alpine@sha256:{digest}
      - uses: actions/setup-python@{sha}
  reuse:
    uses: org/repo/.github/workflows/x.yml@main
""".format(digest="a" * 64, sha="b" * 40)


def test_demo_project_reports_unpinned_actions(cli) -> None:
    result = cli("check", str(DEMO))
    assert result.code == 1
    assert ".github/workflows/train.yml:11:15: unpinned-action" in result.out
    assert "actions/setup-python@v5" in result.out


def test_workflow_findings_have_lines_and_columns(cli, tmp_path: Path) -> None:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text(UNPINNED)
    result = cli("check", str(tmp_path), "--format", "json")
    document = json.loads(result.out)
    jsonschema.validate(document, FINDINGS_SCHEMA)
    got = [(f["line"], f["column"]) for f in document["findings"]]
    assert got == [(6, 15), (8, 15), (12, 11)]
    assert result.code == 1


def test_pinned_workflow_is_clean(cli, tmp_path: Path) -> None:
    (tmp_path / "action.yml").write_text(
        f"runs:\n  using: composite\n  steps:\n    - uses: actions/checkout@{'c' * 40} # v4\n"
    )
    result = cli("check", str(tmp_path))
    assert result.code == 0, result.out
    assert "no findings" in result.out


def test_sarif_validates_against_the_official_schema(cli, tmp_path: Path) -> None:
    out = tmp_path / "out.sarif"
    result = cli("check", str(DEMO), "--format", "sarif", "--output", str(out))
    assert result.code == 1
    log = json.loads(out.read_text())
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    run = log["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    for res in run["results"]:
        assert rule_ids[res["ruleIndex"]] == res["ruleId"]
        region = res["locations"][0]["physicalLocation"].get("region")
        if res["ruleId"] == "unpinned-action":
            assert region["startLine"] >= 1
    assert {r["level"] for r in run["results"]} <= {"note", "warning", "error"}


def test_several_formats_with_their_own_outputs(cli, tmp_path: Path) -> None:
    sarif, js = tmp_path / "a.sarif", tmp_path / "a.json"
    result = cli(
        "check",
        str(DEMO),
        "--format",
        "sarif",
        "--output",
        str(sarif),
        "--format",
        "json",
        "--output",
        str(js),
        "--format",
        "text",
    )
    assert result.code == 1
    assert json.loads(js.read_text())["version"] == 1
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert "unpinned-action" in result.out


def test_fail_on_and_exit_zero(cli) -> None:
    assert cli("check", str(DEMO), "--select", "unpinned-action", "--fail-on", "critical").code == 0
    assert cli("check", str(DEMO), "--exit-zero").code == 0
    assert cli("check", str(DEMO), "--select", "unpinned-action", "--fail-on", "high").code == 1


def test_github_format_and_step_summary(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_WORKSPACE", str(REPO_ROOT))
    result = cli("check", str(DEMO), "--select", "unpinned-action", "--format", "github")
    line = next(x for x in result.out.splitlines() if "train.yml" in x)
    assert line.startswith(
        "::error file=examples/demo-ai-project/.github/workflows/train.yml,line=11,col=15,"
        "title=chainward unpinned-action::"
    )
    text = summary.read_text()
    assert "| [`unpinned-action`](" in text and "| high |" in text


def test_unknown_select_is_a_usage_error(cli) -> None:
    result = cli("check", str(DEMO), "--select", "unpinned-actoin")
    assert result.code == 2
    assert "did you mean 'unpinned-action'" in result.err


def test_invalid_yaml_is_a_finding_with_location(cli, tmp_path: Path) -> None:
    (tmp_path / "action.yml").write_text("runs:\n  steps: [\n")
    result = cli("check", str(tmp_path), "--format", "json")
    finding = json.loads(result.out)["findings"][0]
    assert finding["check_id"] == "unparsable-file"
    assert finding["path"] == "action.yml" and finding["line"] == 3


def test_inline_suppression_needs_a_reason(cli, tmp_path: Path) -> None:
    wf = tmp_path / ".github" / "workflows" / "w.yml"
    wf.parent.mkdir(parents=True)
    wf.write_text(
        "jobs:\n  a:\n    steps:\n"
        "      - uses: org/one@v1 # chainward: ignore[unpinned-action] ours, tag protected\n"
        "      # chainward: ignore[unpinned-action]\n"
        "      - uses: org/two@v1\n"
    )
    result = cli("check", str(tmp_path), "--format", "json")
    findings = json.loads(result.out)["findings"]
    ids = sorted((f["check_id"], f["line"]) for f in findings)
    assert ids == [("invalid-suppression", 5), ("unpinned-action", 6)]


def test_policy_exclude_and_severity_override(cli, tmp_path: Path) -> None:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text(UNPINNED)
    (tmp_path / "chainward.toml").write_text(
        '[checks.unpinned-action]\nseverity = "low"\n\n[actions]\nallow = ["org/repo/*"]\n'
    )
    document = json.loads(cli("check", str(tmp_path), "--format", "json").out)
    assert {f["severity"] for f in document["findings"]} == {"low"}
    assert all("org/repo" not in f["message"] for f in document["findings"])
    (tmp_path / "chainward.toml").write_text('exclude = [".github/**"]\n')
    assert cli("check", str(tmp_path)).code == 0


def test_missing_folder_is_a_usage_error(cli, tmp_path: Path) -> None:
    result = cli("check", str(tmp_path / "missing-dir"))
    assert result.code == 2
    assert "no such file or directory" in result.err
    assert "Traceback" not in result.err


def test_internal_error_exits_3_with_a_traceback_only_under_verbose(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_scan(*args: object) -> list[object]:
        raise RuntimeError("scanner bug")

    monkeypatch.setattr("chainward.engine.run_scan", broken_scan)
    quiet = cli("check", str(tmp_path))
    assert quiet.code == 3
    assert "internal error: RuntimeError: scanner bug" in quiet.err
    assert "Traceback" not in quiet.err
    loud = cli("check", str(tmp_path), "-v")
    assert loud.code == 3 and "Traceback" in loud.err


def test_module_entry_point_and_version() -> None:
    proc = subprocess.run(
        (sys.executable, "-m", "chainward", "--version"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    assert proc.stdout.startswith("chainward ")


def test_init_writes_a_policy_that_loads(cli, tmp_path: Path) -> None:
    target = tmp_path / "chainward.toml"
    assert cli("init", "--path", str(target)).code == 0
    assert "# fail-on" in target.read_text()
    assert cli("init", "--path", str(target)).code == 2
    assert cli("check", str(tmp_path)).code == 0


def test_explain_prints_the_page(cli) -> None:
    result = cli("explain", "unpinned-action")
    assert result.code == 0 and "tj-actions" in result.out
    listing = cli("explain", "--list")
    assert "unpinned-action" in listing.out
