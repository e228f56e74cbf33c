"""Turn a commit and its signature verdict into findings, by the policy. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from chainward.commits import meta
from chainward.commits.meta import CommitsSettings
from chainward.commits.objects import CommitRecord
from chainward.commits.verdict import Status, Verdict
from chainward.commits.webflow import GITHUB_WEB_FLOW_EMAIL
from chainward.core.findings import CheckId, Finding
from chainward.core.schema import read_settings

# GitHub signs commits made on github.com with its "web-flow" OpenPGP key
# (https://github.com/web-flow.gpg); these are the long key ids of its keys (their
# fingerprints, validity dates and the 2017 key ship in data/web-flow-keys.json).
GITHUB_WEB_FLOW_KEY_IDS = ("4AEE18F83AFDEB23", "B5690EEEBB952194")

_STATUS_CHECK: Mapping[Status, CheckId] = {
    Status.UNSIGNED: meta.UNSIGNED_COMMIT,
    Status.BAD: meta.BAD_COMMIT_SIGNATURE,
    Status.UNKNOWN_KEY: meta.UNKNOWN_COMMIT_KEY,
    Status.UNTRUSTED: meta.UNTRUSTED_COMMIT_SIGNER,
    Status.EXPIRED: meta.EXPIRED_COMMIT_SIGNATURE,
    Status.REVOKED: meta.REVOKED_COMMIT_KEY,
    Status.UNVERIFIABLE: meta.UNVERIFIABLE_COMMIT_SIGNATURE,
}

_PROBLEM: Mapping[Status, str] = {
    Status.UNSIGNED: "is not signed",
    Status.BAD: "has a bad signature",
    Status.UNKNOWN_KEY: "is signed by a key the policy does not know",
    Status.UNTRUSTED: "is signed by a signer the policy does not trust",
    Status.EXPIRED: "has an expired signature or key",
    Status.REVOKED: "is signed by a revoked key",
    Status.UNVERIFIABLE: "has a signature chainward cannot check",
}

_FIX: Mapping[Status, str] = {
    Status.UNSIGNED: (
        "set up signing (`chainward commits --setup`, the signing-setup hook, says how), "
        "then re-sign: "
        "`git rebase --exec 'git commit --amend --no-edit -S' <base>`"
    ),
    Status.BAD: (
        "the commit was altered after signing or the signature is corrupt: find out why, "
        "then re-sign it with `git commit --amend --no-edit -S`"
    ),
    Status.UNKNOWN_KEY: (
        "add the signer's public key to the policy ([tool.chainward.commits] openpgp-keys or "
        "allowed-signers), or re-sign with a key it lists"
    ),
    Status.UNTRUSTED: (
        "re-sign with a trusted key, or add the signer to the policy "
        "([tool.chainward.commits] allowed-signers, openpgp-keys/openpgp-fingerprints, "
        "gitsign-identities)"
    ),
    Status.EXPIRED: (
        "extend the key's expiry (`gpg --quick-set-expire`) or its allowed-signers validity, "
        "or re-sign with a current key"
    ),
    Status.REVOKED: "re-sign the commit with a key that is not revoked and review what it changed",
    Status.UNVERIFIABLE: (
        "check it by hand (`git verify-commit <sha>`); when it is good and the commit is "
        "history, set [tool.chainward.commits] since to a later commit, else re-sign it "
        "with a key the policy lists"
    ),
}


def describe(commit: CommitRecord) -> str:
    """``commit 1a2b3c4d5e "subject" by Name <email>`` for messages."""
    author = commit.author
    who = f"{author.name} <{author.email}>" if author.email else author.name or "unknown author"
    subject = commit.subject if len(commit.subject) <= 72 else commit.subject[:69] + "..."
    return f'commit {commit.short} "{subject}" by {who}'


def _finding(check_id: CheckId, commit: CommitRecord, problem: str, fix: str) -> Finding:
    return meta.FAMILY.info(check_id).finding(
        f"{describe(commit)} {problem}", fix=fix, properties={"commit": commit.sha}
    )


def _identity_matches(verdict: Verdict, email: str) -> bool:
    email = email.lower()
    if verdict.kind == "ssh":
        from chainward.commits.ssh import matches_identity

        return matches_identity(verdict.identities, email)
    return email in (i.lower() for i in verdict.identities)


def is_web_flow(verdict: Verdict) -> bool:
    """Whether the signature was made by GitHub's web-flow key."""
    return verdict.kind == "openpgp" and verdict.signer.upper().endswith(GITHUB_WEB_FLOW_KEY_IDS)


def judge(
    commit: CommitRecord, verdict: Verdict, policy: CommitsSettings | Mapping[str, Any]
) -> Iterator[Finding]:
    """The findings for one commit's verdict under the ``[commits]`` policy (the typed
    settings, or the validated table)."""
    settings = read_settings(CommitsSettings, policy)
    committer = commit.committer.email.lower()
    status = verdict.status
    exempt = committer in {e.lower() for e in settings.exempt_committers}
    if exempt and status is Status.GOOD:
        # A bot is exempt only when its commit verifies with a key chainward has (its
        # own key in the policy, or GitHub's web-flow key for GitHub Apps): anyone can
        # type a bot's e-mail (issue 15).
        return
    detail = f": {verdict.detail}" if verdict.detail else ""
    if exempt:
        detail += (
            f" (its committer {committer} is in exempt-committers, but an exemption needs "
            "a signature that verifies: an e-mail alone proves nothing)"
        )
    signer = f" ({verdict.kind} {verdict.signer})" if verdict.signer else ""
    web_flow = is_web_flow(verdict)
    if web_flow and status is Status.GOOD:
        if not settings.allow_github_web_flow:
            yield _finding(
                meta.UNTRUSTED_COMMIT_SIGNER,
                commit,
                f"is signed by GitHub's web-flow key{signer}, which the policy does not accept",
                "set [tool.chainward.commits] allow-github-web-flow = true to accept merges "
                "made on github.com, or re-sign the commit locally",
            )
            return
        if committer != GITHUB_WEB_FLOW_EMAIL:
            yield _finding(
                meta.COMMIT_SIGNER_MISMATCH,
                commit,
                f"is signed by GitHub's web-flow key but committed by {committer}",
                "GitHub signs with its web-flow key the commits it makes (committer "
                "noreply@github.com) and those of GitHub Apps; if this committer is a bot "
                "you trust, add it to [tool.chainward.commits] exempt-committers, else "
                "re-sign the commit with your own key",
            )
        return
    if status is not Status.GOOD:
        yield _finding(
            _STATUS_CHECK[status],
            commit,
            f"{_PROBLEM[status]}{signer}{detail}",
            (verdict.hint or _FIX[status]).replace("<sha>", commit.short),
        )
        return
    if settings.require_committer_match and not _identity_matches(verdict, committer):
        who = ", ".join(verdict.identities) or "no e-mail"
        yield _finding(
            meta.COMMIT_SIGNER_MISMATCH,
            commit,
            f"is signed{signer} by {who}, not by its committer {committer}",
            "commit with the e-mail your key is registered for (`git config user.email`), or "
            "register the key for this e-mail; set require-committer-match = false to allow it",
        )
    if verdict.tlog is False:
        yield _finding(
            meta.COMMIT_TLOG_UNVERIFIED,
            commit,
            f"has a valid gitsign signature{signer} whose transparency-log entry was not "
            f"verified: {verdict.tlog_detail}",
            "sign with gitsign's offline-verifiable mode (it embeds the Rekor entry), or "
            "check the entry online with `gitsign verify`",
        )
