"""Local signing keys and DSSE envelopes (ECDSA P-256/P-384 or Ed25519, PEM).

A DSSE envelope signs ``PAE(payloadType, payload)``
(https://github.com/secure-systems-lab/dsse/blob/v1.0.0/protocol.md). The key id
written into an envelope is the hex SHA-256 of the public key's DER
SubjectPublicKeyInfo, so a verifier can tell which key signed.

``cryptography`` is imported inside the functions: this module is light to import.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainward.core.attestation import INTOTO_PAYLOAD_TYPE
from chainward.core.bounded import read_bounded
from chainward.core.errors import InputError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ec import (
        EllipticCurvePrivateKey,
        EllipticCurvePublicKey,
    )
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )
    from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

    PublicKey = EllipticCurvePublicKey | Ed25519PublicKey
    PrivateKey = EllipticCurvePrivateKey | Ed25519PrivateKey

MAX_KEY_BYTES = 64 * 1024
SUPPORTED = "ECDSA P-256, ECDSA P-384 or Ed25519"


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE pre-authentication encoding of a payload."""
    type_bytes = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(type_bytes), type_bytes, len(payload), payload)


def _read_key_file(path: Path) -> bytes:
    return read_bounded(
        path, MAX_KEY_BYTES, what="key", too_large="key file is too large to be a PEM key"
    )


def _check_supported(key: object, where: str) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    if isinstance(key, (ec.EllipticCurvePublicKey, ec.EllipticCurvePrivateKey)):
        if key.curve.name not in ("secp256r1", "secp384r1"):
            raise InputError(
                f"unsupported elliptic curve {key.curve.name}",
                where=where,
                hint=f"use {SUPPORTED}",
            )
        return
    if isinstance(key, (ed25519.Ed25519PublicKey, ed25519.Ed25519PrivateKey)):
        return
    raise InputError(
        f"unsupported key type {type(key).__name__.lstrip('_')}",
        where=where,
        hint=f"use {SUPPORTED}",
    )


def load_public_key_pem(data: bytes, where: str) -> PublicKey:
    """A supported public key from PEM bytes; InputError (exit 2) for anything else."""
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    if b"PRIVATE KEY" in data:
        raise InputError(
            "this is a private key; verification takes the public key",
            where=where,
            hint="export it with: openssl pkey -in KEY.pem -pubout -out PUBLIC.pem",
        )
    try:
        key = load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise InputError(
            f"not a PEM public key ({exc})",
            where=where,
            hint=f"pass a PEM 'PUBLIC KEY' ({SUPPORTED})",
        ) from None
    _check_supported(key, where)
    return key  # type: ignore[return-value]


def load_public_key(path: Path) -> PublicKey:
    """Read a PEM public key file."""
    return load_public_key_pem(_read_key_file(path), str(path))


def load_private_key(path: Path, password: bytes | None = None) -> PrivateKey:
    """Read a PEM private key file (unencrypted, or with ``password``)."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    data = _read_key_file(path)
    if b"PRIVATE KEY" not in data:
        raise InputError(
            "not a PEM private key (signing needs the private key)",
            where=str(path),
            hint="generate one, e.g.: openssl genpkey -algorithm ed25519 -out key.pem "
            f"({SUPPORTED})",
        )
    try:
        key = load_pem_private_key(data, password=password)
    except TypeError:
        raise InputError(
            "the private key is encrypted",
            where=str(path),
            hint="set CHAINWARD_KEY_PASSWORD to its passphrase",
        ) from None
    except ValueError as exc:
        raise InputError(f"cannot load the private key ({exc})", where=str(path)) from None
    _check_supported(key, str(path))
    return key  # type: ignore[return-value]


def public_key_der(key: PublicKeyTypes) -> bytes:
    """The public key as DER SubjectPublicKeyInfo, the form keys are compared in."""
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_key_id(key: PublicKey) -> str:
    """Hex SHA-256 of the DER SubjectPublicKeyInfo."""
    return hashlib.sha256(public_key_der(key)).hexdigest()


def public_key_pem(key: PublicKey) -> bytes:
    """The public key as PEM SubjectPublicKeyInfo."""
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def sign_bytes(key: PrivateKey, data: bytes) -> bytes:
    """Sign ``data``: ECDSA with the curve's hash, or Ed25519."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    if isinstance(key, ec.EllipticCurvePrivateKey):
        algorithm = hashes.SHA384() if key.curve.name == "secp384r1" else hashes.SHA256()
        return key.sign(data, ec.ECDSA(algorithm))
    return key.sign(data)


