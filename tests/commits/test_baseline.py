"""The first run on existing history proposes a baseline (`since`), and it works.

Real repository: unsigned history (with a merged side branch), then SSH-signed commits.
The proposed `since` is written into the policy and the same run then passes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chainward.commits.baseline import propose_since
from chainward.commits.objects import read_commits

from .helpers import base_env, run, ssh_keygen


def build(tmp_path: Path) -> tuple[Path, dict[str, str], dict[str, str]]:
    env = base_env(tmp_path)
    key = ssh_keygen(tmp_path / "id", "ada")
    repo = tmp_path / "repo"
    run(["git", "init", "-q", "-b", "main", str(repo)], tmp_path, env)
    for k, v in (("gpg.format", "ssh"), ("user.signingkey", f"{tmp_path / 'id'}.pub")):
        run(["git", "config", k, v], repo, env)
    shas: dict[str, str] = {}

    def commit(name: str, signed: bool) -> None:
        flag = "-S" if signed else "--no-gpg-sign"
        run(["git", "commit", "-q", "--allow-empty", flag, "-m", name], repo, env)
        shas[name] = run(["git", "rev-parse", "HEAD"], repo, env).strip()

    commit("c1", False)
    commit("c2", False)
    run(["git", "checkout", "-q", "-b", "side"], repo, env)
    commit("s1", False)
    run(["git", "checkout", "-q", "main"], repo, env)
    commit("c3", False)
    run(["git", "merge", "-q", "--no-ff", "-S", "-m", "m", "side"], repo, env)
    shas["m"] = run(["git", "rev-parse", "HEAD"], repo, env).strip()
    commit("t1", True)
    commit("t2", True)
    (repo / "allowed_signers").write_text(f"ada@example.com {key}\n")
    (repo / "chainward.toml").write_text('[commits]\nallowed-signers = "allowed_signers"\n')
    return repo, env, shas


def test_proposed_since_is_the_oldest_commit_from_which_all_pass(tmp_path: Path, cli: Any) -> None:
    repo, _env, shas = build(tmp_path)
    result = cli("commits", "--all", "--format", "json", cwd=repo)
    assert result.code == 1, result.err
    findings = json.loads(result.out)["findings"]
    failing = {f["commit"] for f in findings}
    assert failing == {shas[n] for n in ("c1", "c2", "c3", "s1")}
    for finding in findings:
        assert f'since = "{shas["m"]}"' in finding["fix"], finding["fix"]
        assert "rebase" not in finding["fix"]
    # The fix works: with the proposed baseline the history passes, and new commits
    # after it are still judged.
    policy = repo / "chainward.toml"
    policy.write_text(policy.read_text() + f'since = "{shas["m"]}"\n')
    assert cli("commits", "--all", cwd=repo).code == 0


def test_a_failing_tip_stays_judged_with_its_own_fix(tmp_path: Path, cli: Any) -> None:
    repo, env, shas = build(tmp_path)
    run(["git", "commit", "-q", "--allow-empty", "--no-gpg-sign", "-m", "t3"], repo, env)
    tip = run(["git", "rev-parse", "HEAD"], repo, env).strip()
    findings = json.loads(cli("commits", "--all", "--format", "json", cwd=repo).out)["findings"]
    by_commit = {f["commit"]: f for f in findings}
    assert set(by_commit) == {tip} | {shas[n] for n in ("c1", "c2", "c3", "s1")}
    assert "since" not in by_commit[tip]["fix"]  # the newest commit: re-sign it
    assert f'since = "{tip}"' in by_commit[shas["c1"]]["fix"]
    commits = list(read_commits(repo, [tip, *shas.values()]))
    ordered = sorted(commits, key=lambda c: c.sha != tip)  # newest first
    baseline = propose_since(ordered, set(by_commit))
    assert baseline is not None and baseline.tip_fails and baseline.sha == tip


def test_no_proposal_when_since_is_set_or_nothing_fails(tmp_path: Path, cli: Any) -> None:
    repo, _env, shas = build(tmp_path)
    policy = repo / "chainward.toml"
    policy.write_text(policy.read_text() + f'since = "{shas["c3"]}"\n')
    findings = json.loads(cli("commits", "--all", "--format", "json", cwd=repo).out)["findings"]
    # c3 and the side branch merged after it are judged; c1, c2 are history.
    assert {f["commit"] for f in findings} == {shas["c3"], shas["s1"]}
    assert all("since" not in f["fix"] for f in findings)
    commits = list(read_commits(repo, [shas["t2"], shas["t1"]]))
    assert propose_since(commits, set()) is None


def test_a_partial_range_is_new_work_and_gets_no_baseline(tmp_path: Path, cli: Any) -> None:
    # A pull request or an ordinary push does not reach the root commit: its unsigned
    # commits are new and must be re-signed, not excused by a baseline.
    repo, env, shas = build(tmp_path)
    run(["git", "commit", "-q", "--allow-empty", "--no-gpg-sign", "-m", "new"], repo, env)
    result = cli("commits", "--range", f"{shas['t2']}..HEAD", "--format", "json", cwd=repo)
    (finding,) = json.loads(result.out)["findings"]
    assert finding["check_id"] == "unsigned-commit"
    assert "since" not in finding["fix"] and "re-sign" in finding["fix"]


def test_commits_verb_applies_the_per_check_policy_like_every_verb(
    tmp_path: Path, cli: Any
) -> None:
    """``[checks.<id>]`` severity, enabled and the fail-on threshold hold for ``commits``
    too (it used to report its findings without the engine's policy step), and the
    findings stay in history order."""
    repo, _env, shas = build(tmp_path)
    policy = repo / "chainward.toml"
    base = policy.read_text()
    policy.write_text(base + '\n[checks.unsigned-commit]\nseverity = "info"\n')
    result = cli("commits", "--all", "--format", "json", "--fail-on", "low", cwd=repo)
    findings = json.loads(result.out)["findings"]
    assert {f["severity"] for f in findings} == {"info"}
    assert result.code == 0, "info findings are below fail-on low"
    order = [f["commit"] for f in findings]
    log = run(["git", "rev-list", "--all"], repo, _env).split()
    assert order == [sha for sha in log if sha in set(order)], "history order is kept"
    assert set(order) == {shas[n] for n in ("c1", "c2", "c3", "s1")}
    policy.write_text(base + "\n[checks.unsigned-commit]\nenabled = false\n")
    disabled = cli("commits", "--all", "--format", "json", cwd=repo)
    assert json.loads(disabled.out)["findings"] == [] and disabled.code == 0
