"""Checks and policy keys of the commits family (standard library and core only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chainward.core.findings import Severity
from chainward.core.registry import CheckList, Family
from chainward.core.schema import KeySpec, policy_keys, setting

HOOK = "verify-signed-commits"
_STAGES = ("pre-push", "post-commit", "manual", "ci")


_check = CheckList("commits", stages=_STAGES, hook=HOOK)

UNSIGNED_COMMIT = _check("unsigned-commit", "A commit carries no signature.", Severity.HIGH)
BAD_COMMIT_SIGNATURE = _check(
    "bad-commit-signature",
    "A commit's signature was read and does not verify over the commit: the commit "
    "was altered after signing.",
    Severity.CRITICAL,
)
UNVERIFIABLE_COMMIT_SIGNATURE = _check(
    "unverifiable-commit-signature",
    "A commit carries a signature chainward cannot check: no verifier reads it, or "
    "its key is not available (e.g. GitHub's current web-flow key); neither good "
    "nor bad.",
    Severity.MEDIUM,
)
UNKNOWN_COMMIT_KEY = _check(
    "unknown-commit-key",
    "A commit is signed by a key the policy does not have, so it cannot be checked.",
    Severity.HIGH,
)
UNTRUSTED_COMMIT_SIGNER = _check(
    "untrusted-commit-signer",
    "A commit's signature is valid but its signer is not trusted by the policy.",
    Severity.HIGH,
)
EXPIRED_COMMIT_SIGNATURE = _check(
    "expired-commit-signature",
    "A commit is signed by an expired key, or its signature has expired, or the key "
    "was not valid at the commit's time.",
    Severity.MEDIUM,
)
REVOKED_COMMIT_KEY = _check(
    "revoked-commit-key",
    "A commit is signed by a revoked key.",
    Severity.CRITICAL,
)
COMMIT_SIGNER_MISMATCH = _check(
    "commit-signer-mismatch",
    "A commit's signer identity does not match its committer's e-mail.",
    Severity.HIGH,
)
COMMIT_TLOG_UNVERIFIED = _check(
    "commit-tlog-unverified",
    "A gitsign commit's transparency-log entry could not be verified offline.",
    Severity.LOW,
)
SIGNING_SETUP = _check(
    "signing-setup",
    "This committer's git signing set-up would not produce commits that pass the policy.",
    Severity.HIGH,
    stages=("pre-commit",),
    hook=None,
)


IDENTITY_KEYS = {
    "identity": KeySpec("str", "", "The certificate identity (SAN: e-mail or URI), exactly."),
    "identity-regex": KeySpec(
        "str", "", "A regular expression the whole identity must match (instead of `identity`)."
    ),
    "issuer": KeySpec(
        "str", "", "The OIDC issuer, exactly, e.g. `https://github.com/login/oauth`."
    ),
    "issuer-regex": KeySpec(
        "str", "", "A regular expression the whole issuer must match (instead of `issuer`)."
    ),
}


@dataclass(frozen=True, slots=True)
class CommitsSettings:
    """``[tool.chainward.commits]``, typed: the one declaration of its keys."""

    allowed_signers: str = setting(
        KeySpec(
            "str",
            "",
            "Path (relative to the root) of an SSH allowed-signers file in git's format "
            "(`principals [options] key`, with `namespaces=`, `valid-after=`, `valid-before=`). "
            "Its keys are trusted for the principals it lists.",
        )
    )
    openpgp_keys: tuple[str, ...] = setting(
        KeySpec(
            "list[str]",
            [],
            "Paths (relative to the root) of armored OpenPGP public keys (one or more keys "
            "per file). Their fingerprints are trusted.",
        )
    )
    openpgp_fingerprints: tuple[str, ...] = setting(
        KeySpec(
            "list[str]",
            [],
            "When not empty, only these primary-key fingerprints among `openpgp-keys` are "
            "trusted; the other keys still verify signatures but their signers are untrusted "
            "(like keys in a keyring without owner trust).",
        )
    )
    gitsign_identities: tuple[dict[str, Any], ...] = setting(
        KeySpec(
            "list[table]",
            [],
            "Trusted gitsign (Sigstore keyless) signers: tables with `identity` or "
            "`identity-regex`, and `issuer` or `issuer-regex`.",
            keys=IDENTITY_KEYS,
        )
    )
    require_committer_match: bool = setting(
        KeySpec(
            "bool",
            True,
            "The signer (SSH principal, an OpenPGP user-id e-mail, the gitsign identity) must "
            "equal the committer's e-mail.",
        )
    )
    exempt_committers: tuple[str, ...] = setting(
        KeySpec(
            "list[str]",
            [],
            "Committer e-mails of bots whose commits are accepted when their signature "
            "verifies with a key chainward has (the policy's keys, or GitHub's web-flow key "
            "that signs Dependabot's and other GitHub Apps' commits), e.g. "
            '`"49699333+dependabot[bot]@users.noreply.github.com"`. An e-mail alone proves '
            "nothing: an unsigned or unverifiable commit with it is judged like any other.",
        )
    )
    allow_github_web_flow: bool = setting(
        KeySpec(
            "bool",
            False,
            "Accept commits made on github.com (committer `noreply@github.com`) that are "
            "signed by GitHub's web-flow key. chainward ships the keys' fingerprints and "
            "validity dates and the 2017 key (a signature counts when made inside its key's "
            "validity); to verify commits by the key in use since 2024 offline, download "
            "https://github.com/web-flow.gpg into the repository and list it in "
            "`openpgp-keys`, else they are `unverifiable-commit-signature`.",
        )
    )
    since: str = setting(
        KeySpec(
            "str",
            "",
            "A commit (SHA or ref): its ancestors are history from before adoption and are "
            "not judged; it and its descendants are. `chainward init` proposes it from the "
            "history (the oldest commit from which every commit passes).",
        )
    )
    revoked_keys: tuple[str, ...] = setting(
        KeySpec(
            "list[str]",
            [],
            "Revoked keys: OpenPGP fingerprints (primary or subkey, hex) and SSH key "
            "fingerprints (`SHA256:...`). Signatures by them are `revoked-commit-key`.",
        )
    )
    ssh_revoked_keys: str = setting(
        KeySpec(
            "str",
            "",
            "Path (relative to the root) of a file of revoked SSH public keys, one per line "
            "(the plain-key form of git's `gpg.ssh.revocationFile`; binary KRLs are refused).",
        )
    )


FAMILY = Family(
    name="commits",
    summary="Signed commits: who may sign, checked for every pushed and pull-request commit",
    checks=_check.infos,
    scanner=None,
    in_check=False,
    policy=policy_keys(CommitsSettings),
)
