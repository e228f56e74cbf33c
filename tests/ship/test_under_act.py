"""The composite action (action.yml) under a real Actions runner: act, in host mode.

One act run (started early by ``act_launch`` in conftest.py, so it overlaps the
pre-commit tests) executes two workflows for one ``pull_request`` event whose title, body
and head ref carry shell injections:

- ``verify`` (tests/data/ship/act/pull-request.yml): copies the repository into the empty
  host workspace, runs the action on the whole repository (``fail-on: high``,
  continue-on-error) and on a clean folder with one check, and leaves the outputs and
  SARIF logs for the test;
- ``chainward``: README's quick start workflow, verbatim (= examples/workflows/
  pull-request.yml), with local stand-ins for actions/checkout and upload-sarif.

The pull request has three commits: a signed base, a signed commit adding a workflow with
an unpinned action, and an unsigned one. act downloads nothing: every ``uses:`` is mapped
to a local folder; the action installs chainward by hash from the offline wheelhouse.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import DATA, REPO_ROOT
from tests.ship.conftest import ActRun

SARIF_SCHEMA = DATA / "sarif" / "sarif-schema-2.1.0.json"
DOCS = "https://github.com/chainward/chainward/blob/main/src/chainward/docs/checks"

pytestmark = pytest.mark.slow


def _validator() -> jsonschema.Draft4Validator:
    return jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text()))


def test_downloads_nothing(act_run: ActRun) -> None:
    messages = " ".join(str(e.get("msg", "")) for e in act_run.log)
    assert "LocalRepositoryCache matched" in messages
    assert "failed to fetch" not in messages, act_run.raw[-3000:]
    assert "GoGitActionCache fetch" not in messages
    # The stand-in for setup-python never ran (python-version was not given).
    assert "stand-in ran" not in messages


def test_job_results(act_run: ActRun) -> None:
    # verify: the failing step has continue-on-error; the README job fails on findings.
    assert act_run.job_result("verify") == "success", act_run.raw[-4000:]
    assert act_run.job_result("chainward") == "failure"
    assert act_run.code != 0


def test_outputs(act_run: ActRun) -> None:
    outputs = act_run.outputs
    # unpinned-action in the second commit's workflow; unsigned-commit for the third.
    # The second commit is signed by a key the repository's policy trusts: no finding.
    assert outputs["dirty.outcome"] == "failure"  # findings at or above fail-on: high
    assert int(outputs["dirty.findings"]) == 2
    assert outputs["dirty.sarif-file"].endswith("/chainward/chainward.sarif")
    assert outputs["clean.outcome"] == "success"
    assert outputs["clean.findings"] == "0"
    assert outputs["clean.sarif-file"].endswith("/clean/clean.sarif")


def test_annotations(act_run: ActRun) -> None:
    for job, step in (("verify", "dirty"), ("chainward", "chainward")):
        errors = act_run.commands(job, "error", step)
        by_title = {e["kvPairs"]["title"]: e for e in errors}
        assert set(by_title) == {"chainward unpinned-action", "chainward unsigned-commit"}
        unpinned = by_title["chainward unpinned-action"]
        assert unpinned["kvPairs"]["file"] == ".github/workflows/train.yml"
        assert unpinned["kvPairs"]["line"] == "8"
        assert "actions/checkout@v4" in unpinned["arg"]
        assert "Fix: pin a full commit SHA" in unpinned["arg"]
        unsigned = by_title["chainward unsigned-commit"]
        assert unsigned["arg"].startswith(f"commit {act_run.head[:12]}:")
        assert "file" not in unsigned["kvPairs"]
    assert act_run.commands("verify", "error", "clean") == []


def test_job_summary(act_run: ActRun) -> None:
    for job, step in (("verify", "dirty"), ("chainward", "chainward")):
        (summary,) = act_run.commands(job, "summary", step)
        text = summary["content"]
        assert text.startswith("## chainward\n")
        # One row per cause (issue 15): the subject, the check, the severity, where.
        assert "| cause | check | severity | where |" in text
        rows = [line for line in text.splitlines() if line.startswith("| `")]
        action = f"| [`unpinned-action`]({DOCS}/unpinned-action.md) | high |"
        unsigned = f"| [`unsigned-commit`]({DOCS}/unsigned-commit.md) | high |"
        assert [r for r in rows if action in r] == [
            f"| `actions/checkout@v4` {action} `.github/workflows/train.yml:8` |"
        ]
        assert len([r for r in rows if unsigned in r]) == 1
        note = f"Commit signatures verified for `{act_run.base[:12]}..{act_run.head[:12]}`."
        assert note in text
    (clean,) = act_run.commands("verify", "summary", "clean")
    assert "No findings." in clean["content"]


def test_sarif_is_valid_and_ready_for_code_scanning(act_run: ActRun) -> None:
    validator = _validator()
    dirty = json.loads((act_run.out / "dirty.sarif").read_text())
    clean = json.loads((act_run.out / "clean.sarif").read_text())
    for log in (dirty, clean):
        errors = sorted(validator.iter_errors(log), key=str)
        assert not errors, errors[0]
        assert len(log["runs"]) == 1  # one run per upload: what upload-sarif expects
    (run,) = dirty["runs"]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert set(by_rule) == {"unpinned-action", "unsigned-commit"}
    unpinned = by_rule["unpinned-action"]
    assert rules[unpinned["ruleIndex"]] == "unpinned-action"
    location = unpinned["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == ".github/workflows/train.yml"
    assert location["region"]["startLine"] == 8
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/hostexecutor/")
    unsigned = by_rule["unsigned-commit"]
    assert unsigned["properties"]["commit"] == act_run.head
    # Code scanning refuses results without a location: a commit finding is anchored to
    # the policy that judged it.
    anchored = unsigned["locations"][0]["physicalLocation"]["artifactLocation"]
    assert anchored == {"uri": "chainward.toml", "uriBaseId": "%SRCROOT%"}
    assert all(r.get("locations") for r in run["results"])
    assert clean["runs"][0]["results"] == []


def test_readme_workflow_checks_out_and_uploads(act_run: ActRun) -> None:
    # The checkout stand-in got the quick start's inputs; upload-sarif ran after the
    # failing chainward step (`!cancelled()`) and got chainward's SARIF file.
    assert (act_run.out / "checkout-inputs.txt").read_text().split() == [
        "fetch-depth=0",
        "persist-credentials=false",
    ]
    assert (act_run.out / "upload-category.txt").read_text().strip() == "chainward"
    uploaded = json.loads((act_run.out / "uploaded.sarif").read_text())
    _validator().validate(uploaded)
    assert {r["ruleId"] for r in uploaded["runs"][0]["results"]} == {
        "unpinned-action",
        "unsigned-commit",
    }


def test_pull_request_title_is_never_run(act_run: ActRun) -> None:
    listing = (act_run.out / "workspace.txt").read_text().split()
    assert "PWNED" not in listing
    assert not list(act_run.top.rglob("PWNED")), "a PWNED file appeared"
    for folder in (Path.cwd(), REPO_ROOT, act_run.repo):
        assert not (folder / "PWNED").exists()
