"""Attestations signed with a managed key: plain DSSE envelopes (``.intoto.jsonl``) and
Sigstore bundles whose verification material is a public key, with their transparency
log entry (Rekor v1 ``hashedrekord``/``dsse``, Rekor v2 ``hashedrekord``/``dsse`` 0.0.2)
and RFC 3161 timestamps.

cryptography and sigstore are imported inside the functions.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from chainward.core.attestation import Artifact, Policy, Result, error_reason, failure
from chainward.core.jsonsafe import loads_json
from chainward.core.statement_checks import check_statement
from chainward.provenance.keys import parse_envelope, public_key_der, verify_envelope

if TYPE_CHECKING:
    from sigstore.models import TrustedRoot

    from chainward.provenance.keys import PublicKey


def statement_result(
    payload_type: str,
    payload: bytes,
    artifact: Artifact,
    policy: Policy,
    verified: str,
    *,
    kind: str = "dsse",
    signer: str | None = None,
) -> Result:
    """The verdict on a signed statement whose signature verified: its content decides.

    ``verified`` says what was verified, for the result's reason when the content passes.
    """
    reason, statement = check_statement(payload_type, payload, artifact, policy)
    if reason:
        return Result(False, reason, kind, signer=signer, statement=statement)
    return Result(True, verified, kind, signer=signer, statement=statement)


def verify_envelope_with_key(
    doc: Any, where: str, artifact: Artifact, key: PublicKey, policy: Policy
) -> Result:
    """Verify a plain DSSE envelope (``.intoto.jsonl``) with a public key, then its content."""
    envelope = parse_envelope(doc, where)
    if not verify_envelope(envelope, key):
        return failure("the envelope signature does not verify with the given key", "dsse")
    return statement_result(
        envelope.payload_type,
        envelope.payload,
        artifact,
        policy,
        "signature and statement verified",
    )


def _pem_key_der(pem_b64: object) -> bytes | None:
    from cryptography.hazmat.primitives import serialization

    if not isinstance(pem_b64, str):
        return None
    try:
        pem = base64.b64decode(pem_b64, validate=True)
        loaded = serialization.load_pem_public_key(pem)
    except (binascii.Error, ValueError, TypeError):
        return None
    return public_key_der(loaded)


def verify_keyed_bundle(
    inner: Any, artifact: Artifact, key: PublicKey, root: TrustedRoot, policy: Policy
) -> Result:
    """A bundle signed with a managed key: the key, the log entry, and the content."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
    from sigstore._internal.trust import KeyringPurpose
    from sigstore.errors import Error as SigstoreError
    from sigstore.models import TransparencyLogEntry

    from chainward.provenance.keys import pae, verify_bytes

    entries = inner.verification_material.tlog_entries
    if len(entries) != 1:
        return failure("expected exactly one transparency log entry", "key")
    try:
        entry = TransparencyLogEntry(entries[0])
    except (SigstoreError, ValueError) as exc:
        return failure(f"invalid log entry: {error_reason(exc)}", "key")
    rekor_v2 = entry._inner.kind_version.version == "0.0.2"
    if rekor_v2:
        # Rekor v2 entries carry no signed entry timestamp: the verified time comes from
        # RFC 3161 timestamps, and at least one must be there (each is verified below).
        stamps = inner.verification_material.timestamp_verification_data
        if stamps is None or not stamps.rfc3161_timestamps:
            return failure(
                "the Rekor v2 log entry comes without a signed timestamp, so there is no "
                "verified signing time",
                "key",
            )
    elif not (entry._inner.inclusion_promise and entry._inner.integrated_time):
        # Without a signed entry timestamp there is no verified time for a key bundle.
        return failure("the log entry has no signed entry timestamp", "key")
    try:
        entry._verify(root.rekor_keyring(KeyringPurpose.VERIFY))
    except Exception as exc:
        return failure(f"invalid log entry: {error_reason(exc)}", "key")
    try:
        body = loads_json(entry._inner.canonicalized_body)
        spec = body["spec"]
        kind = (body["kind"], body["apiVersion"])
    except (ValueError, KeyError, TypeError):
        return failure("the log entry body is malformed", "key")
    kind_version = entry._inner.kind_version
    if (kind_version.kind, kind_version.version) != kind:
        return failure("the log entry's kind and version do not match its body", "key")
    signature_bytes = (
        inner.message_signature.signature
        if inner.message_signature is not None
        else (inner.dsse_envelope.signatures[0].sig if inner.dsse_envelope else b"")
    )
    timestamp_problem = _check_timestamps(inner, signature_bytes, root)
    if timestamp_problem:
        return failure(timestamp_problem, "key")
    key_der = public_key_der(key)
    log = "Rekor v2 log entry" if rekor_v2 else "log entry"

    if inner.message_signature is not None:
        signature = inner.message_signature.signature
        digest = artifact.sha256
        message_digest = inner.message_signature.message_digest
        if message_digest is not None and message_digest.digest.hex() != digest:
            return failure("the bundle's message digest does not match the artifact", "key")
        if not isinstance(key, ec.EllipticCurvePublicKey):
            return failure("only ECDSA keys sign Sigstore message-signature bundles", "key")
        from cryptography.exceptions import InvalidSignature

        try:
            key.verify(signature, bytes.fromhex(digest), ec.ECDSA(Prehashed(hashes.SHA256())))
        except InvalidSignature:
            return failure("the signature does not verify with the given key", "key")
        if rekor_v2:
            # A message signature is logged as a hashedrekord, never as a dsse entry.
            ok = kind == ("hashedrekord", "0.0.2") and _v2_entry_matches(
                spec, kind, bytes.fromhex(digest), signature, key_der
            )
        else:
            try:
                ok = (
                    kind == ("hashedrekord", "0.0.1")
                    and spec["data"]["hash"]["algorithm"] == "sha256"
                    and spec["data"]["hash"]["value"] == digest
                    and base64.b64decode(spec["signature"]["content"]) == signature
                    and _pem_key_der(spec["signature"]["publicKey"]["content"]) == key_der
                )
            except (KeyError, TypeError, binascii.Error):
                ok = False
        if not ok:
            return failure(f"the {log} does not match the artifact, signature and key", "key")
        return Result(True, f"signature and {log} verified with the key", "message-signature")

    envelope = inner.dsse_envelope
    if envelope is None or len(envelope.signatures) != 1:
        return failure("the bundle has neither a message signature nor a DSSE envelope", "key")
    signature = envelope.signatures[0].sig
    message = pae(envelope.payload_type, envelope.payload)
    if not verify_bytes(key, signature, message):
        return failure("the envelope signature does not verify with the given key", "key")
    if rekor_v2:
        # Rekor v2 logs a DSSE envelope as a dsse entry of its payload, or as a hashedrekord
        # of its PAE (spec §6.1.4).
        hashed = envelope.payload if kind == ("dsse", "0.0.2") else message
        ok = _v2_entry_matches(spec, kind, hashlib.sha256(hashed).digest(), signature, key_der)
    else:
        try:
            if kind != ("dsse", "0.0.1"):
                raise KeyError(kind)
            ok = spec["payloadHash"]["value"] == hashlib.sha256(envelope.payload).hexdigest()
            logged = spec["signatures"]
            ok = ok and len(logged) == 1
            ok = ok and base64.b64decode(logged[0]["signature"]) == signature
            ok = ok and _pem_key_der(logged[0]["verifier"]) == key_der
        except (KeyError, TypeError, binascii.Error, IndexError):
            ok = False
    if not ok:
        return failure(f"the {log} does not match the envelope and key", "key")
    return statement_result(
        envelope.payload_type,
        envelope.payload,
        artifact,
        policy,
        f"signature, {log} and statement verified with the key",
    )


