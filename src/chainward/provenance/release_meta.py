"""The release family: ``[tool.chainward.release]`` and ``verify-release`` (stdlib + core)."""

from __future__ import annotations

from chainward.core.findings import CheckId
from chainward.core.schema import KeySpec
from chainward.provenance.meta import ci_verification_family

RELEASE_POLICY_VIOLATION = CheckId("release-policy-violation")

FAMILY = ci_verification_family(
    "release",
    "Release policy: builder identity, allowed models, required attestations, "
    "SLSA level; a signed SLSA Verification Summary Attestation",
    check_id=RELEASE_POLICY_VIOLATION,
    check_summary="A release artifact does not satisfy [tool.chainward.release]: its "
    "provenance or BOM does not verify, its builder identity, models or SLSA level are not "
    "the ones the policy allows, or a BOM's model hash no longer matches the files.",
    hook="verify-release",
    policy={
        "repository": KeySpec(
            "str",
            "",
            "The repository whose workflow must have built and signed the release "
            '(`owner/repo` on GitHub, or a URL), e.g. `"acme/app"`.',
        ),
        "workflow": KeySpec(
            "str",
            "",
            "The builder workflow's path in that repository, e.g. "
            '`".github/workflows/release.yml"` (default: any workflow of the repository), '
            "or a reusable workflow of another repository in full, "
            '`"acme/release-tools/.github/workflows/build.yml"`.',
        ),
        "ref": KeySpec(
            "str",
            "",
            "A regular expression the workflow's ref must match as a whole, e.g. "
            '`"refs/tags/v.*"` (default: any ref).',
        ),
        "issuer": KeySpec(
            "str",
            "https://token.actions.githubusercontent.com",
            "The OIDC issuer of the builder identity.",
        ),
        "key": KeySpec(
            "str",
            "",
            "A PEM public key (root-relative path) that signs the release instead of a "
            "keyless workflow identity (offline releases; at most SLSA build level 1).",
        ),
        "allowed-models": KeySpec(
            "list[str]",
            [],
            "Hugging Face model ids (`org/name`, globs allowed) a release may contain. "
            "With this or `allowed-hub-orgs` set, every model must match one.",
        ),
        "allowed-hub-orgs": KeySpec(
            "list[str]",
            [],
            "Hugging Face organisations whose models a release may contain.",
        ),
        "required-attestations": KeySpec(
            "list[str]",
            ["provenance"],
            'Attestations each artifact must have and that must verify: `"provenance"` '
            '(SLSA provenance) and `"bom"` (the CycloneDX AI BOM from `attest --bom`).',
            choices=("provenance", "bom"),
        ),
        "slsa-level": KeySpec(
            "int",
            1,
            "The SLSA build level required: 1 (signed provenance exists), 2 (signed "
            "keylessly by a GitHub Actions workflow). Level 3 cannot be verified from "
            "attestations and always fails.",
        ),
        "verifier-id": KeySpec(
            "str",
            "https://github.com/chainward/chainward/blob/main/docs/release.md#verifier",
            "The `verifier.id` written into the VSA: who vouches for the result.",
        ),
    },
)

RELEASE_POLICY_VIOLATION_CHECK = FAMILY.info(RELEASE_POLICY_VIOLATION)
