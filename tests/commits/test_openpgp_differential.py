"""OpenPGP: chainward's verdicts equal ``git log %G?`` (real gpg keys, real commits).

The trust configuration is the same on both sides: git's verifying keyring holds the
policy's ``openpgp-keys`` with ultimate owner trust for ``openpgp-fingerprints``;
the signers' secret keys live in another GNUPGHOME.
"""

from __future__ import annotations

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

from .helpers import (
    base_env,
    git_verdicts,
    gpg_export,
    gpg_gen_key,
    gpg_kill,
    gpg_revoke,
    gpg_wrapper,
    run,
    tamper,
)


def policy_table(**values: Any) -> dict[str, Any]:
    """A validated [commits] table with defaults filled in."""
    return validate_table(values, FAMILY.policy, where="test", key_path="commits")


@dataclass
class World:
    repo: Path
    env: dict[str, str]
    commits: dict[str, str]
    policy: dict[str, Any]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("pgp")
    signer, verifier, home = tmp / "s", tmp / "v", tmp / "home"
    home.mkdir()
    keys = {
        "good": gpg_gen_key(signer, "Ada Tester <ada@example.com>"),
        "untrusted": gpg_gen_key(signer, "Bob <bob@example.com>"),
        "missing": gpg_gen_key(signer, "Carol <carol@example.com>"),
        "expkey": gpg_gen_key(
            signer, "Dave <dave@example.com>", expire="1y", faked_time="20200101T000000"
        ),
        "expsig": gpg_gen_key(signer, "Erin <erin@example.com>", faked_time="20200101T000000"),
        "revoked": gpg_gen_key(signer, "Frank <frank@example.com>"),
    }
    repo = tmp / "repo"
    env = base_env(home, GNUPGHOME=str(signer))
    run(["git", "init", "-q", "-b", "main", str(repo)], tmp, env)
    wrap_key = gpg_wrapper(tmp / "gpg-2020", "--faked-system-time", "20200601T000000")
    wrap_sig = gpg_wrapper(
        tmp / "gpg-sigexp", "--faked-system-time", "20200201T000000", "--default-sig-expire", "1d"
    )

    def commit(message: str, key: str | None, program: Path | None = None, *extra: str) -> str:
        args = ["git"]
        if key:
            args += ["-c", f"user.signingkey={keys[key]}"]
        if program:
            args += ["-c", f"gpg.program={program}"]
        args += ["commit", "-q", "--allow-empty", *extra]
        args += ["-S" if key else "--no-gpg-sign", "-m", message]
        run(args, repo, env)
        return run(["git", "rev-parse", "HEAD"], repo, env).strip()

    c: dict[str, str] = {}
    c["root"] = commit("root commit", "good")
    c["untrusted"] = commit("by bob", "untrusted")
    c["missing"] = commit("by carol", "missing")
    c["expkey"] = commit("by dave in 2020", "expkey", wrap_key)
    c["expsig"] = commit("signature that expires", "expsig", wrap_sig)
    c["revoked"] = commit("by frank", "revoked")
    c["unsigned"] = commit("not signed", None)
    (tmp / "latin1.txt").write_bytes("caf\xe9 cr\xe8me\n\nd\xe9tails\n".encode("latin-1"))
    run(
        [
            "git",
            "-c",
            "i18n.commitEncoding=ISO-8859-1",
            "-c",
            f"user.signingkey={keys['good']}",
            "commit",
            "-q",
            "--allow-empty",
            "-S",
            "-F",
            str(tmp / "latin1.txt"),
        ],
        repo,
        env,
    )
    c["latin1"] = run(["git", "rev-parse", "HEAD"], repo, env).strip()
    run(["git", "checkout", "-q", "-b", "side"], repo, env)
    commit("side work", "good")
    run(
        ["git", "-c", f"user.signingkey={keys['good']}", "tag", "-s", "-m", "release", "v1"],
        repo,
        env,
    )
    run(["git", "checkout", "-q", "main"], repo, env)
    commit("main work", "good")
    run(
        [
            "git",
            "-c",
            f"user.signingkey={keys['good']}",
            "merge",
            "-q",
            "--no-ff",
            "-S",
            "-m",
            "merge signed tag v1",
            "v1",
        ],
        repo,
        env,
    )
    c["mergetag"] = run(["git", "rev-parse", "HEAD"], repo, env).strip()
    raw = run(["git", "cat-file", "commit", c["mergetag"]], repo, env)
    assert "\nmergetag object " in raw
    run(["git", "checkout", "-q", "-b", "side2", "HEAD~1"], repo, env)
    commit("side2 work", "good")
    run(["git", "checkout", "-q", "main"], repo, env)
    run(
        [
            "git",
            "-c",
            f"user.signingkey={keys['good']}",
            "merge",
            "-q",
            "--no-ff",
            "-S",
            "-m",
            "plain merge",
            "side2",
        ],
        repo,
        env,
    )
    c["merge"] = run(["git", "rev-parse", "HEAD"], repo, env).strip()
    c["tampered"] = tamper(repo, env, c["root"], b"root commit", b"r00t commit")
    c["tampered-merge"] = tamper(repo, env, c["mergetag"], b"merge signed tag", b"merge evil tag")

    gpg_revoke(signer, keys["revoked"])
    key_dir = repo / "keys"
    key_dir.mkdir()
    files = []
    for name in ("good", "untrusted", "expkey", "expsig", "revoked"):
        (key_dir / f"{name}.asc").write_bytes(gpg_export(signer, keys[name]))
        files.append(f"keys/{name}.asc")
    verifier.mkdir(mode=0o700)
    venv = base_env(home, GNUPGHOME=str(verifier))
    for rel in files:
        run(["gpg", "--batch", "--import", str(repo / rel)], tmp, venv)
    trusted = [keys[n] for n in ("good", "expkey", "expsig", "revoked")]
    ownertrust = "".join(f"{fpr}:6:\n" for fpr in trusted)
    run(["gpg", "--batch", "--import-ownertrust"], tmp, venv, ownertrust.encode())
    policy = policy_table(**{"openpgp-keys": files, "openpgp-fingerprints": trusted})
    yield World(repo, venv, c, policy)
    gpg_kill(signer)
    gpg_kill(verifier)


