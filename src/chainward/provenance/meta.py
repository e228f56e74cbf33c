"""Checks and policy keys of the provenance family (standard library and core only)."""

from __future__ import annotations

from chainward.core.findings import CheckId, Severity
from chainward.core.intoto import SLSA_PROVENANCE_V1
from chainward.core.registry import CheckInfo, Family
from chainward.core.schema import KeySpec

UNVERIFIED_ATTESTATION = CheckId("unverified-attestation")


def ci_verification_check(check_id: CheckId, summary: str, family: str, hook: str) -> CheckInfo:
    """A high-severity check that a CI verification command runs (its hook id)."""
    return CheckInfo(check_id, summary, Severity.HIGH, family=family, stages=("ci",), hook=hook)


UNVERIFIED_ATTESTATION_CHECK = ci_verification_check(
    UNVERIFIED_ATTESTATION,
    "An artifact's attestation (Sigstore bundle, DSSE envelope or PEP 740 "
    "provenance) does not verify: bad signature, certificate, log entry, signer "
    "identity, subject digest, predicate type, builder or source repository.",
    family="provenance",
    hook="verify-attestation",
)

FAMILY = Family(
    name="provenance",
    summary="SLSA provenance: emit, sign and verify attestations offline",
    checks=(UNVERIFIED_ATTESTATION_CHECK,),
    scanner=None,
    in_check=False,
    policy={
        "cert-identity-regexp": KeySpec(
            "str",
            "",
            "Default for `verify-attestation --cert-identity-regexp`: the signer's "
            "certificate identity (SAN), matched as a whole, e.g. "
            '`"https://github\\\\.com/acme/app/\\\\.github/workflows/release\\\\.yml@refs/tags/.*"`.',
        ),
        "cert-oidc-issuer": KeySpec(
            "str",
            "",
            "Default for `verify-attestation --cert-oidc-issuer`, e.g. "
            "`https://token.actions.githubusercontent.com`.",
        ),
        "repository": KeySpec(
            "str",
            "",
            "Default for `verify-attestation --repository`: the `owner/repo` the "
            "certificate and the provenance must name as source.",
        ),
        "predicate-types": KeySpec(
            "list[str]",
            [SLSA_PROVENANCE_V1],
            "Predicate types `verify-attestation` accepts in DSSE statements.",
        ),
        "model-lock": KeySpec(
            "str",
            "chainward.lock",
            "The model lock whose files `attest` records in resolvedDependencies (root-relative).",
        ),
    },
)
