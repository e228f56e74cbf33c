"""sigstore-python's ``Verifier``, extended where it falls short of the Sigstore spec.

The offline Sigstore verification that provenance attestations, PEP 740 attestations of
dependencies and key bundles share, so it lives in ``core`` beside
:mod:`chainward.core.trust` (the pinned root it verifies against). Imported only inside
verification functions (it imports sigstore at module level).

What is added, and why:

* **Rekor v1 ``intoto/0.0.2`` entries** (npm provenance, older cosign and GitHub
  attestations). sigstore-python 4.5.1 refuses them outright. The entry's
  canonicalized body is bound to the log by the signed entry timestamp (SET) and the
  Merkle inclusion proof, both of which sigstore-python's own log-entry code checks
  independently of the entry kind. What it lacks is the *consistency* check between
  the body and the bundle; :func:`validate_intoto_v002_body` does it the way
  sigstore-go and cosign do: same payload type, the body's ``payloadHash`` is the
  SHA-256 of the envelope's payload, the body's signatures (base64 of the base64
  signature, a quirk of that entry type) are exactly the envelope's, and the public key
  recorded with each signature is the bundle's signing certificate. The body's
  ``hash`` (SHA-256 of the envelope JSON as submitted) cannot be recomputed, because
  that JSON was not canonical; it is bound by the SET and inclusion proof anyway.
* **TSA validity periods are closed intervals** (``TimeRange`` in the trusted-root
  spec), so a timestamp exactly at ``validFor.end`` is inside it; sigstore-python uses
  an open end.

Everything else (time establishment, certificate chain, SCT, Sigstore X.509 profile,
identity policy, inclusion proof, checkpoint, SET, cert validity at signing time, DSSE
signature) is sigstore-python's unchanged code path. sigstore is pinned ``<5`` in the
``sigstore`` extra because the hooks used here are private; the conformance test suite
(tests/provenance/test_conformance.py) fails loudly if they move.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import datetime, timezone
from typing import cast

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from rfc3161_client import TimeStampResponse, VerifierBuilder
from rfc3161_client import VerificationError as Rfc3161VerificationError
from sigstore import dsse
from sigstore._internal.timestamp import TimestampSource, TimestampVerificationResult
from sigstore.errors import VerificationError
from sigstore.models import Bundle
from sigstore.verify.policy import VerificationPolicy
from sigstore.verify.verifier import Verifier


def _kind_version(bundle: Bundle) -> tuple[str, str]:
    kv = bundle.log_entry._inner.kind_version
    return kv.kind, kv.version


class ChainwardVerifier(Verifier):
    """A sigstore ``Verifier`` that also accepts Rekor v1 ``intoto/0.0.2`` entries."""

    def _verify_signed_timestamp(
        self, timestamp_response: TimeStampResponse, message: bytes
    ) -> TimestampVerificationResult | None:
        # Same as sigstore-python, with the validity end inclusive (closed TimeRange).
        for authority in self._trusted_root.get_timestamp_authorities():
            certificates = authority.certificates(allow_expired=True)
            if len(certificates) < 2:
                continue
            builder = (
                VerifierBuilder()
                .tsa_certificate(certificates[0])
                .add_root_certificate(certificates[-1])
            )
            for certificate in certificates[1:-1]:
                builder = builder.add_intermediate_certificate(certificate)
            try:
                builder.build().verify_message(timestamp_response, message)
            except Rfc3161VerificationError:
                continue
            gen_time = timestamp_response.tst_info.gen_time
            end = authority.validity_period_end
            if authority.validity_period_start <= gen_time and (end is None or gen_time <= end):
                return TimestampVerificationResult(
                    source=TimestampSource.TIMESTAMP_AUTHORITY, time=gen_time
                )
        return None

    def timestamps_verify(self, responses: list[TimeStampResponse], message: bytes) -> bool:
        """Whether every RFC 3161 timestamp over ``message`` verifies against a TSA of
        the trusted root, valid at its time (for bundles signed with a managed key)."""
        return all(self._verify_signed_timestamp(r, message) for r in responses)

    def _verify_timestamp_authority(self, bundle: Bundle) -> list[TimestampVerificationResult]:
        # sigstore-python drops a timestamp that does not verify and goes on with the
        # others (or the log's integrated time); a bundle carrying a forged or corrupted
        # timestamp is tampered material, so here every timestamp must verify.
        verified = super()._verify_timestamp_authority(bundle)
        data = bundle.verification_material.timestamp_verification_data
        count = len(data.rfc3161_timestamps) if data is not None else 0
        if len(verified) != count:
            raise VerificationError(
                f"{count - len(verified)} of the bundle's {count} signed timestamps do not verify"
            )
        return verified

    def _establish_time(self, bundle: Bundle) -> list[TimestampVerificationResult]:
        kind, version = _kind_version(bundle)
        if (kind, version) != ("intoto", "0.0.2"):
            return super()._establish_time(bundle)
        # sigstore-python's own logic, with intoto/0.0.2 allowed: its integrated time is
        # bound by the inclusion promise (SET), which the log-entry check verifies.
        verified: list[TimestampVerificationResult] = []
        if bundle.verification_material.timestamp_verification_data:
            if not self._trusted_root.get_timestamp_authorities():
                raise VerificationError(
                    "the bundle has a signed timestamp but the trusted root has no "
                    "timestamp authority"
                )
            verified.extend(self._verify_timestamp_authority(bundle))
        entry = bundle.log_entry._inner
        if entry.integrated_time and entry.inclusion_promise:
            verified.append(
                TimestampVerificationResult(
                    source=TimestampSource.TRANSPARENCY_SERVICE,
                    time=datetime.fromtimestamp(entry.integrated_time, tz=timezone.utc),
                )
            )
        return verified

    def verify_dsse(self, bundle: Bundle, policy: VerificationPolicy) -> tuple[str, bytes]:
        """Verify a DSSE bundle; ``intoto/0.0.2`` log entries included."""
        if _kind_version(bundle) != ("intoto", "0.0.2"):
            return super().verify_dsse(bundle, policy)
        self._verify_common_signing_cert(bundle, policy)
        envelope = bundle._dsse_envelope
        if envelope is None:
            raise VerificationError("an intoto log entry needs a DSSE envelope in the bundle")
        signing_key = cast(ec.EllipticCurvePublicKey, bundle.signing_certificate.public_key())
        dsse._verify(signing_key, envelope)
        validate_intoto_v002_body(bundle)
        return (envelope._inner.payload_type, envelope._inner.payload)


def _unb64(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise VerificationError(f"intoto log entry: {what} is missing")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise VerificationError(f"intoto log entry: {what} is not base64") from None


def validate_intoto_v002_body(bundle: Bundle) -> None:
    """Check that an ``intoto/0.0.2`` log entry records exactly this bundle's envelope."""
    envelope = bundle._dsse_envelope
    if envelope is None:
        raise VerificationError("an intoto log entry needs a DSSE envelope in the bundle")
    try:
        body = json.loads(bundle.log_entry._inner.canonicalized_body)
        content = body["spec"]["content"]
        logged = content["envelope"]
        payload_hash = content["payloadHash"]
    except (ValueError, KeyError, TypeError):
        raise VerificationError("intoto log entry body is malformed") from None
    if body.get("kind") != "intoto" or body.get("apiVersion") != "0.0.2":
        raise VerificationError("log entry body is not an intoto/0.0.2 entry")

    payload = envelope._inner.payload
    payload_type = envelope._inner.payload_type
    if logged.get("payloadType") != payload_type:
        raise VerificationError("log entry payload type does not match the envelope")
    if not isinstance(payload_hash, dict) or payload_hash.get("algorithm") != "sha256":
        raise VerificationError("log entry payload hash is not SHA-256")
    if payload_hash.get("value") != hashlib.sha256(payload).hexdigest():
        raise VerificationError("log entry payload hash does not match the envelope payload")
    # When present, the logged payload is base64 of the envelope's base64 payload.
    # (Some producers store it once; either reading must equal the envelope's payload.)
    if "payload" in logged and _unb64(logged["payload"], "payload") not in (
        base64.b64encode(payload),
        payload,
    ):
        raise VerificationError("log entry payload does not match the envelope payload")

    signatures = logged.get("signatures")
    if not isinstance(signatures, list) or not signatures:
        raise VerificationError("intoto log entry has no signatures")
    cert_der = bundle.signing_certificate.public_bytes(Encoding.DER)
    logged_sigs: list[tuple[bytes, ...]] = []
    for entry in signatures:
        if not isinstance(entry, dict):
            raise VerificationError("intoto log entry signature is malformed")
        logged_sigs.append(_logged_signature(entry.get("sig")))
        pem = _unb64(entry.get("publicKey"), "public key")
        try:
            logged_cert = x509.load_pem_x509_certificate(pem)
        except ValueError:
            raise VerificationError("intoto log entry public key is not a certificate") from None
        if logged_cert.public_bytes(Encoding.DER) != cert_der:
            raise VerificationError(
                "log entry certificate does not match the bundle's signing certificate"
            )
    bundle_sigs = [sig.sig for sig in envelope._inner.signatures]
    if len(logged_sigs) != len(bundle_sigs) or not all(
        sig in logged for sig, logged in zip(bundle_sigs, logged_sigs, strict=True)
    ):
        raise VerificationError("log entry signatures do not match the envelope")


def _logged_signature(value: object) -> tuple[bytes, ...]:
    """The signature an intoto entry records, in each plausible encoding.

    Rekor's own entries hold base64(base64(signature)), because the DSSE signature is
    base64 text that Rekor's Base64 type encodes again; some producers store it once.
    Both readings are offered and the envelope's signature must equal one of them.
    """
    once = _unb64(value, "signature")
    try:
        twice = base64.b64decode(once, validate=True)
    except (binascii.Error, ValueError):
        return (once,)
    return (once, twice)
