"""PEP 740 attestations of a wheel or sdist, verified offline against the pinned root.

``pypi-attestations`` parses the PyPI integrity API's Provenance object (or one
attestation) and turns each attestation into a Sigstore bundle; its own ``verify``
always loads sigstore's production root from the TUF cache, so the signature,
certificate and log entry are checked here with the pinned root instead, and the
statement checks (one subject, same distribution name and digest, a known predicate
type) are repeated as pypi-attestations does them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainward.core.errors import InputError, UsageError
from chainward.core.jsonsafe import loads_json
from chainward.provenance.verify import (
    SLSA_PROVENANCE_V1,
    Artifact,
    Policy,
    Result,
    check_statement,
    load_root,
    read_documents,
    repository_url,
)

if TYPE_CHECKING:
    from sigstore.models import TrustedRoot

PYPI_PUBLISH_V1 = "https://docs.pypi.org/attestations/publish/v1"
PREDICATE_TYPES = (PYPI_PUBLISH_V1, SLSA_PROVENANCE_V1)


def _dist_key(filename: str) -> tuple[str, str] | None:
    """(normalised name, version) of a wheel or sdist file name, or None."""
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
        else:
            name, version = parse_sdist_filename(filename)
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return str(name), str(version)


def _verify_one(
    attestation: Any,
    policy_obj: Any,
    dist: Path,
    artifact: Artifact,
    repository: str | None,
    root: TrustedRoot,
) -> Result:
    from sigstore.models import Bundle

    from chainward.provenance._verifier import ChainwardVerifier

    try:
        bundle = Bundle.from_json(attestation.to_bundle().to_json())
        payload_type, payload = ChainwardVerifier(trusted_root=root).verify_dsse(bundle, policy_obj)
    except Exception as exc:  # any failure inside verification means "not verified"
        return Result(False, str(exc).splitlines()[0] if str(exc) else type(exc).__name__, "pep740")
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
    if _dist_key(subject_name) is None or _dist_key(subject_name) != _dist_key(dist.name):
        return Result(
            False,
            f"subject does not match distribution name: {subject_name} != {dist.name}",
            "pep740",
            statement=statement,
        )
    return Result(
        True,
        f"{statement.get('predicateType')} attestation verified",
        "pep740",
        statement=statement,
    )


def verify_pypi(
    dist: Path,
    provenance_file: Path,
    *,
    repository: str | None,
    identity_policy: Policy | None = None,
    trusted_root_path: Path | None = None,
) -> list[Result]:
    """Verify a saved PyPI provenance response (or single attestations) for ``dist``.

    A Provenance object names its Trusted Publisher: it must be ``repository``, and each
    attestation is checked against that publisher (issuer, repository, workflow). Single
    attestation files need ``identity_policy`` (certificate identity and issuer).
    """
    from pypi_attestations import Attestation, Provenance

    if _dist_key(dist.name) is None:
        raise InputError("not a wheel or sdist file name", where=str(dist))
    artifact = Artifact.from_path(dist)
    root = load_root(trusted_root_path)
    results: list[Result] = []
    for where, raw in read_documents(provenance_file):
        doc = loads_json(raw)
        if isinstance(doc, dict) and "attestation_bundles" in doc:
            try:
                provenance = Provenance.model_validate_json(raw)
            except ValueError as exc:
                raise InputError(
                    f"malformed PyPI provenance: {str(exc).splitlines()[0]}", where=where
                ) from None
            if repository is None:
                raise UsageError("--pypi-provenance needs --repository owner/repo", where=where)
            for bundle in provenance.attestation_bundles:
                publisher = bundle.publisher
                published_from = getattr(publisher, "repository", None)
                if not isinstance(published_from, str) or (
                    repository_url(published_from).lower() != repository_url(repository).lower()
                ):
                    results.append(
                        Result(
                            False,
                            f"published from {published_from or publisher.kind}, expected "
                            f"{repository}",
                            "pep740",
                        )
                    )
                    continue
                for attestation in bundle.attestations:
                    results.append(
                        _verify_one(
                            attestation, publisher._as_policy(), dist, artifact, repository, root
                        )
                    )
        elif isinstance(doc, dict) and "envelope" in doc:
            if identity_policy is None or not identity_policy.has_identity:
                raise UsageError(
                    "a single PEP 740 attestation needs --cert-identity and --cert-oidc-issuer",
                    where=where,
                )
            try:
                attestation = Attestation.model_validate_json(raw)
            except ValueError as exc:
                raise InputError(
                    f"malformed PEP 740 attestation: {str(exc).splitlines()[0]}", where=where
                ) from None
            from chainward.provenance._verifier import IdentityPolicy

            policy_obj = IdentityPolicy(
                identity=identity_policy.identity,
                identity_regexp=identity_policy.identity_regexp,
                issuer=str(identity_policy.issuer),
                repository=repository,
                signer_workflow=identity_policy.signer_workflow,
            )
            results.append(_verify_one(attestation, policy_obj, dist, artifact, repository, root))
        else:
            raise InputError("not a PyPI provenance object or PEP 740 attestation", where=where)
    if not results:
        raise InputError("the provenance holds no attestations", where=str(provenance_file))
    return results


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
    from pypi_attestations import Provenance

    try:
        provenance = Provenance.model_validate_json(raw)
    except ValueError as exc:
        raise InputError(
            f"malformed PyPI provenance: {str(exc).splitlines()[0]}", where=filename
        ) from None
    artifact = Artifact.from_digest(filename, sha256)
    out: list[tuple[dict[str, Any], Result]] = []
    for bundle in provenance.attestation_bundles:
        publisher = bundle.publisher
        claims = {k: v for k, v in publisher.model_dump().items() if v is not None}
        repository = getattr(publisher, "repository", None)
        try:
            policy_obj = publisher._as_policy()
        except Exception as exc:  # an unknown publisher kind cannot be checked
            out.append((claims, Result(False, f"publisher policy: {exc}", "pep740")))
            continue
        if not bundle.attestations:
            out.append((claims, Result(False, "a bundle without attestations", "pep740")))
        for attestation in bundle.attestations:
            out.append(
                (
                    claims,
                    _verify_one(
                        attestation,
                        policy_obj,
                        Path(filename),
                        artifact,
                        repository if isinstance(repository, str) else None,
                        root,
                    ),
                )
            )
    return out
