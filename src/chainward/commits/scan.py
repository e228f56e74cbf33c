"""Verify a set of commits against the ``[commits]`` policy: the family's driver.

Reads the policy's key files (bounded), reads the commits in bulk, verifies each
signature in-process with the verifier its armor names, and judges the verdicts.
Heavy libraries (pysequoia, cryptography, sigstore) load only when a signature of
their kind is met.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from chainward.commits.checks import judge
from chainward.commits.meta import CommitsSettings
from chainward.commits.objects import CommitRecord, read_commits
from chainward.commits.verdict import Status, Verdict, signature_kind
from chainward.core.bounded import read_bounded
from chainward.core.findings import Finding
from chainward.core.schema import read_settings

MAX_KEY_FILE_BYTES = 4 << 20


def read_policy_file(root: Path, rel: str, what: str) -> bytes:
    """A file the policy names, relative to the root, read with a size bound."""
    return read_bounded(
        root / rel,
        MAX_KEY_FILE_BYTES,
        what=f"the {what}",
        hint="fix the path in [tool.chainward.commits]",
        limit_text="4 MiB",
    )


class CommitTrust:
    """The policy's trust anchors, parsed on first use.

    ``policy`` may be given as the validated ``[commits]`` table; it is kept typed.
    """

    def __init__(self, root: Path, policy: CommitsSettings | Mapping[str, Any]) -> None:
        self.root = root
        self.policy: CommitsSettings = read_settings(CommitsSettings, policy)
        self._openpgp: Any = None
        self._ssh: Any = None
        self._gitsign: Any = None
        self.cache: dict[bytes, Verdict] = {}

    def openpgp(self) -> Any:
        """The OpenPGP keyring of ``openpgp-keys``."""
        if self._openpgp is None:
            from chainward.commits.openpgp import load_keyring

            files = [
                (rel, read_policy_file(self.root, rel, "OpenPGP key file"))
                for rel in self.policy.openpgp_keys
            ]
            self._openpgp = load_keyring(files, self.policy.openpgp_fingerprints)
        return self._openpgp

    def ssh(self) -> Any:
        """The SSH allowed signers and revoked keys."""
        if self._ssh is None:
            from chainward.commits.ssh import load_trust

            allowed_rel = self.policy.allowed_signers
            revoked_rel = self.policy.ssh_revoked_keys
            allowed = (
                (
                    allowed_rel,
                    read_policy_file(self.root, allowed_rel, "allowed-signers file").decode(
                        "utf-8", "replace"
                    ),
                )
                if allowed_rel
                else None
            )
            revoked = (
                (revoked_rel, read_policy_file(self.root, revoked_rel, "revoked SSH keys file"))
                if revoked_rel
                else None
            )
            self._ssh = load_trust(allowed, revoked, self.policy.revoked_keys)
        return self._ssh

    def gitsign(self) -> Any:
        """The gitsign verifier (trusted root and identities)."""
        if self._gitsign is None:
            from chainward.commits.gitsign import GitsignTrust

            self._gitsign = GitsignTrust.from_policy(self.policy)
        return self._gitsign


def _revoked_openpgp(verdict: Verdict, policy: CommitsSettings) -> bool:
    revoked = {r.upper().replace(" ", "") for r in policy.revoked_keys}
    return bool(verdict.signer) and any(
        verdict.signer.upper().endswith(r) for r in revoked if not r.startswith("SHA256:")
    )


def verify_commit(commit: CommitRecord, trust: CommitTrust) -> Verdict:
    """The signature verdict of one commit."""
    if commit.signature is None:
        return Verdict(Status.UNSIGNED)
    kind = signature_kind(commit.signature)
    if kind == "openpgp":
        from chainward.commits.openpgp import verify as verify_openpgp
        from chainward.commits.webflow import verify_web_flow

        keyring = trust.openpgp()
        verdict = verify_web_flow(commit.payload, commit.signature, keyring) or verify_openpgp(
            keyring, commit.payload, commit.signature
        )
        if verdict.status is Status.UNVERIFIABLE and verdict.unreadable:
            from chainward.commits.gpgverify import verify_with_gpg

            verdict = verify_with_gpg(keyring, commit.payload, commit.signature, verdict.detail)
        if verdict.status is not Status.BAD and _revoked_openpgp(verdict, trust.policy):
            return Verdict(Status.REVOKED, "openpgp", verdict.signer, "the policy revokes this key")
        return verdict
    if kind == "ssh":
        from chainward.commits.ssh import verify as verify_ssh

        return verify_ssh(trust.ssh(), commit.payload, commit.signature, commit.committer.timestamp)
    if kind == "x509":
        gitsign_verdict: Verdict = trust.gitsign().verify(commit.payload, commit.signature)
        return gitsign_verdict
    return Verdict(
        Status.UNVERIFIABLE,
        "",
        detail="the signature header holds no signature format chainward knows "
        "(OpenPGP, SSH or x509/gitsign)",
        hint="verify it by hand with `git verify-commit`; if it is good, set `since` past it "
        "or re-sign it with a format the policy lists",
    )


# Above this many signed commits, verification is spread over forked workers (below it,
# forking costs more than it saves; measured with benchmarks/commits.py).
PARALLEL_THRESHOLD = 5000
_WORKER: dict[str, CommitTrust] = {}
"""The trust the forked workers inherit (set just before the fork)."""


def _judge_all(commits: Sequence[CommitRecord], trust: CommitTrust) -> list[Finding]:
    findings: list[Finding] = []
    for commit in commits:
        findings.extend(judge(commit, verify_commit(commit, trust), trust.policy))
    return findings


def _worker(commits: Sequence[CommitRecord]) -> list[Finding]:
    return _judge_all(commits, _WORKER["trust"])


def _preload(commits: Sequence[CommitRecord], trust: CommitTrust) -> None:
    """Parse the trust anchors (and import the verifiers) once, before forking."""
    kinds = {signature_kind(c.signature) for c in commits if c.signature is not None}
    if "openpgp" in kinds:
        trust.openpgp()
        from chainward.commits import openpgp  # noqa: F401
    if "ssh" in kinds:
        trust.ssh()
    if "x509" in kinds:
        trust.gitsign()


def check_commits(
    repo: Path, shas: Iterable[str], trust: CommitTrust, object_format: str | None = None
) -> tuple[list[Finding], int]:
    """Verify and judge the commits; return the findings and how many were read.

    Large sets are verified by forked worker processes (one per CPU, at most 4) where
    ``fork`` exists; the verdicts do not depend on it.
    """
    commits = list(read_commits(repo, shas, object_format))
    findings = judge_commits(commits, trust)
    if not trust.policy.since and any(not c.parents for c in commits):
        findings = with_baseline_fix(commits, findings)
    return findings, len(commits)


def with_baseline_fix(commits: Sequence[CommitRecord], findings: list[Finding]) -> list[Finding]:
    """Give the findings on old history the baseline fix (``since``), not a rewrite.

    Used when the policy has no ``since`` and the commits reach back to a root commit:
    the first run (``--all``, or the first push of an existing repository) over history
    that predates the policy. A pull request's or an ordinary push's commits never reach
    a root, so their fix stays "re-sign": they are new, and a baseline must not excuse
    them.
    """
    from dataclasses import replace

    from chainward.commits.baseline import propose_since

    failing = {str(f.properties.get("commit")) for f in findings}
    baseline = propose_since(commits, failing)
    if baseline is None or not baseline.history:
        return findings
    fix = (
        "this commit is history from before the signing policy; rather than rewriting "
        f'published history, set [tool.chainward.commits] since = "{baseline.sha}" '
        "(its ancestors are not judged; `chainward init` writes it)"
    )
    return [
        replace(f, fix=fix) if f.properties.get("commit") in baseline.history else f
        for f in findings
    ]


def judge_commits(commits: Sequence[CommitRecord], trust: CommitTrust) -> list[Finding]:
    """Verify and judge already-read commits (in forked workers for large sets)."""
    signed = sum(1 for c in commits if c.signature is not None)
    workers = min(os.cpu_count() or 1, 4)
    if signed < PARALLEL_THRESHOLD or workers < 2:
        return _judge_all(commits, trust)
    import multiprocessing as mp

    if "fork" not in mp.get_all_start_methods():
        return _judge_all(commits, trust)
    _preload(commits, trust)
    _WORKER["trust"] = trust
    size = -(-len(commits) // (workers * 4))
    chunks = [commits[i : i + size] for i in range(0, len(commits), size)]
    try:
        with mp.get_context("fork").Pool(workers) as pool:
            results = pool.map(_worker, chunks)
    finally:
        _WORKER.clear()
    return [f for chunk in results for f in chunk]
