"""Signatures the first verifier refuses: real gpg keys and real git commits.

* an SHA-1 signature whose arithmetic holds is unverifiable (not bad); altered, it is bad;
* a signature with two signature packets (two `-u` keys) is not read by chainward's own
  readers: gpg, the second verifier, decides, and the trust decision stays the policy's;
* a brainpoolP256r1 signature, which this build of Sequoia refuses: it used to be
  reported bad (a false critical); chainward checks its arithmetic and gpg decides.
"""

from __future__ import annotations

import shutil
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

from .helpers import base_env, gpg_export, gpg_gen_key, gpg_kill, gpg_wrapper, run, tamper

pytestmark = pytest.mark.skipif(shutil.which("gpg") is None, reason="needs gpg")


@dataclass
class World:
    repo: Path
    commits: dict[str, str]
    policy: dict[str, Any]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("unreadable")
    signer, home = tmp / "s", tmp / "home"
    home.mkdir()
    ada = gpg_gen_key(signer, "Ada Tester <ada@example.com>")
    bob = gpg_gen_key(signer, "Bob <bob@example.com>")
    env = base_env(home, GNUPGHOME=str(signer))
    uid = "Cleo <cleo@example.com>"
    run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key", uid, "brainpoolP256r1"], tmp, env)
    listing = run(["gpg", "--with-colons", "--list-keys", uid], tmp, env)
    cleo = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr"))
    repo = tmp / "repo"
    run(["git", "init", "-q", "-b", "main", str(repo)], tmp, env)
    sha1 = gpg_wrapper(tmp / "gpg-sha1", "--digest-algo", "SHA1")
    double = gpg_wrapper(tmp / "gpg-two", "-u", bob)
    commits: dict[str, str] = {}
    for name, program in (("sha1", sha1), ("two-signers", double)):
        run(
            [
                "git",
                "-c",
                f"user.signingkey={ada}",
                "-c",
                f"gpg.program={program}",
                "commit",
                "-q",
                "--allow-empty",
                "-S",
                "-m",
                name,
            ],
            repo,
            env,
        )
        commits[name] = run(["git", "rev-parse", "HEAD"], repo, env).strip()
    run(
        ["git", "-c", f"user.signingkey={cleo}", "commit", "-q", "--allow-empty", "-S", "-m", "bp"],
        repo,
        env,
    )
    commits["brainpool"] = run(["git", "rev-parse", "HEAD"], repo, env).strip()
    commits["brainpool-altered"] = tamper(repo, env, commits["brainpool"], b"bp", b"bq")
    commits["sha1-altered"] = tamper(repo, env, commits["sha1"], b"sha1", b"shaX")
    commits["two-altered"] = tamper(repo, env, commits["two-signers"], b"two-", b"two+")
    (repo / "keys").mkdir()
    (repo / "keys" / "ada.asc").write_bytes(gpg_export(signer, ada))
    (repo / "keys" / "cleo.asc").write_bytes(gpg_export(signer, cleo))
    policy = validate_table(
        {"openpgp-keys": ["keys/ada.asc", "keys/cleo.asc"], "require-committer-match": False},
        FAMILY.policy,
        where="test",
        key_path="commits",
    )
    yield World(repo, commits, policy)
    gpg_kill(signer)


def _verdicts(world: World) -> dict[str, Any]:
    trust = CommitTrust(world.repo, world.policy)
    names = {sha: name for name, sha in world.commits.items()}
    return {names[r.sha]: verify_commit(r, trust) for r in read_commits(world.repo, names)}


def test_sha1_signature_is_unverifiable_and_altered_is_bad(world: World) -> None:
    found = _verdicts(world)
    assert found["sha1"].status is Status.UNVERIFIABLE
    assert "SHA-1" in found["sha1"].detail
    assert found["sha1-altered"].status is Status.BAD


def test_two_signature_packets_go_to_gpg(world: World) -> None:
    verdict = _verdicts(world)["two-signers"]
    # gpg reads it; Ada's key is in the policy, so the signature is good and hers.
    assert verdict.status is Status.GOOD, verdict
    assert verdict.identities == ("ada@example.com",)
    # Altered after signing, gpg reports BADSIG: a parsed signature that fails is bad.
    assert _verdicts(world)["two-altered"].status is Status.BAD


def test_without_gpg_it_stays_unverifiable(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # Machines without gpg: the lookup gpgverify makes finds nothing.
    from chainward.commits import gpgverify

    monkeypatch.setattr(gpgverify.shutil, "which", lambda _name: None)
    verdict = _verdicts(world)["two-signers"]
    assert verdict.status is Status.UNVERIFIABLE
    assert "gpg (the second verifier) is not installed" in verdict.detail


def test_a_curve_sequoia_refuses_is_never_bad(world: World) -> None:
    found = _verdicts(world)
    assert found["brainpool"].status is Status.GOOD, found["brainpool"]
    assert found["brainpool-altered"].status is Status.BAD


def test_a_curve_sequoia_refuses_without_gpg_is_unverifiable(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chainward.commits import gpgverify

    monkeypatch.setattr(gpgverify.shutil, "which", lambda _name: None)
    found = _verdicts(world)
    assert found["brainpool"].status is Status.UNVERIFIABLE
    assert found["brainpool-altered"].status is Status.BAD  # the arithmetic fails here