def _v2_verifier_der(verifier: Any) -> bytes | None:
    """The DER public key a Rekor v2 ``Verifier`` names: a key, or a certificate's key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    if not isinstance(verifier, Mapping):
        return None
    try:
        if isinstance(verifier.get("publicKey"), Mapping):
            raw = base64.b64decode(verifier["publicKey"]["rawBytes"], validate=True)
            loaded = serialization.load_der_public_key(raw)
        elif isinstance(verifier.get("x509Certificate"), Mapping):
            raw = base64.b64decode(verifier["x509Certificate"]["rawBytes"], validate=True)
            loaded = x509.load_der_x509_certificate(raw).public_key()
        else:
            return None
    except (KeyError, TypeError, ValueError, binascii.Error):
        return None
    return public_key_der(loaded)


def _v2_entry_matches(
    spec: Any, kind: tuple[str, str], digest: bytes, signature: bytes, key_der: bytes
) -> bool:
    """A Rekor v2 ``hashedrekord`` or ``dsse`` 0.0.2 body records this SHA-256 digest (of
    the signed message, or of the DSSE payload) and one signature by the key."""
    try:
        if kind == ("hashedrekord", "0.0.2"):
            body = spec["hashedRekordV002"]
            hashed, logged = body["data"], [body["signature"]]
        elif kind == ("dsse", "0.0.2"):
            body = spec["dsseV002"]
            hashed, logged = body["payloadHash"], body["signatures"]
        else:
            return False
        return bool(
            hashed["algorithm"] == "SHA2_256"
            and base64.b64decode(hashed["digest"], validate=True) == digest
            and len(logged) == 1
            and base64.b64decode(logged[0]["content"], validate=True) == signature
            and _v2_verifier_der(logged[0]["verifier"]) == key_der
        )
    except (KeyError, TypeError, binascii.Error, IndexError):
        return False


def _check_timestamps(inner: Any, signature: bytes, root: TrustedRoot) -> str | None:
    """Every RFC 3161 timestamp a key bundle carries must verify (None when they do)."""
    from sigstore.models import TimestampVerificationData

    from chainward.core.sigstore_verifier import ChainwardVerifier

    data = inner.verification_material.timestamp_verification_data
    if data is None or not data.rfc3161_timestamps:
        return None
    try:
        responses = TimestampVerificationData(data).rfc3161_timestamps
        if not ChainwardVerifier(trusted_root=root).timestamps_verify(responses, signature):
            return "a signed timestamp in the bundle does not verify"
    except Exception as exc:  # malformed timestamps: not verified
        return f"invalid signed timestamp: {error_reason(exc)}"
    return None
