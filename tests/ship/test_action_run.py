"""action/run.py's pieces: event parsing (hostile payloads), SARIF merging, anchoring.

(The whole action runs under act in test_under_act.py.)
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import REPO_ROOT, GitRepo

BASE = "a" * 40
HEAD = "b" * 40


def _load_run() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "chainward_action_run", REPO_ROOT / "action" / "run.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run = _load_run()


def _event(tmp_path: Path, payload: object) -> str:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    return str(path)


def test_pull_request_range_reads_base_and_head(tmp_path: Path) -> None:
    payload = {
        "pull_request": {"title": '"; touch PWNED', "base": {"sha": BASE}, "head": {"sha": HEAD}}
    }
    assert run.pull_request_range("pull_request", _event(tmp_path, payload)) == (BASE, HEAD)
    assert run.pull_request_range("pull_request_target", _event(tmp_path, payload)) == (BASE, HEAD)
    assert run.pull_request_range("push", _event(tmp_path, payload)) is None


@pytest.mark.parametrize(
    "sha",
    [
        "$(touch PWNED)",
        "a" * 39,
        "A" * 40,  # git prints lower case; anything else is not from GitHub
        "a" * 40 + "\n",
        "a" * 40 + " --upload-pack=touch PWNED",
        "--output=/tmp/x",
        None,
        40,
    ],
)
def test_pull_request_range_refuses_anything_but_an_object_id(tmp_path: Path, sha: object) -> None:
    payload = {"pull_request": {"base": {"sha": BASE}, "head": {"sha": sha}}}
    with pytest.raises(run.ActionError, match=r"pull_request\.head\.sha"):
        run.pull_request_range("pull_request", _event(tmp_path, payload))


def test_pull_request_range_refuses_broken_payloads(tmp_path: Path) -> None:
    with pytest.raises(run.ActionError, match="no pull_request object"):
        run.pull_request_range("pull_request", _event(tmp_path, ["not", "an", "object"]))
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(run.ActionError, match="cannot read the event payload"):
        run.pull_request_range("pull_request", str(bad))


def test_split_checks() -> None:
    assert run.split_checks(" unpinned-action,typosquat\npin-images  ") == [
        "unpinned-action",
        "typosquat",
        "pin-images",
    ]
    assert run.split_checks("") == []


def _log(results: list[dict[str, object]]) -> dict[str, object]:
    return {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "chainward"}}, "results": results}],
    }


def test_merge_sarif_prefixes_paths_and_anchors_commit_results(tmp_path: Path) -> None:
    located = {
        "ruleId": "unpinned-action",
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "action.yml", "uriBaseId": "%SRCROOT%"}
                }
            }
        ],
    }
    commit = {"ruleId": "unsigned-commit", "properties": {"commit": HEAD}}
    merged = run.merge_sarif([_log([located]), _log([commit])], "sub", tmp_path, "chainward.toml")
    (only,) = merged["runs"]
    first, second = only["results"]
    assert first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "sub/action.yml"
    anchored = second["locations"][0]["physicalLocation"]
    assert anchored["artifactLocation"] == {"uri": "chainward.toml", "uriBaseId": "%SRCROOT%"}
    assert anchored["region"] == {"startLine": 1}
    assert only["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"


def test_anchor_file_prefers_the_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "sub"
    root.mkdir()
    monkeypatch.delenv("GITHUB_WORKFLOW_REF", raising=False)
    assert run.anchor_file(root, tmp_path, "") is None
    (root / "pyproject.toml").write_text("[project]\n")
    assert run.anchor_file(root, tmp_path, "") == "sub/pyproject.toml"
    (root / "chainward.toml").write_text("")
    assert run.anchor_file(root, tmp_path, "") == "sub/chainward.toml"
    (tmp_path / "policy.toml").write_text("")
    assert run.anchor_file(root, tmp_path, "../policy.toml") == "policy.toml"
    (root / "chainward.toml").unlink()
    (root / "pyproject.toml").unlink()
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text("")
    monkeypatch.setenv("GITHUB_WORKFLOW_REF", "org/repo/.github/workflows/ci.yml@refs/pull/7/merge")
    assert run.anchor_file(root, tmp_path, "") == ".github/workflows/ci.yml"


def test_push_events_verify_the_pushed_commits(
    git_repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git_repo.write("README.md", "an AI project\n")
    before = git_repo.commit_all("base")
    git_repo.write("notes.md", "more\n")
    after = git_repo.commit_all("notes")
    out, summary, temp = tmp_path / "out.txt", tmp_path / "summary.md", tmp_path / "runner"
    temp.mkdir()
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_EVENT_PATH": _event(tmp_path, {"before": before, "after": after}),
        "GITHUB_WORKSPACE": str(git_repo.path),
        "GITHUB_OUTPUT": str(out),
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(temp),
        "INPUT_OFFLINE": "true",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert run.main() == 1
    assert "findings=1\n" in out.read_text()
    text = summary.read_text()
    assert "[`unsigned-commit`]" in text
    assert f"`{after[:12]}`" in text  # only the pushed commit, not the base
    assert f"`{before[:12]}`" not in text
    assert "Commit signatures verified for the pushed commits." in text

    # A branch deletion names no commit; a payload with anything but ids is refused.
    monkeypatch.setenv("GITHUB_EVENT_PATH", _event(tmp_path, {"before": after, "after": "0" * 40}))
    assert run.main() == 0
    monkeypatch.setenv("GITHUB_EVENT_PATH", _event(tmp_path, {"before": "$(id)", "after": after}))
    with pytest.raises(run.ActionError, match="before in the push event payload"):
        run.main()


def test_release_trust_runs_and_is_summarised_when_the_policy_asks(
    git_repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run.release_trust_note(git_repo.path, "", False) is None
    git_repo.write("chainward.toml", '[release-trust]\nmin-release-age = "7 days"\n')
    git_repo.write("requirements.txt", "torch==2.5.1 --hash=sha256:" + "0" * 64 + "\n")
    git_repo.write("chainward.publishers.toml", "version = 1\n")
    note = run.release_trust_note(git_repo.path, "", True)
    assert note is not None
    assert "pins younger than 7 days are flagged" in note
    assert "publisher lock `chainward.publishers.toml`" in note
    assert "offline" in note
    out, summary, temp = tmp_path / "out.txt", tmp_path / "summary.md", tmp_path / "runner"
    temp.mkdir()
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "workflow_dispatch",
        "GITHUB_WORKSPACE": str(git_repo.path),
        "GITHUB_OUTPUT": str(out),
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(temp),
        "INPUT_OFFLINE": "true",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    run.main()
    text = summary.read_text()
    assert "Release trust: cooldown" in text
    assert "release-not-verified" in text  # offline: the cooldown could not be checked
