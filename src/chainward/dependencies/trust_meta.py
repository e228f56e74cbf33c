"""The ``release-trust`` family: publisher lock (PEP 740) and release cooldown, for the catalog.

Standard library and core only. One policy table, ``[tool.chainward.release-trust]``,
holds both defences for Python packages and Hugging Face models (issue 18).
"""

from __future__ import annotations

from chainward.core.findings import CheckId, Severity
from chainward.core.registry import CheckInfo, CheckList, Family
from chainward.core.schema import KeySpec

TRUST_HOOK = "audit-dependencies"
DEFAULT_PUBLISHER_LOCK = "chainward.publishers.toml"


_check = CheckList("release-trust", stages=("ci", "manual"), hook=TRUST_HOOK, needs_network=True)

PUBLISHER_CHANGED = _check(
    "publisher-changed",
    "A pinned release was published by another Trusted Publisher (repository, "
    "workflow or environment) than the one the publisher lock records.",
    Severity.HIGH,
)
MISSING_ATTESTATION = _check(
    "missing-attestation",
    "A pinned release has no PEP 740 attestations although the publisher lock "
    "records a Trusted Publisher for the package.",
    Severity.HIGH,
)
INVALID_ATTESTATION = _check(
    "invalid-attestation",
    "A PEP 740 attestation of a pinned release does not verify (signature, "
    "certificate, transparency log entry or subject digest): tampered or forged.",
    Severity.CRITICAL,
)
RELEASE_TOO_NEW = _check(
    "release-too-new",
    "A pinned release (or Hugging Face model revision) is younger than the "
    "policy's min-release-age.",
    Severity.MEDIUM,
)
RELEASE_NOT_VERIFIED = _check(
    "release-not-verified",
    "The publisher or the age of a pinned release could not be established "
    "(offline, network failure, an index without PEP 740 data); this is not a pass.",
    Severity.LOW,
)


FAMILY = Family(
    name="release-trust",
    summary="Who published each pinned AI dependency (PEP 740 publisher lock) and how old "
    "each pinned release or model revision is (cooldown)",
    checks=_check.infos,
    scanner="chainward.dependencies.release_trust:scan",
    in_check=False,
    policy={
        "min-release-age": KeySpec(
            "str",
            "0 days",
            "Releases and model revisions younger than this are not pinned by `chainward pin` "
            'and are flagged by `deps --verify` (`release-too-new`), e.g. `"7 days"`, '
            '`"36 hours"`, `"2 weeks"`; `"0 days"` turns the cooldown off.',
        ),
        "release-age-exceptions": KeySpec(
            "list[str]",
            [],
            "Package names or Hugging Face ids (or globs) that the cooldown does not apply "
            "to, e.g. your own packages or an urgent security fix.",
        ),
        "publisher-scope": KeySpec(
            "str",
            "ai",
            'Which pinned dependencies get their publisher locked: `"ai"` (the AI list of '
            '`[dependencies]`) or `"all"`.',
            choices=("ai", "all"),
        ),
        "publisher-lock": KeySpec(
            "str",
            DEFAULT_PUBLISHER_LOCK,
            "The chainward-owned publisher lock (root-relative), used for pins that no "
            "`pylock.toml` records (`pylock.toml` keeps them in `attestation-identities`).",
        ),
    },
)

_INFOS = {check.id: check for check in FAMILY.checks}


def info(check_id: CheckId) -> CheckInfo:
    """The declared metadata of one of this module's checks (``info(ID).finding(...)``)."""
    return _INFOS[check_id]