EXPECTED = {
    "root": Status.GOOD,
    "untrusted": Status.UNTRUSTED,
    "missing": Status.UNKNOWN_KEY,
    "expkey": Status.EXPIRED,
    "expsig": Status.EXPIRED,
    "revoked": Status.REVOKED,
    "unsigned": Status.UNSIGNED,
    "latin1": Status.GOOD,
    "mergetag": Status.GOOD,
    "merge": Status.GOOD,
    "tampered": Status.BAD,
    "tampered-merge": Status.BAD,
}


def chainward_verdicts(world: World) -> dict[str, Status]:
    trust = CommitTrust(world.repo, world.policy)
    records = read_commits(world.repo, world.commits.values())
    return {r.sha: verify_commit(r, trust).status for r in records}


def test_every_case_has_the_expected_git_verdict(world: World) -> None:
    git = git_verdicts(world.repo, world.env, list(world.commits.values()))
    assert {name: git[sha] for name, sha in world.commits.items()} == EXPECTED


def test_chainward_agrees_with_git(world: World) -> None:
    git = git_verdicts(world.repo, world.env, list(world.commits.values()))
    ours = chainward_verdicts(world)
    assert {n: ours[s] for n, s in world.commits.items()} == {
        n: git[s] for n, s in world.commits.items()
    }


def test_git_verify_commit_passes_exactly_the_good_ones(world: World) -> None:
    ours = chainward_verdicts(world)
    env = {**world.env, "GIT_CONFIG_COUNT": "1"}
    env["GIT_CONFIG_KEY_0"], env["GIT_CONFIG_VALUE_0"] = "gpg.minTrustLevel", "fully"
    for name, sha in world.commits.items():
        proc_ok = True
        try:
            run(["git", "verify-commit", sha], world.repo, env)
        except AssertionError:
            proc_ok = False
        assert proc_ok == (ours[sha] is Status.GOOD), name


def test_cli_reports_each_verdict_with_its_check_id(world: World, cli: Any) -> None:
    pyproject = world.repo / "chainward.toml"
    keys = ", ".join(f'"{k}"' for k in world.policy["openpgp-keys"])
    fprs = ", ".join(f'"{k}"' for k in world.policy["openpgp-fingerprints"])
    pyproject.write_text(f"[commits]\nopenpgp-keys = [{keys}]\nopenpgp-fingerprints = [{fprs}]\n")
    import json

    ids: dict[str, set[str]] = {}
    for name, sha in world.commits.items():
        result = cli("commits", "--range", sha, "--format", "json", cwd=world.repo)
        findings = json.loads(result.out)["findings"]
        assert result.code == (1 if findings else 0)
        ids[name] = {f["check_id"] for f in findings}
        for finding in findings:
            assert finding["commit"] == sha
            assert sha[:10] in finding["message"]
            assert "Ada Tester <ada@example.com>" in finding["message"]
            assert finding["fix"]
    assert ids == {
        "root": set(),
        "untrusted": {"untrusted-commit-signer"},
        "missing": {"unknown-commit-key"},
        "expkey": {"expired-commit-signature"},
        "expsig": {"expired-commit-signature"},
        "revoked": {"revoked-commit-key"},
        "unsigned": {"unsigned-commit"},
        "latin1": set(),
        "mergetag": set(),
        "merge": set(),
        "tampered": {"bad-commit-signature"},
        "tampered-merge": {"bad-commit-signature"},
    }
    latin = cli("commits", "--range", world.commits["latin1"], "--config", str(pyproject))
    assert latin.code == 0


def test_policy_revoked_fingerprint_and_committer_mismatch(world: World) -> None:
    good = world.commits["root"]
    fpr = world.policy["openpgp-fingerprints"][0]
    trust = CommitTrust(world.repo, {**world.policy, "revoked-keys": [fpr.lower()]})
    (record,) = read_commits(world.repo, [good])
    assert verify_commit(record, trust).status is Status.REVOKED
