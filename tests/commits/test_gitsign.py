"""gitsign (x509 CMS) commits: the shared vectors give the verdicts their README lists."""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from chainward.commits.checks import judge
from chainward.commits.gitsign import GitsignTrust, parse_rekor_entry
from chainward.commits.meta import FAMILY
from chainward.commits.objects import CommitRecord, parse_commit, read_commits
from chainward.commits.verdict import Status
from chainward.core.schema import validate_table

from .helpers import base_env, run

DATA = Path(__file__).resolve().parent.parent / "data" / "commits" / "gitsign"
BILLY = {"identity": "billy@chainguard.dev", "issuer": "https://accounts.google.com"}
CPANATO = {
    "identity-regex": r"[0-9]+\+cpanato@users\.noreply\.github\.com",
    "issuer": "https://github.com/login/oauth",
}


def policy(*identities: dict[str, str], **more: Any) -> dict[str, Any]:
    values = {"gitsign-identities": list(identities), **more}
    return validate_table(values, FAMILY.policy, where="test", key_path="commits")


def vector(name: str) -> CommitRecord:
    return parse_commit(name, (DATA / f"{name}.commit").read_bytes())


def verify(name: str, *identities: dict[str, str]) -> Any:
    record = vector(name)
    assert record.signature is not None
    return GitsignTrust.from_policy(policy(*identities)).verify(record.payload, record.signature)


def test_embedded_rekor_entry_is_good_offline() -> None:
    verdict = verify("dc68e8ce", BILLY)
    assert verdict.status is Status.GOOD
    assert verdict.tlog is True
    assert verdict.identities == ("billy@chainguard.dev",)


def test_online_mode_signature_is_good_but_tlog_unverified() -> None:
    verdict = verify("80702be3", CPANATO)
    assert verdict.status is Status.GOOD
    assert verdict.tlog is False
    assert "does not embed" in verdict.tlog_detail


def test_prototype_layout_is_reported_unsupported() -> None:
    verdict = verify("c47e8bf5", BILLY)
    assert verdict.status is Status.GOOD
    assert verdict.tlog is False
    assert "prototype" in verdict.tlog_detail


def test_tampered_message_is_bad() -> None:
    verdict = verify("dc68e8ce.tampered-message", BILLY)
    assert verdict.status is Status.BAD
    assert "messageDigest" in verdict.detail


def test_identity_and_issuer_must_both_match() -> None:
    assert verify("dc68e8ce").status is Status.UNTRUSTED
    wrong_issuer = {**BILLY, "issuer": "https://github.com/login/oauth"}
    assert verify("dc68e8ce", wrong_issuer).status is Status.UNTRUSTED
    regex = {"identity-regex": r".*@chainguard\.dev", "issuer-regex": r"https://accounts\..*"}
    assert verify("dc68e8ce", regex).status is Status.GOOD
    partial = {"identity-regex": r"billy", "issuer": BILLY["issuer"]}  # must match in full
    assert verify("dc68e8ce", partial).status is Status.UNTRUSTED


def _resign(record: CommitRecord, mutate: Any) -> CommitRecord:
    assert record.signature is not None
    lines = record.signature.strip().split(b"\n")
    der = bytearray(base64.b64decode(b"".join(lines[1:-1])))
    mutate(der)
    body = base64.b64encode(bytes(der))
    armored = lines[0] + b"\n" + body + b"\n" + lines[-1] + b"\n"
    return replace(record, signature=armored)


def test_tampered_signed_entry_timestamp_is_bad() -> None:
    record = vector("dc68e8ce")
    assert record.signature is not None
    der = base64.b64decode(b"".join(record.signature.strip().split(b"\n")[1:-1]))
    entry_start = der.find(b"\x08\x80\x98\xb2\xde\x08")  # the entry's log index field
    assert entry_start > 0
    entry = parse_rekor_entry(der[entry_start : entry_start + 1035])
    position = der.find(entry.signed_entry_timestamp) + 20

    def flip(data: bytearray) -> None:
        data[position] ^= 0x01

    bad = _resign(record, flip)
    assert bad.signature is not None
    verdict = GitsignTrust.from_policy(policy(BILLY)).verify(bad.payload, bad.signature)
    assert verdict.status is Status.BAD
    assert "Rekor" in verdict.detail


@pytest.mark.parametrize("cut", [10, 200, 1000, 2000])
def test_truncated_cms_is_unverifiable_not_bad_nor_a_crash(cut: int) -> None:
    # A signature nobody can read proves neither tampering nor a good signer (issue 15).
    def truncate(data: bytearray) -> None:
        del data[cut:]

    bad = _resign(vector("dc68e8ce"), truncate)
    assert bad.signature is not None
    verdict = GitsignTrust.from_policy(policy(BILLY)).verify(bad.payload, bad.signature)
    assert verdict.status is Status.UNVERIFIABLE
    assert "cannot be read" in verdict.detail


def test_findings_for_the_vectors() -> None:
    table = policy(BILLY, CPANATO, **{"require-committer-match": False})
    trust = GitsignTrust.from_policy(table)
    ids = {}
    for name in ("dc68e8ce", "80702be3", "c47e8bf5", "dc68e8ce.tampered-message"):
        record = vector(name)
        assert record.signature is not None
        ids[name] = [
            f.check_id for f in judge(record, trust.verify(record.payload, record.signature), table)
        ]
    assert ids == {
        "dc68e8ce": [],
        "80702be3": ["commit-tlog-unverified"],
        "c47e8bf5": ["commit-tlog-unverified"],
        "dc68e8ce.tampered-message": ["bad-commit-signature"],
    }


def test_vectors_through_git_objects(tmp_path: Path, cli: Any) -> None:
    """The vectors written into a real repository keep their SHAs and verdicts."""
    env = base_env(tmp_path)
    repo = tmp_path / "repo"
    run(["git", "init", "-q", "-b", "main", str(repo)], tmp_path, env)
    shas = {}
    for name in ("dc68e8ce", "80702be3"):
        data = (DATA / f"{name}.commit").read_bytes()
        shas[name] = run(
            ["git", "hash-object", "-t", "commit", "-w", "--literally", "--stdin"], repo, env, data
        ).strip()
        assert shas[name].startswith(name)
    from chainward.commits.scan import CommitTrust, verify_commit

    trust = CommitTrust(repo, policy(BILLY, CPANATO))
    verdicts = {r.sha[:8]: verify_commit(r, trust) for r in read_commits(repo, shas.values())}
    assert verdicts["dc68e8ce"].status is Status.GOOD and verdicts["dc68e8ce"].tlog
    assert verdicts["80702be3"].status is Status.GOOD and verdicts["80702be3"].tlog is False
    # A dangling commit whose parent is absent cannot form a range: exit 2, never a trace.
    (repo / "chainward.toml").write_text(
        '[commits]\ngitsign-identities = [{identity = "x", issuer = "y"}]\n'
    )
    result = cli("commits", "--range", f"{shas['dc68e8ce']}~1..{shas['dc68e8ce']}", cwd=repo)
    assert result.code == 2
    assert "fetch the full history (actions/checkout fetch-depth: 0)" in result.err


@pytest.mark.parametrize(
    "rule",
    [
        {"issuer": "https://accounts.google.com"},
        {"identity": "a", "identity-regex": "a", "issuer": "x"},
        {"identity": "a"},
        {"identity-regex": "(", "issuer": "x"},
    ],
)
def test_invalid_identity_rules_are_config_errors(rule: dict[str, str]) -> None:
    from chainward.core.errors import ConfigError

    with pytest.raises(ConfigError):
        GitsignTrust.from_policy(policy(rule))
