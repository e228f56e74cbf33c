"""``verify-attestation --pypi-provenance``: a saved PyPI Provenance object (or single
PEP 740 attestations) for a wheel or sdist on disk, verified offline against the pinned
root with :mod:`chainward.core.pep740`.
"""

from __future__ import annotations

from pathlib import Path

from chainward.core.attestation import Artifact, Policy, Result, load_root, repository_url
from chainward.core.distfiles import distribution_key
from chainward.core.errors import InputError, UsageError
from chainward.core.jsonsafe import loads_json
from chainward.core.pep740 import parse_provenance, verify_attestation
from chainward.provenance.documents import read_documents


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
    from pypi_attestations import Attestation

    if distribution_key(dist.name) is None:
        raise InputError("not a wheel or sdist file name", where=str(dist))
    artifact = Artifact.from_path(dist)
    root = load_root(trusted_root_path)
    results: list[Result] = []
    for where, raw in read_documents(provenance_file):
        doc = loads_json(raw)
        if isinstance(doc, dict) and "attestation_bundles" in doc:
            provenance = parse_provenance(raw, where)
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
                identity = publisher._as_policy()
                results.extend(
                    verify_attestation(a, identity, dist.name, artifact, repository, root)
                    for a in bundle.attestations
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
            from chainward.core.signer_identity import IdentityPolicy

            signer = IdentityPolicy.of(identity_policy, repository=repository)
            results.append(
                verify_attestation(attestation, signer, dist.name, artifact, repository, root)
            )
        else:
            raise InputError("not a PyPI provenance object or PEP 740 attestation", where=where)
    if not results:
        raise InputError("the provenance holds no attestations", where=str(provenance_file))
    return results
