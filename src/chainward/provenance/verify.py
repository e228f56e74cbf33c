"""``verify-attestation``: offline verification of Sigstore bundles, DSSE envelopes and
PEP 740 attestations, in the order that decides a verdict.

Everything is checked against a pinned trusted root (``chainward.core.trust``, or a
file the caller names), never a TUF cache, and never over the network:

1. the signature, certificate chain (valid at a verified time), SCT, transparency-log
   inclusion proof + checkpoint and signed entry timestamp: sigstore-python's verifier,
   extended in :mod:`chainward.core.sigstore_verifier` for ``intoto/0.0.2`` entries;
   bundles signed with a managed key and local DSSE envelopes: the given public key,
   plus the log entry when there is one (:mod:`chainward.provenance.key_bundle`);
2. the identity policy (certificate SAN, issuer, source repository, signer workflow):
   :mod:`chainward.core.signer_identity`;
3. the content: for DSSE, the statement's subject digest equals the artifact's, the
   predicate type is expected, the builder and source repository match the policy
   (:mod:`chainward.core.statement_checks`); for a message signature, the artifact
   digest.

Documents are read and classified by :mod:`chainward.provenance.documents`. Outcomes:
a :class:`~chainward.core.attestation.Result` (verified or not, with the reason), or
:class:`~chainward.core.errors.InputError` for input that cannot be used at all
(malformed or truncated JSON, unknown media types, unsupported keys): exit 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainward.core.attestation import Artifact, Policy, Result, error_reason, failure, load_root
from chainward.core.errors import UsageError
from chainward.provenance.documents import (
    DocumentKind,
    NoLogEntry,
    document_kind,
    document_object,
    needs_trusted_root,
    parse_bundle,
    pep740_attestation_bundle,
    read_documents,
)
from chainward.provenance.key_bundle import (
    statement_result,
    verify_envelope_with_key,
    verify_keyed_bundle,
)

if TYPE_CHECKING:
    from sigstore.models import TrustedRoot

    from chainward.provenance.keys import PublicKey


def _check_log_ids(inner: Any, root: TrustedRoot) -> str | None:
    """Log entries must come from a log of the trusted root and be self-consistent.

    A Rekor v1 entry's log id and index are covered by its signed entry timestamp; a
    Rekor v2 entry has none, so its log id and index are checked against the trusted
    root and its inclusion proof here (as sigstore-go does) rather than left unread.
    """
    known = {tlog.log_id.key_id for tlog in root._inner.tlogs}
    for entry in inner.verification_material.tlog_entries:
        if entry.log_id.key_id not in known:
            return "the log entry comes from a transparency log that the trusted root does not list"
        proof = entry.inclusion_proof
        if not entry.integrated_time and proof is not None and proof.log_index != entry.log_index:
            return "the log entry's index differs from its inclusion proof's"
    return None


def verify_bundle(
    raw: bytes,
    where: str,
    artifact: Artifact,
    policy: Policy,
    *,
    key: PublicKey | None = None,
    trusted_root: TrustedRoot | None = None,
) -> Result:
    """Verify one Sigstore bundle (any version) against the artifact and the policy."""
    try:
        inner = parse_bundle(raw, where)
    except NoLogEntry:
        return failure(
            "the bundle has no transparency log entry: it comes from a private Sigstore "
            "instance (GitHub's, for private repositories, uses RFC 3161 timestamps only), "
            "which the pinned public-good trusted root cannot verify",
            "sigstore",
        )
    root = trusted_root if trusted_root is not None else load_root(None)
    problem = _check_log_ids(inner, root)
    if problem:
        return failure(problem, "sigstore")
    if inner.verification_material.public_key is not None:
        if key is None:
            return failure(
                "the bundle is signed with a managed key: pass the public key with --key",
                "key",
            )
        return verify_keyed_bundle(inner, artifact, key, root, policy)
    if key is not None:
        raise UsageError(
            "--key was given but the bundle is signed with a Sigstore certificate",
            where=where,
            hint="verify it with --cert-identity (or --cert-identity-regexp) and "
            "--cert-oidc-issuer",
        )
    if not policy.has_identity:
        raise UsageError(
            "a Sigstore bundle needs an identity policy",
            where=where,
            hint="give --cert-identity or --cert-identity-regexp, and --cert-oidc-issuer",
        )
    return _verify_certificate_bundle(inner, artifact, policy, root)


def _verify_certificate_bundle(
    inner: Any, artifact: Artifact, policy: Policy, root: TrustedRoot
) -> Result:
    from sigstore.errors import Error as SigstoreError
    from sigstore.hashes import Hashed
    from sigstore.models import Bundle
    from sigstore_models.common.v1 import HashAlgorithm

    from chainward.core.signer_identity import IdentityPolicy
    from chainward.core.sigstore_verifier import ChainwardVerifier

    try:
        bundle = Bundle(inner)
    except SigstoreError as exc:
        return failure(f"invalid bundle: {exc}", "sigstore")
    except Exception as exc:  # e.g. certificate bytes that are not a valid certificate
        return failure(f"invalid bundle: {error_reason(exc)}", "sigstore")
    identity = IdentityPolicy.of(policy, repository=policy.repository)
    signer = _describe_signer(bundle)
    try:
        verifier = ChainwardVerifier(trusted_root=root)
        if bundle._dsse_envelope is not None:
            payload_type, payload = verifier.verify_dsse(bundle, identity)
        else:
            digest = bytes.fromhex(artifact.sha256)
            hashed = Hashed(algorithm=HashAlgorithm.SHA2_256, digest=digest)
            verifier.verify_artifact(hashed, bundle, identity)
            return Result(
                True,
                "signature, certificate and log entry verified",
                "message-signature",
                signer=signer,
            )
    except Exception as exc:  # any failure inside verification means "not verified"
        return Result(False, error_reason(exc), "sigstore", signer=signer)
    return statement_result(
        payload_type,
        payload,
        artifact,
        policy,
        "signature, certificate, log entry and statement verified",
        signer=signer,
    )


def _describe_signer(bundle: Any) -> str | None:
    from chainward.core.signer_identity import certificate_claims

    try:
        claims = certificate_claims(bundle.signing_certificate)
    except Exception:
        return None
    sans = claims.get("sans") or []
    return ", ".join(sans) if isinstance(sans, list) else str(sans)


def verify_file(
    bundle_path: Path,
    artifact: Artifact,
    policy: Policy,
    *,
    key: PublicKey | None = None,
    trusted_root_path: Path | None = None,
) -> list[Result]:
    """Verify every document of a bundle file (JSON, or JSON Lines); one result each.

    Each document is a Sigstore bundle, a DSSE envelope (verified with ``key``) or a
    PEP 740 attestation (converted to the Sigstore bundle it was made from).
    """
    documents = read_documents(bundle_path)
    root = load_root(trusted_root_path) if needs_trusted_root(documents) else None
    results: list[Result] = []
    for where, raw in documents:
        doc = document_object(raw, where)
        kind = document_kind(doc, where)
        if kind is DocumentKind.DSSE_ENVELOPE:
            if key is None:
                raise UsageError(
                    "a bare DSSE envelope carries no certificate: verify it with --key PUBLIC.pem",
                    where=where,
                )
            results.append(verify_envelope_with_key(doc, where, artifact, key, policy))
            continue
        bundle = (
            pep740_attestation_bundle(raw, where)
            if kind is DocumentKind.PEP740_ATTESTATION
            else raw
        )
        results.append(verify_bundle(bundle, where, artifact, policy, key=key, trusted_root=root))
    return results
