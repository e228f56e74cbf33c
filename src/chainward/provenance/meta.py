"""Checks and policy keys of the provenance family (standard library and core only)."""

from __future__ import annotations

from collections.abc import Mapping

from chainward.core.findings import CheckId, Severity
from chainward.core.intoto import SLSA_PROVENANCE_V1
from chainward.core.registry import CheckInfo, Family
from chainward.core.schema import KeySpec

UNVERIFIED_ATTESTATION = CheckId("unverified-attestation")


def ci_verification_family(
    name: str,
    summary: str,
    *,
    check_id: CheckId,
    check_summary: str,
    hook: str,
    policy: Mapping[str, KeySpec],
) -> Family:
    """The family of a CI verification command (its hook id): one high-severity check
    that the command reports, no scanner, not run by ``chainward check``."""
    check = CheckInfo(
        check_id, check_summary, Severity.HIGH, family=name, stages=("ci",), hook=hook
    )
    return Family(
        name=name, summary=summary, checks=(check,), scanner=None, in_check=False, policy=policy
    )


FAMILY = ci_verification_family(
    "provenance",
    "SLSA provenance: emit, sign and verify attestations offline",
    check_id=UNVERIFIED_ATTESTATION,
    check_summary="An artifact's attestation (Sigstore bundle, DSSE envelope or PEP 740 "
    "provenance) does not verify: bad signature, certificate, log entry, signer "
    "identity, subject digest, predicate type, builder or source repository.",
    hook="verify-attestation",
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

UNVERIFIED_ATTESTATION_CHECK = FAMILY.info(UNVERIFIED_ATTESTATION)
