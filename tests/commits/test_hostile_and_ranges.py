"""Hostile signatures give verdicts, unresolvable ranges exit 2, and commit selection."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from chainward.commits import range as commit_range

from .helpers import base_env, run


def _ssh_string(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def _sshsig_of_unknown_key_type() -> bytes:
    """A well-formed SSHSIG whose key type no verifier here implements."""
    key = _ssh_string(b"ssh-future") + _ssh_string(b"k" * 32)
    blob = (
        b"SSHSIG"
        + (1).to_bytes(4, "big")
        + _ssh_string(key)
        + _ssh_string(b"git")
        + _ssh_string(b"")
        + _ssh_string(b"sha512")
        + _ssh_string(_ssh_string(b"ssh-future") + _ssh_string(b"s" * 64))
    )
    body = base64.b64encode(blob)
    lines = [body[i : i + 70] for i in range(0, len(body), 70)]
    return b"-----BEGIN SSH SIGNATURE-----\n" + b"\n".join(lines) + b"\n-----END SSH SIGNATURE-----"


GARBAGE = {
    "ssh-unknown-key-type": _sshsig_of_unknown_key_type(),
    "pgp-armor": (
        b"-----BEGIN PGP SIGNATURE-----\n\nnot base64 at all !!!\n-----END PGP SIGNATURE-----"
    ),
    "pgp-no-footer": b"-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEE",
    "ssh-armor": b"-----BEGIN SSH SIGNATURE-----\nU1NIU0lHAAAAAQ==\n-----END SSH SIGNATURE-----",
    "ssh-bad-b64": b"-----BEGIN SSH SIGNATURE-----\n%%%%\n-----END SSH SIGNATURE-----",
    "cms-truncated": (
        b"-----BEGIN SIGNED MESSAGE-----\n"
        b"MIIIswYJKoZIhvcNAQcCoIIIpDCCCKACAQExDTALBglghkgBZQMEAgEw\n"
        b"-----END SIGNED MESSAGE-----"
    ),
    "cms-no-footer": b"-----BEGIN SIGNED MESSAGE-----\nMIIIswYJKoZIhvcNAQcC",
    "random": b"\x00\xffjunk that is not any signature\x80",
}


def write_commit(repo: Path, env: dict[str, str], signature: bytes, subject: str) -> str:
    tree = run(["git", "write-tree"], repo, env).strip()
    head = run(["git", "rev-parse", "HEAD"], repo, env).strip()
    sig_lines = signature.split(b"\n")
    header = b"gpgsig " + b"\n ".join(sig_lines)
    raw = (
        (
            f"tree {tree}\nparent {head}\n"
            "author Ada Tester <ada@example.com> 1700000000 +0000\n"
            "committer Ada Tester <ada@example.com> 1700000000 +0000\n"
        ).encode()
        + header
        + f"\n\n{subject}\n".encode()
    )
    sha = run(
        ["git", "hash-object", "-t", "commit", "-w", "--literally", "--stdin"], repo, env, raw
    )
    return sha.strip()


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    env = base_env(tmp_path)
    path = tmp_path / "repo"
    run(["git", "init", "-q", "-b", "main", str(path)], tmp_path, env)
    run(["git", "commit", "-q", "--allow-empty", "-m", "root"], path, env)
    (path / "chainward.toml").write_text("[commits]\n")
    return path, env


@pytest.mark.parametrize("name", sorted(GARBAGE))
def test_garbage_signatures_are_unverifiable_not_tracebacks(
    name: str, repo: tuple[Path, dict[str, str]], cli: Any
) -> None:
    # A signature no verifier (not even gpg, the second one) can read is not proven bad:
    # it is unverifiable, with the reason, and still a finding (issue 15).
    path, env = repo
    sha = write_commit(path, env, GARBAGE[name], f"garbage {name}")
    result = cli("commits", "--range", sha, "--format", "json", cwd=path)
    assert result.code == 1, result.err
    findings = json.loads(result.out)["findings"]
    assert [f["check_id"] for f in findings] == ["unverifiable-commit-signature"]
    assert findings[0]["severity"] == "medium"
    assert findings[0]["commit"] == sha
    assert "cannot" in findings[0]["message"] or "no signature format" in findings[0]["message"]
    assert "Traceback" not in result.err


def test_shallow_clone_unresolvable_range_exits_2(tmp_path: Path, cli: Any) -> None:
    env = base_env(tmp_path)
    origin = tmp_path / "origin"
    run(["git", "init", "-q", "-b", "main", str(origin)], tmp_path, env)
    for n in range(3):
        run(["git", "commit", "-q", "--allow-empty", "-m", f"c{n}"], origin, env)
    base = run(["git", "rev-parse", "HEAD~2"], origin, env).strip()
    clone = tmp_path / "clone"
    run(["git", "clone", "-q", "--depth", "1", f"file://{origin}", str(clone)], tmp_path, env)
    result = cli("commits", "--range", f"{base}..HEAD", cwd=clone)
    assert result.code == 2
    assert "fetch the full history (actions/checkout fetch-depth: 0)" in result.err
    assert "shallow" in result.err
    # What is present is still checked.
    present = cli("commits", "--all", "--format", "json", cwd=clone)
    assert present.code == 1
    assert [f["check_id"] for f in json.loads(present.out)["findings"]] == ["unsigned-commit"]


def _linear(tmp_path: Path) -> tuple[Path, dict[str, str], list[str]]:
    env = base_env(tmp_path)
    repo = tmp_path / "r"
    run(["git", "init", "-q", "-b", "main", str(repo)], tmp_path, env)
    shas = []
    for n in range(4):
        run(["git", "commit", "-q", "--allow-empty", "-m", f"c{n}"], repo, env)
        shas.append(run(["git", "rev-parse", "HEAD"], repo, env).strip())
    return repo, env, shas


def _commits(repo: Path, sel: tuple[list[str], list[str]]) -> set[str]:
    return set(commit_range.rev_list(repo, *sel))


def test_pull_request_and_push_events(tmp_path: Path) -> None:
    repo, env, shas = _linear(tmp_path)
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"pull_request": {"base": {"sha": shas[1]}, "head": {"sha": shas[3]}}})
    )
    sel = commit_range.github_event(repo, "pull_request", event)
    assert sel is not None and _commits(repo, sel) == {shas[2], shas[3]}
    event.write_text(json.dumps({"before": shas[0], "after": shas[2], "ref": "refs/heads/main"}))
    sel = commit_range.github_event(repo, "push", event)
    assert sel is not None and _commits(repo, sel) == {shas[1], shas[2]}
    # A new branch: commits not on any other remote branch.
    run(["git", "update-ref", "refs/remotes/origin/main", shas[1]], repo, env)
    run(["git", "update-ref", "refs/remotes/origin/feature", shas[3]], repo, env)
    event.write_text(
        json.dumps({"before": "0" * 40, "after": shas[3], "ref": "refs/heads/feature"})
    )
    sel = commit_range.github_event(repo, "push", event)
    assert sel is not None and _commits(repo, sel) == {shas[2], shas[3]}
    event.write_text(json.dumps({"before": "1" * 40, "after": shas[3], "ref": "refs/heads/main"}))
    with pytest.raises(Exception, match="fetch the full history"):
        commit_range.github_event(repo, "push", event)


def test_github_actions_environment_drives_the_cli(
    tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, _env, shas = _linear(tmp_path)
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"pull_request": {"base": {"sha": shas[2]}, "head": {"sha": shas[3]}}})
    )
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    result = cli("commits", "--format", "json", cwd=repo)
    assert [f["commit"] for f in json.loads(result.out)["findings"]] == [shas[3]]


def test_git_pre_push_stdin_checks_every_ref(tmp_path: Path) -> None:
    repo, env, shas = _linear(tmp_path)
    run(["git", "update-ref", "refs/remotes/origin/main", shas[1]], repo, env)
    zero = "0" * 40
    stdin = (
        f"refs/heads/main {shas[2]} refs/heads/main {shas[1]}\n"
        f"refs/heads/new {shas[3]} refs/heads/new {zero}\n"
        f"(delete) {zero} refs/heads/gone {shas[0]}\n"
    )
    sel = commit_range.git_pre_push(repo, "origin", stdin)
    assert _commits(repo, sel) == {shas[2], shas[3]}
    with pytest.raises(Exception, match="4 fields"):
        commit_range.git_pre_push(repo, "origin", "garbage\n")


def test_pre_commit_pre_push_environment_adds_unpushed_local_commits(tmp_path: Path) -> None:
    repo, env, shas = _linear(tmp_path)
    run(["git", "update-ref", "refs/remotes/origin/main", shas[0]], repo, env)
    run(["git", "branch", "bad", shas[2]], repo, env)
    sel = commit_range.pre_commit_pre_push(
        repo,
        {
            "PRE_COMMIT_FROM_REF": shas[0],
            "PRE_COMMIT_TO_REF": shas[1],
            "PRE_COMMIT_REMOTE_NAME": "origin",
        },
    )
    assert sel is not None
    assert _commits(repo, sel) == {shas[1], shas[2], shas[3]}
    assert commit_range.pre_commit_pre_push(repo, {}) is None


def test_since_excludes_history_before_adoption(tmp_path: Path, cli: Any) -> None:
    repo, _env, shas = _linear(tmp_path)
    (repo / "chainward.toml").write_text(f'[commits]\nsince = "{shas[2]}"\n')
    result = cli("commits", "--all", "--format", "json", cwd=repo)
    assert {f["commit"] for f in json.loads(result.out)["findings"]} == {shas[2], shas[3]}
    (repo / "chainward.toml").write_text('[commits]\nsince = "no-such-ref"\n')
    assert cli("commits", "--all", cwd=repo).code == 2


def test_post_commit_default_is_head(tmp_path: Path, cli: Any) -> None:
    repo, _env, shas = _linear(tmp_path)
    result = cli("commits", "--format", "json", cwd=repo)
    assert [f["commit"] for f in json.loads(result.out)["findings"]] == [shas[3]]
    assert cli("commits", "--range", "a...b", cwd=repo).code == 2