def verify_bytes(key: PublicKey, signature: bytes, data: bytes) -> bool:
    """Whether ``signature`` over ``data`` verifies with ``key``."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            algorithm = hashes.SHA384() if key.curve.name == "secp384r1" else hashes.SHA256()
            key.verify(signature, data, ec.ECDSA(algorithm))
        else:
            key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


@dataclass(frozen=True, slots=True)
class Envelope:
    """A parsed DSSE envelope."""

    payload_type: str
    payload: bytes
    signatures: tuple[tuple[str, bytes], ...]
    """(keyid, signature) pairs."""

    def to_json(self) -> str:
        """The envelope as one line of JSON (the ``.intoto.jsonl`` form)."""
        return json.dumps(
            {
                "payloadType": self.payload_type,
                "payload": base64.b64encode(self.payload).decode("ascii"),
                "signatures": [
                    {"keyid": keyid, "sig": base64.b64encode(sig).decode("ascii")}
                    for keyid, sig in self.signatures
                ],
            },
            separators=(",", ":"),
        )


def _b64(value: object, field: str, where: str) -> bytes:
    if not isinstance(value, str):
        raise InputError(f"DSSE envelope field {field} is not a string", where=where)
    try:
        # DSSE allows standard or URL-safe base64; normalise before strict decoding.
        text = value.replace("-", "+").replace("_", "/")
        text += "=" * (-len(text) % 4)
        return base64.b64decode(text, validate=True)
    except binascii.Error:
        raise InputError(f"DSSE envelope field {field} is not valid base64", where=where) from None


def parse_envelope(doc: Any, where: str) -> Envelope:
    """Build an :class:`Envelope` from decoded JSON, or raise InputError (exit 2)."""
    if not isinstance(doc, dict):
        raise InputError("a DSSE envelope must be a JSON object", where=where)
    payload_type = doc.get("payloadType")
    if not isinstance(payload_type, str) or not payload_type:
        raise InputError("DSSE envelope has no payloadType", where=where)
    payload = _b64(doc.get("payload"), "payload", where)
    raw_sigs = doc.get("signatures")
    if not isinstance(raw_sigs, list) or not raw_sigs:
        raise InputError("DSSE envelope has no signatures", where=where)
    signatures: list[tuple[str, bytes]] = []
    for entry in raw_sigs:
        if not isinstance(entry, dict):
            raise InputError("DSSE signature entry is not an object", where=where)
        keyid = entry.get("keyid") or ""
        if not isinstance(keyid, str):
            raise InputError("DSSE signature keyid is not a string", where=where)
        signatures.append((keyid, _b64(entry.get("sig"), "sig", where)))
    return Envelope(payload_type, payload, tuple(signatures))


def sign_envelope(
    key: PrivateKey, payload: bytes, payload_type: str = INTOTO_PAYLOAD_TYPE
) -> Envelope:
    """A DSSE envelope over ``payload`` signed with ``key``."""
    signature = sign_bytes(key, pae(payload_type, payload))
    return Envelope(payload_type, payload, ((public_key_id(key.public_key()), signature),))


def verify_envelope(envelope: Envelope, key: PublicKey) -> bool:
    """Whether any signature of the envelope verifies with ``key``."""
    message = pae(envelope.payload_type, envelope.payload)
    return any(verify_bytes(key, sig, message) for _, sig in envelope.signatures)
