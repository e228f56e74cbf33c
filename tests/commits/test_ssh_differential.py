"""SSH: chainward's verdicts against ``git log %G?`` (real ssh-keygen keys and commits).

Same trust configuration on both sides: git's ``gpg.ssh.allowedSignersFile`` and
``gpg.ssh.revocationFile`` are the policy's ``allowed-signers`` and
``ssh-revoked-keys``. git folds two cases into coarser letters, and chainward names
them precisely: a key outside its ``valid-before`` at the commit's time is, for git,
"good signature, unknown principal" (G with undefined trust), and a revoked key is
"B". Both sides refuse both; the test asserts each side's exact verdict.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chainward.commits.meta import FAMILY
from chainward.commits.objects import read_commits
from chainward.commits.scan import CommitTrust, verify_commit
from chainward.commits.verdict import Status
from chainward.core.schema import validate_table

from .helpers import base_env, git_verdicts, run, ssh_keygen, tamper


@dataclass
class World:
    repo: Path
    env: dict[str, str]
    commits: dict[str, str]
    policy: dict[str, Any]


def _policy(**values: Any) -> dict[str, Any]:
    return validate_table(values, FAMILY.policy, where="test", key_path="commits")


def make_world(tmp: Path, object_format: str = "sha1") -> World:
    home = tmp / "home"
    home.mkdir()
    keys = {
        name: ssh_keygen(tmp / f"id_{name}", name) for name in ("good", "stranger", "old", "rev")
    }
    repo = tmp / "repo"
    env = base_env(home)
    run(
        ["git", "init", "-q", "-b", "main", f"--object-format={object_format}", str(repo)], tmp, env
    )
    (repo / "allowed_signers").write_text(
        f"ada@example.com {keys['good']}\n"
        f'ada@example.com namespaces="git",valid-before="20200101Z" {keys["old"]}\n'
        f"ada@example.com {keys['rev']}\n"
    )
    (repo / "revoked_keys").write_text(f"{keys['rev']}\n")
    for key, value in (
        ("gpg.format", "ssh"),
        ("gpg.ssh.allowedSignersFile", str(repo / "allowed_signers")),
        ("gpg.ssh.revocationFile", str(repo / "revoked_keys")),
    ):
        run(["git", "config", key, value], repo, env)

    def commit(message: str, key: str | None, *extra: str) -> str:
        args = ["git"]
        if key:
            args += ["-c", f"user.signingkey={tmp / ('id_' + key)}.pub"]
        args += ["commit", "-q", "--allow-empty", *extra, "-S" if key else "--no-gpg-sign"]
        run([*args, "-m", message], repo, env)
        return run(["git", "rev-parse", "HEAD"], repo, env).strip()

    c = {
        "root": commit("root commit", "good"),
        "stranger": commit("by a stranger", "stranger"),
        "expired": commit("key past valid-before", "old"),
        "revoked": commit("revoked key", "rev"),
        "unsigned": commit("unsigned", None),
    }
    run(["git", "checkout", "-q", "-b", "side"], repo, env)
    commit("side", "good")
    run(["git", "checkout", "-q", "main"], repo, env)
    commit("main", "good")
    signing = ["-c", f"user.signingkey={tmp / 'id_good'}.pub"]
    run(["git", *signing, "merge", "-q", "--no-ff", "-S", "-m", "merge side", "side"], repo, env)
    c["merge"] = run(["git", "rev-parse", "HEAD"], repo, env).strip()
    c["tampered"] = tamper(repo, env, c["root"], b"root commit", b"evil commit")
    policy = _policy(**{"allowed-signers": "allowed_signers", "ssh-revoked-keys": "revoked_keys"})
    return World(repo, env, c, policy)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield make_world(tmp_path_factory.mktemp("ssh"))


GIT_EXPECTED = {
    "root": Status.GOOD,
    "stranger": Status.UNTRUSTED,
    "expired": Status.UNTRUSTED,  # git: G, trust undefined ("No principal matched")
    "revoked": Status.BAD,  # git: B
    "unsigned": Status.UNSIGNED,
    "merge": Status.GOOD,
    "tampered": Status.BAD,
}
OURS_EXPECTED = {**GIT_EXPECTED, "expired": Status.EXPIRED, "revoked": Status.REVOKED}


def ours(world: World) -> dict[str, Status]:
    trust = CommitTrust(world.repo, world.policy)
    by_sha = {
        r.sha: verify_commit(r, trust).status
        for r in read_commits(world.repo, world.commits.values())
    }
    return {name: by_sha[sha] for name, sha in world.commits.items()}


def test_git_verdicts(world: World) -> None:
    git = git_verdicts(world.repo, world.env, list(world.commits.values()))
    assert {n: git[s] for n, s in world.commits.items()} == GIT_EXPECTED


def test_chainward_verdicts_match_git(world: World) -> None:
    assert ours(world) == OURS_EXPECTED
    git = git_verdicts(world.repo, world.env, list(world.commits.values()))
    for name, sha in world.commits.items():
        assert (git[sha] is Status.GOOD) == (OURS_EXPECTED[name] is Status.GOOD), name


def test_cli_check_ids(world: World, cli: Any) -> None:
    (world.repo / "chainward.toml").write_text(
        '[commits]\nallowed-signers = "allowed_signers"\nssh-revoked-keys = "revoked_keys"\n'
    )
    result = cli("commits", "--all", "--format", "json", cwd=world.repo)
    assert result.code == 1
    by_commit: dict[str, set[str]] = {}
    for finding in json.loads(result.out)["findings"]:
        by_commit.setdefault(finding["commit"], set()).add(finding["check_id"])
    names = {sha: name for name, sha in world.commits.items()}
    assert {names[s]: ids for s, ids in by_commit.items()} == {
        "stranger": {"untrusted-commit-signer"},
        "expired": {"expired-commit-signature"},
        "revoked": {"revoked-commit-key"},
        "unsigned": {"unsigned-commit"},
    }  # the tampered commit is on no branch, so --all does not reach it


def test_sha256_repository(tmp_path: Path) -> None:
    world = make_world(tmp_path, "sha256")
    assert len(world.commits["root"]) == 64
    git = git_verdicts(world.repo, world.env, list(world.commits.values()))
    assert {n: git[s] for n, s in world.commits.items()} == GIT_EXPECTED
    assert ours(world) == OURS_EXPECTED


def test_committer_must_match_principal(world: World) -> None:
    from chainward.commits.checks import judge

    trust = CommitTrust(world.repo, world.policy)
    (record,) = read_commits(world.repo, [world.commits["root"]])
    verdict = verify_commit(record, trust)
    assert list(judge(record, verdict, world.policy)) == []
    other = type(record.committer)("Mallory", "mallory@example.com", record.committer.timestamp)
    from dataclasses import replace

    findings = list(judge(replace(record, committer=other), verdict, world.policy))
    assert [f.check_id for f in findings] == ["commit-signer-mismatch"]
    relaxed = {**world.policy, "require-committer-match": False}
    assert list(judge(replace(record, committer=other), verdict, relaxed)) == []
    exempt = {**world.policy, "exempt-committers": ["Mallory@example.com"]}
    # A bot exemption holds for a commit whose signature verifies with a trusted key...
    assert list(judge(replace(record, committer=other), verdict, exempt)) == []
    # ...never for an unsigned one that only carries the exempt e-mail (issue 15).
    unsigned = read_commits(world.repo, [world.commits["unsigned"]])
    (u,) = unsigned
    flagged = list(judge(replace(u, committer=other), verify_commit(u, trust), exempt))
    assert [f.check_id for f in flagged] == ["unsigned-commit"]
    assert "exempt-committers" in flagged[0].message


@pytest.mark.parametrize("key_type", ["ecdsa", "rsa"])
def test_other_key_types_agree_with_git(tmp_path: Path, key_type: str) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = base_env(home)
    key = ssh_keygen(tmp_path / "id", "ada", key_type)
    repo = tmp_path / "repo"
    run(["git", "init", "-q", "-b", "main", str(repo)], tmp_path, env)
    (repo / "allowed_signers").write_text(f"ada@example.com {key}\n")
    for k, v in (
        ("gpg.format", "ssh"),
        ("gpg.ssh.allowedSignersFile", str(repo / "allowed_signers")),
        ("user.signingkey", f"{tmp_path / 'id'}.pub"),
    ):
        run(["git", "config", k, v], repo, env)
    run(["git", "commit", "-q", "--allow-empty", "-S", "-m", "signed"], repo, env)
    good = run(["git", "rev-parse", "HEAD"], repo, env).strip()
    bad = tamper(repo, env, good, b"signed", b"forged")
    world = World(
        repo, env, {"good": good, "bad": bad}, _policy(**{"allowed-signers": "allowed_signers"})
    )
    git = git_verdicts(repo, env, [good, bad])
    assert git == {good: Status.GOOD, bad: Status.BAD}
    assert ours(world) == {"good": Status.GOOD, "bad": Status.BAD}
