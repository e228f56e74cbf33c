"""`chainward init` fits the repository: real git history, real SSH signatures, a real
GitHub web-flow commit (tests/data/commits/webflow/), real manifests and hub ids."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chainward.core.tomlread import loads_toml
from tests.commits.helpers import base_env, run, ssh_keygen

WEBFLOW = (
    Path(__file__).resolve().parent.parent
    / "data"
    / "commits"
    / "webflow"
    / "bf54136a79cc85b0e4c3915b4e1eb158f43c4b73.commit"
)
TRAIN = """\
from transformers import AutoModel, AutoTokenizer

model = AutoModel.from_pretrained("meta-llama/Llama-3.2-1B")
tok = AutoTokenizer.from_pretrained("someone-else/llama-finetune")
"""


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, dict[str, str], dict[str, str]]:
    """GitHub web-flow root, two unsigned commits, two SSH-signed ones, files."""
    env = base_env(tmp_path)
    key = ssh_keygen(tmp_path / "id", "ada")
    path = tmp_path / "repo"
    run(["git", "init", "-q", "-b", "main", str(path)], tmp_path, env)
    web = run(
        ["git", "hash-object", "-t", "commit", "-w", "--literally", str(WEBFLOW)], path, env
    ).strip()
    # The real commit's tree and parent are absent: make it the history's shallow root.
    (path / ".git" / "shallow").write_text(web + "\n")
    for k, v in (("gpg.format", "ssh"), ("user.signingkey", f"{tmp_path / 'id'}.pub")):
        run(["git", "config", k, v], path, env)
    shas = {"web": web}
    (path / "allowed_signers").write_text(f'ada@example.com namespaces="git" {key}\n')
    (path / "requirements.txt").write_text("torch==2.3.1\n")
    (path / "train.py").write_text(TRAIN)
    (path / ".github" / "workflows").mkdir(parents=True)
    (path / ".github" / "workflows" / "ci.yml").write_text("on: push\njobs: {}\n")
    run(["git", "add", "-A"], path, env)
    tree = run(["git", "write-tree"], path, env).strip()
    shas["u1"] = run(["git", "commit-tree", tree, "-p", web, "-m", "u1"], path, env).strip()
    run(["git", "update-ref", "refs/heads/main", shas["u1"]], path, env)
    for name, signed in (("u2", False), ("s1", True), ("s2", True)):
        (path / f"{name}.txt").write_text(name)
        run(["git", "add", "-A"], path, env)
        flag = "-S" if signed else "--no-gpg-sign"
        run(["git", "commit", "-q", flag, "-m", name], path, env)
        shas[name] = run(["git", "rev-parse", "HEAD"], path, env).strip()
    return path, env, shas


def test_init_writes_a_policy_that_passes_today_and_flags_the_rest(
    repo: tuple[Path, dict[str, str], dict[str, str]], cli: Any
) -> None:
    path, env, shas = repo
    before = cli("commits", "--all", "--format", "json", cwd=path)
    assert before.code == 1
    result = cli("init", cwd=path)
    assert result.code == 0, result.err
    policy = loads_toml((path / "chainward.toml").read_text())
    assert policy["commits"] == {
        "allowed-signers": "allowed_signers",
        "allow-github-web-flow": True,
        "since": shas["s1"],
    }
    assert policy["models"] == {"allow-models": ["meta-llama/*"]}
    # It says what it decided and why.
    assert f'since = "{shas["s1"]}"' in result.out
    assert "2 of the 5 commits in the history fail" in result.out
    assert "web-flow" in result.out and "GitHub Actions (1)" in result.out
    assert "someone-else/llama-finetune" in result.out  # stays flagged, and it says so
    # Today's history passes; the download from an unknown owner is still flagged.
    assert cli("commits", "--all", cwd=path).code == 0
    check = cli("check", "--select", "unpinned-model-download", "--format", "json", cwd=path)
    findings = json.loads(check.out)["findings"]
    assert [f["message"].count("someone-else/llama-finetune") for f in findings] == [1]
    # A new unsigned commit, even with Dependabot's e-mail, is flagged.
    bot = "49699333+dependabot[bot]@users.noreply.github.com"
    bot_env = {**env, "GIT_COMMITTER_EMAIL": bot, "GIT_COMMITTER_NAME": "dependabot[bot]"}
    run(["git", "commit", "-q", "--allow-empty", "--no-gpg-sign", "-m", "bump"], path, bot_env)
    after = json.loads(cli("commits", "--all", "--format", "json", cwd=path).out)["findings"]
    assert [f["check_id"] for f in after] == ["unsigned-commit"]


def test_init_refuses_to_overwrite_and_works_outside_git(tmp_path: Path, cli: Any) -> None:
    (tmp_path / "requirements.txt").write_text("transformers>=4.28\n")
    result = cli("init", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "not a git repository" in result.out
    text = (tmp_path / "chainward.toml").read_text()
    loads_toml(text)
    assert "\n[commits]\n" in text  # the reference table, all keys commented
    assert cli("init", cwd=tmp_path).code == 2
    assert cli("check", "--format", "json", cwd=tmp_path).code == 1  # still flags the pin


def test_init_without_failing_history_sets_no_baseline(tmp_path: Path, cli: Any) -> None:
    env = base_env(tmp_path)
    key = ssh_keygen(tmp_path / "id", "ada")
    path = tmp_path / "repo"
    run(["git", "init", "-q", "-b", "main", str(path)], tmp_path, env)
    for k, v in (("gpg.format", "ssh"), ("user.signingkey", f"{tmp_path / 'id'}.pub")):
        run(["git", "config", k, v], path, env)
    (path / ".github").mkdir()
    (path / ".github" / "allowed_signers").write_text(f"ada@example.com {key}\n")
    run(["git", "add", "-A"], path, env)
    run(["git", "commit", "-q", "-S", "-m", "signed"], path, env)
    result = cli("init", cwd=path)
    policy = loads_toml((path / "chainward.toml").read_text())
    assert policy["commits"] == {"allowed-signers": ".github/allowed_signers"}
    assert "no baseline needed" in result.out
    assert cli("commits", "--all", cwd=path).code == 0


def test_init_on_a_2024_web_flow_commit_sets_a_baseline_and_says_why(
    tmp_path: Path, cli: Any
) -> None:
    # A real commit by GitHub's current web-flow key (not shipped): unverifiable, so it
    # goes below the baseline, and init says how to make such commits verifiable.
    env = base_env(tmp_path)
    key = ssh_keygen(tmp_path / "id", "ada")
    path = tmp_path / "repo"
    run(["git", "init", "-q", "-b", "main", str(path)], tmp_path, env)
    new_key = WEBFLOW.parent / "1f8fc975d3f679035f55d9838158ab688e39a82e.commit"
    web = run(
        ["git", "hash-object", "-t", "commit", "-w", "--literally", str(new_key)], path, env
    ).strip()
    (path / ".git" / "shallow").write_text(web + "\n")
    (path / "allowed_signers").write_text(f"ada@example.com {key}\n")
    for k, v in (("gpg.format", "ssh"), ("user.signingkey", f"{tmp_path / 'id'}.pub")):
        run(["git", "config", k, v], path, env)
    run(["git", "add", "-A"], path, env)
    tree = run(["git", "write-tree"], path, env).strip()
    signed = run(["git", "commit-tree", "-S", tree, "-p", web, "-m", "signed"], path, env)
    run(["git", "update-ref", "refs/heads/main", signed.strip()], path, env)
    before = json.loads(cli("commits", "--all", "--format", "json", cwd=path).out)["findings"]
    # No policy yet: nobody's key is trusted, and the 2024 web-flow key is not shipped.
    assert sorted(f["check_id"] for f in before) == [
        "untrusted-commit-signer",
        "unverifiable-commit-signature",
    ]
    result = cli("init", cwd=path)
    policy = loads_toml((path / "chainward.toml").read_text())
    assert policy["commits"]["since"] == signed.strip()
    assert "https://github.com/web-flow.gpg" in result.out
    assert cli("commits", "--all", cwd=path).code == 0
