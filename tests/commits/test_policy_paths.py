"""Policy paths: GitHub web-flow, revoked SSH fingerprints, exemptions, parallel equivalence,
git's own pre-push input through the CLI, and an unborn branch."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from chainward.commits import scan
from chainward.commits.checks import judge
from chainward.commits.meta import FAMILY
from chainward.commits.objects import Person, read_commits
from chainward.commits.verdict import Status, Verdict
from chainward.core.schema import validate_table

from .helpers import base_env, run, ssh_keygen


def table(**values: Any) -> dict[str, Any]:
    return validate_table(values, FAMILY.policy, where="test", key_path="commits")


def _record(tmp_path: Path, committer: str = "noreply@github.com") -> Any:
    env = base_env(tmp_path, GIT_COMMITTER_EMAIL=committer, GIT_COMMITTER_NAME="GitHub")
    repo = tmp_path / "r"
    run(["git", "init", "-q", str(repo)], tmp_path, env)
    run(["git", "commit", "-q", "--allow-empty", "-m", "Merge pull request #1"], repo, env)
    (record,) = read_commits(repo, [run(["git", "rev-parse", "HEAD"], repo, env).strip()])
    return record


WEB_FLOW = Verdict(
    Status.GOOD, "openpgp", "968479A1AFF927E37D1A566BB5690EEEBB952194", "", ("noreply@github.com",)
)


def test_github_web_flow_is_opt_in(tmp_path: Path) -> None:
    record = _record(tmp_path)
    assert record.committer.email == "noreply@github.com"
    refused = list(judge(record, WEB_FLOW, table()))
    assert [f.check_id for f in refused] == ["untrusted-commit-signer"]
    assert "allow-github-web-flow" in (refused[0].fix or "")
    assert list(judge(record, WEB_FLOW, table(**{"allow-github-web-flow": True}))) == []
    from dataclasses import replace

    local = replace(record, committer=Person("Mallory", "mallory@example.com", 0))
    mismatch = list(judge(local, WEB_FLOW, table(**{"allow-github-web-flow": True})))
    assert [f.check_id for f in mismatch] == ["commit-signer-mismatch"]


def _ssh_repo(tmp_path: Path, count: int) -> tuple[Path, dict[str, str], str]:
    env = base_env(tmp_path)
    key = ssh_keygen(tmp_path / "id", "ada")
    repo = tmp_path / "repo"
    run(["git", "init", "-q", "-b", "main", str(repo)], tmp_path, env)
    for k, v in (("gpg.format", "ssh"), ("user.signingkey", f"{tmp_path / 'id'}.pub")):
        run(["git", "config", k, v], repo, env)
    for n in range(count):
        sign = "-S" if n % 3 else "--no-gpg-sign"
        run(["git", "commit", "-q", "--allow-empty", sign, "-m", f"c{n}"], repo, env)
    (repo / "allowed_signers").write_text(f"ada@example.com {key}\n")
    return repo, env, key


def test_revoked_ssh_fingerprint_and_parallel_equivalence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, env, key = _ssh_repo(tmp_path, 12)
    shas = run(["git", "rev-list", "HEAD"], repo, env).split()
    policy = table(**{"allowed-signers": "allowed_signers"})
    serial, count = scan.check_commits(repo, shas, scan.CommitTrust(repo, policy))
    assert count == 12
    assert sorted(f.check_id for f in serial) == ["unsigned-commit"] * 4
    monkeypatch.setattr(scan, "PARALLEL_THRESHOLD", 2)
    parallel, _ = scan.check_commits(repo, shas, scan.CommitTrust(repo, policy))
    assert sorted(parallel, key=lambda f: f.message) == sorted(serial, key=lambda f: f.message)
    import base64

    from chainward.commits.ssh import fingerprint

    fpr = fingerprint(base64.b64decode(key.split()[1]))
    revoked = table(**{"allowed-signers": "allowed_signers", "revoked-keys": [fpr]})
    findings, _ = scan.check_commits(repo, shas, scan.CommitTrust(repo, revoked))
    assert sorted({f.check_id for f in findings}) == ["revoked-commit-key", "unsigned-commit"]


def test_git_pre_push_through_the_cli(
    tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, env, _key = _ssh_repo(tmp_path, 3)
    (repo / "chainward.toml").write_text('[commits]\nallowed-signers = "allowed_signers"\n')
    head = run(["git", "rev-parse", "HEAD"], repo, env).strip()
    stdin = f"refs/heads/main {head} refs/heads/main {'0' * 40}\n"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    result = cli("commits", "--git-pre-push", "origin", "--format", "json", cwd=repo)
    assert result.code == 1
    findings = json.loads(result.out)["findings"]
    assert [f["check_id"] for f in findings] == ["unsigned-commit"]  # the root commit, c0


def test_unborn_branch_has_nothing_to_check(tmp_path: Path, cli: Any) -> None:
    env = base_env(tmp_path)
    run(["git", "init", "-q", str(tmp_path / "empty")], tmp_path, env)
    assert cli("commits", cwd=tmp_path / "empty").code == 0


def test_malformed_policy_files_exit_2(tmp_path: Path, cli: Any) -> None:
    repo, _env, _key = _ssh_repo(tmp_path, 2)
    (repo / "allowed_signers").write_text("ada@example.com ssh-ed25519 not-base64!!\n")
    (repo / "chainward.toml").write_text('[commits]\nallowed-signers = "allowed_signers"\n')
    result = cli("commits", "--all", cwd=repo)
    assert result.code == 2 and "allowed-signers line 1" in result.err
    (repo / "bad.asc").write_text("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\ngarbage\n")
    (repo / "chainward.toml").write_text('[commits]\nopenpgp-keys = ["bad.asc"]\n')
    env = base_env(tmp_path)
    gpgsig = (
        "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
        "author A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\n"
        "gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQ==\n -----END PGP SIGNATURE-----\n\nx\n"
    )
    sha = run(
        ["git", "hash-object", "-t", "commit", "-w", "--stdin"], repo, env, gpgsig.encode()
    ).strip()
    result = cli("commits", "--range", sha, cwd=repo)
    assert result.code == 2 and "bad.asc" in result.err and "Traceback" not in result.err
    (repo / "chainward.toml").write_text('[commits]\nssh-revoked-keys = "krl"\n')
    (repo / "krl").write_bytes(b"SSHKRL\n\0binary")
    (repo / "allowed_signers").write_text("")
    result = cli("commits", "--all", cwd=repo)
    assert result.code == 2 and "KRL" in result.err


def test_a_secret_key_in_openpgp_keys_is_refused(tmp_path: Path) -> None:
    import pysequoia

    from chainward.commits.openpgp import load_keyring
    from chainward.core.errors import InputError

    secret = bytes(pysequoia.Tsk.generate("Ada <ada@example.com>"))
    with pytest.raises(InputError, match="SECRET"):
        load_keyring([("keys/ada.asc", secret)])
