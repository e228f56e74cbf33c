"""PEP 740 attestations, verified offline against the pinned trusted root.

``pypi-attestations`` parses the PyPI integrity API's Provenance object (or one
attestation) and turns each attestation into a Sigstore bundle; its own ``verify``
always loads sigstore's production root from the TUF cache, so the signature,
certificate and log entry are checked here with the pinned root instead, and the
statement checks (one subject, same distribution name and digest, a known predicate
type) are repeated as pypi-attestations does them.

Shared by the ``release-trust`` checks of dependencies (attestations the index lists)
and ``verify-attestation --pypi-provenance`` (a saved Provenance object), so it lives in
``core``. sigstore and pypi-attestations are imported inside the functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chainward.core.attestation import SLSA_PROVENANCE_V1, Artifact, Policy, Result, error_reason
from chainward.core.distfiles import distribution_key
from chainward.core.errors import InputError
from chainward.core.statement_checks import check_statement

if TYPE_CHECKING:
    from pypi_attestations import Provenance
    from sigstore.models import TrustedRoot

PYPI_PUBLISH_V1 = "https://docs.pypi.org/attestations/publish/v1"
PREDICATE_TYPES = (PYPI_PUBLISH_V1, SLSA_PROVENANCE_V1)


def parse_provenance(raw: bytes, where: str) -> Provenance:
    """A PyPI Provenance object; InputError (naming ``where``) if ``raw`` is not one."""
    from pypi_attestations import Provenance

    try:
        return Provenance.model_validate_json(raw)
    except ValueError as exc:
        raise InputError(
            f"malformed PyPI provenance: {str(exc).splitlines()[0]}", where=where
        ) from None


def verify_attestation(
    attestation: Any,
    identity: Any,
    filename: str,
    artifact: Artifact,
    repository: str | None,
    root: TrustedRoot,
) -> Result:
    """Verify one PEP 740 attestation of the distribution ``filename``.

    ``identity`` is the signer policy (a publisher's, or an
    :class:`~chainward.core.signer_identity.IdentityPolicy`); the statement must have
    one subject, named like ``filename``, whose digest is the artifact's.
    """
    from sigstore.models import Bundle

    from chainward.core.sigstore_verifier import ChainwardVerifier

    try:
        bundle = Bundle.from_json(attestation.to_bundle().to_json())
        payload_type, payload = ChainwardVerifier(trusted_root=root).verify_dsse(bundle, identity)
    except Exception as exc:  # any failure inside verification means "not verified"
        return Result(False, error_reason(exc), "pep740")
    reason, statement = check_statement(
        payload_type,
        payload,
        artifact,
        Policy(repository=repository, predicate_types=PREDICATE_TYPES),
    )
    if reason:
        return Result(False, reason, "pep740", statement=statement)
    assert statement is not None  # noqa: S101 - check_statement returns it when it passes
    subjects = statement.get("subject") or []
    if len(subjects) != 1:
        return Result(False, "a PEP 740 statement must have exactly one subject", "pep740")
    subject_name = str(subjects[0].get("name", ""))
    key = distribution_key(subject_name)
    if key is None or key != distribution_key(filename):
        return Result(
            False,
            f"subject does not match distribution name: {subject_name} != {filename}",
            "pep740",
            statement=statement,
        )
    return Result(
        True,
        f"{statement.get('predicateType')} attestation verified",
        "pep740",
        statement=statement,
    )


def verify_index_provenance(
    raw: bytes, filename: str, sha256: str, root: TrustedRoot
) -> list[tuple[dict[str, Any], Result]]:
    """Verify a PyPI Provenance object for a file the index lists by name and sha256.

    No download: the subject digest is compared with the index's sha256 (which the
    pinned hashes are checked against by ``unpublished-hash``). Returns one
    ``(publisher claims, result)`` per attestation; InputError if ``raw`` is not a
    Provenance object. Each attestation is checked against its bundle's publisher
    (issuer, repository, workflow, environment where the certificate carries it).
    """
    provenance = parse_provenance(raw, filename)
    artifact = Artifact.from_digest(filename, sha256)
    out: list[tuple[dict[str, Any], Result]] = []
    for bundle in provenance.attestation_bundles:
        publisher = bundle.publisher
        claims = {k: v for k, v in publisher.model_dump().items() if v is not None}
        repository = getattr(publisher, "repository", None)
        try:
            identity = publisher._as_policy()
        except Exception as exc:  # an unknown publisher kind cannot be checked
            out.append((claims, Result(False, f"publisher policy: {exc}", "pep740")))
            continue
        if not bundle.attestations:
            out.append((claims, Result(False, "a bundle without attestations", "pep740")))
        for attestation in bundle.attestations:
            result = verify_attestation(
                attestation,
                identity,
                filename,
                artifact,
                repository if isinstance(repository, str) else None,
                root,
            )
            out.append((claims, result))
    return out
