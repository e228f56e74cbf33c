"""GitHub web-flow signatures: real commit objects verify offline with the shipped key.

The commit objects in tests/data/commits/webflow/ are real (see its README); they are
written into a temp repository with `git hash-object --literally` and read back through
the same bulk reader and verifier the CLI uses.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from chainward.commits.checks import judge
from chainward.commits.meta import FAMILY
from chainward.commits.objects import Person, read_commits
from chainward.commits.scan import CommitTrust, check_commits, verify_commit
from chainward.commits.verdict import Status
from chainward.commits.webflow import verify_web_flow, web_flow_keys
from chainward.core.schema import validate_table

from .helpers import base_env, run

DATA = Path(__file__).resolve().parent.parent / "data" / "commits" / "webflow"
OLD_KEY = {
    "032e879bf5ff39c08ae0db1f622a5b382a42eaa2",
    "7003cddff774f7101cacabc0a780634792c621ed",
    "bf54136a79cc85b0e4c3915b4e1eb158f43c4b73",
    "8351331d78494a8fd6c9e0772fea95d4d04f6de6",
    "ba3f3cd54b0e5b8ce1ab3de13e32122d0d5f98ab",
    "f83cb83a4220e626e0e43c7481126c251072e3e9",
}
NEW_KEY = {
    "4e7e0d47f33bc71070c1d38394bafbb52b117163",
    "d47ed3ef6071491f3b7d77382f629230682b4f28",
    "5d602fdbff04c33c1c4de55cda9d4ae1d7cb7e40",
    "5bfa8cfdfbd0698cc792901bcb81f57d60009ea6",
    "1f8fc975d3f679035f55d9838158ab688e39a82e",
}


def table(**values: Any) -> dict[str, Any]:
    return validate_table(values, FAMILY.policy, where="test", key_path="commits")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("webflow")
    env = base_env(tmp)
    path = tmp / "repo"
    run(["git", "init", "-q", str(path)], tmp, env)
    for file in sorted(DATA.glob("*.commit")):
        sha = run(
            ["git", "hash-object", "-t", "commit", "-w", "--literally", str(file)], path, env
        ).strip()
        assert sha == file.stem  # the object is byte-for-byte the real commit
    return path


def verdicts(repo: Path, policy: dict[str, Any]) -> dict[str, Any]:
    trust = CommitTrust(repo, policy)
    return {r.sha: verify_commit(r, trust) for r in read_commits(repo, OLD_KEY | NEW_KEY)}


def test_shipped_keys_have_fingerprints_and_dates() -> None:
    keys = {k.fingerprint: k for k in web_flow_keys()}
    old = keys["5DE3E0509C47EA3CF04A42D34AEE18F83AFDEB23"]
    new = keys["968479A1AFF927E37D1A566BB5690EEEBB952194"]
    assert old.armored is not None and old.expires is not None
    assert old.created.year == 2017 and old.expires.year == 2024
    assert new.armored is None  # fingerprint only: its public key was not available


def test_old_key_commits_verify_and_new_key_commits_are_unverifiable(repo: Path) -> None:
    found = verdicts(repo, table(**{"allow-github-web-flow": True}))
    for sha in OLD_KEY:
        assert found[sha].status is Status.GOOD, (sha, found[sha])
        assert found[sha].signer == "5DE3E0509C47EA3CF04A42D34AEE18F83AFDEB23"
    for sha in NEW_KEY:
        assert found[sha].status is Status.UNVERIFIABLE, (sha, found[sha])
        assert "B5690EEEBB952194" in found[sha].detail
        assert "web-flow.gpg" in found[sha].hint


def test_bulk_check_accepts_web_flow_and_never_says_bad(repo: Path) -> None:
    # The objects' trees and parents are absent, so the commits are checked through
    # check_commits (what `chainward commits` runs after selecting the range).
    policy = table(**{"allow-github-web-flow": True})
    findings, count = check_commits(repo, sorted(OLD_KEY | NEW_KEY), CommitTrust(repo, policy))
    assert count == len(OLD_KEY | NEW_KEY)
    assert {f.check_id for f in findings} == {"unverifiable-commit-signature"}
    assert {f.properties["commit"] for f in findings} == NEW_KEY
    assert all(f.severity.label == "medium" for f in findings)
    assert all("web-flow.gpg" in (f.fix or "") for f in findings)


def test_web_flow_is_opt_in(repo: Path) -> None:
    (record,) = read_commits(repo, ["032e879bf5ff39c08ae0db1f622a5b382a42eaa2"])
    verdict = verify_commit(record, CommitTrust(repo, table()))
    findings = list(judge(record, verdict, table()))
    assert [f.check_id for f in findings] == ["untrusted-commit-signer"]


def test_tampered_web_flow_commit_is_bad(repo: Path) -> None:
    (record,) = read_commits(repo, ["bf54136a79cc85b0e4c3915b4e1eb158f43c4b73"])
    altered = record.payload.replace(b"\n\n", b"\n\nEvil ", 1)
    assert altered != record.payload
    assert record.signature is not None
    verdict = verify_web_flow(altered, record.signature, None)
    assert verdict is not None and verdict.status is Status.BAD


def test_signature_outside_the_old_keys_validity_does_not_count(repo: Path) -> None:
    (record,) = read_commits(repo, ["032e879bf5ff39c08ae0db1f622a5b382a42eaa2"])
    assert record.signature is not None
    old = next(k for k in web_flow_keys() if k.armored)
    # Made on 2024-01-16 01:53Z, the old key's last day: inside its validity.
    assert verify_web_flow(record.payload, record.signature, None).status is Status.GOOD  # type: ignore[union-attr]
    from chainward.commits import webflow

    shortened = replace(old, expires=old.expires.replace(day=15))  # type: ignore[union-attr]
    original = webflow.web_flow_keys
    try:
        webflow.web_flow_keys = lambda: (shortened,)  # type: ignore[assignment]
        late = verify_web_flow(record.payload, record.signature, None)
    finally:
        webflow.web_flow_keys = original  # type: ignore[assignment]
    assert late is not None and late.status is Status.EXPIRED
    assert "outside the web-flow key's validity" in late.detail


def test_dependabot_email_needs_a_verified_signature(repo: Path, tmp_path: Path) -> None:
    bot = "49699333+dependabot[bot]@users.noreply.github.com"
    policy = table(**{"exempt-committers": [bot]})
    # An unsigned commit that types Dependabot's e-mail is flagged.
    env = base_env(tmp_path, GIT_COMMITTER_EMAIL=bot, GIT_COMMITTER_NAME="dependabot[bot]")
    other = tmp_path / "other"
    run(["git", "init", "-q", str(other)], tmp_path, env)
    run(["git", "commit", "-q", "--allow-empty", "-m", "Bump torch"], other, env)
    (unsigned,) = read_commits(other, [run(["git", "rev-parse", "HEAD"], other, env).strip()])
    assert unsigned.committer.email == bot
    flagged = list(judge(unsigned, verify_commit(unsigned, CommitTrust(other, policy)), policy))
    assert [f.check_id for f in flagged] == ["unsigned-commit"]
    # A Dependabot commit signed by GitHub's web-flow key (verified) is exempt.
    (signed,) = read_commits(repo, ["bf54136a79cc85b0e4c3915b4e1eb158f43c4b73"])
    as_bot = replace(signed, committer=Person("dependabot[bot]", bot, signed.committer.timestamp))
    verdict = verify_commit(signed, CommitTrust(repo, policy))
    assert verdict.status is Status.GOOD
    assert list(judge(as_bot, verdict, policy)) == []
    # The same e-mail on a commit by the not-shipped key stays unverifiable.
    (new,) = read_commits(repo, ["4e7e0d47f33bc71070c1d38394bafbb52b117163"])
    new_bot = replace(new, committer=Person("dependabot[bot]", bot, new.committer.timestamp))
    verdict = verify_commit(new, CommitTrust(repo, policy))
    assert [f.check_id for f in judge(new_bot, verdict, policy)] == [
        "unverifiable-commit-signature"
    ]
