"""OpenPGP signature packets read by hand, and their arithmetic checked with ``cryptography``.

The part of the OpenPGP verifier that needs no certificate store: de-armoring, the
packet and subpacket framing of RFC 4880/9580 (v4 signatures), the fields the checks
need (:class:`ParsedSignature`), and the signature arithmetic over a v4 key packet's
material (RSA, DSA, ECDSA, EdDSA). Sequoia's verdicts and the policy live in
:mod:`chainward.commits.openpgp`; GitHub's web-flow keys use this module directly.
``cryptography`` is imported inside the functions that need it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

HASH_NAMES = {
    1: "md5",
    2: "sha1",
    3: "ripemd160",
    8: "sha256",
    9: "sha384",
    10: "sha512",
    11: "sha224",
}


# OpenPGP curve OIDs (RFC 6637, RFC 9580) → the ``cryptography`` curve class names.
CURVES = {
    bytes.fromhex("2A8648CE3D030107"): "SECP256R1",
    bytes.fromhex("2B81040022"): "SECP384R1",
    bytes.fromhex("2B81040023"): "SECP521R1",
    bytes.fromhex("2B2403030208010107"): "BrainpoolP256R1",
    bytes.fromhex("2B240303020801010B"): "BrainpoolP384R1",
    bytes.fromhex("2B240303020801010D"): "BrainpoolP512R1",
}


WEAK_HASHES = {"md5": "MD5", "sha1": "SHA-1", "ripemd160": "RIPEMD-160"}


@dataclass(frozen=True, slots=True)
class ParsedSignature:
    """The parts of a v4 OpenPGP signature packet the checks need."""

    body: bytes
    """The packet body (version byte first), as :func:`raw_verify_v4` takes it."""
    created: datetime
    issuer: str
    """Issuer fingerprint (hex, lower case) when given, else the 16-hex key id."""
    expires: datetime | None
    hash_name: str


def parse_signature(signature: bytes) -> ParsedSignature | None:
    """Read one v4 signature packet from armor or binary; None when it is not one.

    Independent of Sequoia, for the signatures it refuses to parse (GitHub's web-flow
    signatures carry only a hashed issuer key id, which Sequoia's ``Sig`` rejects).
    Issuer subpackets are read from the hashed area first, then the unhashed one.
    """
    binary = dearmor(signature) if signature.lstrip().startswith(b"-----BEGIN") else signature
    body = single_signature_packet(binary) if binary else None
    if body is None or len(body) < 6 or body[0] != 4:
        return None
    hashed_len = int.from_bytes(body[4:6], "big")
    if 6 + hashed_len + 2 > len(body):
        return None
    hashed = subpackets(body[6 : 6 + hashed_len])
    unhashed_len = int.from_bytes(body[6 + hashed_len : 8 + hashed_len], "big")
    if 8 + hashed_len + unhashed_len + 2 > len(body):
        return None
    unhashed = subpackets(body[8 + hashed_len : 8 + hashed_len + unhashed_len])
    name = HASH_NAMES.get(body[3])
    if hashed is None or unhashed is None or name is None:
        return None
    created: int | None = None
    period = 0
    fingerprint = key_id = ""
    for area, kind, value in [(0, k, v) for k, _c, v in hashed] + [
        (1, k, v) for k, _c, v in unhashed
    ]:
        if area == 0 and kind == 2 and len(value) == 4:
            created = int.from_bytes(value, "big")
        elif area == 0 and kind == 3 and len(value) == 4:
            period = int.from_bytes(value, "big")
        elif kind == 33 and len(value) == 21 and not fingerprint:
            fingerprint = value[1:].hex()
        elif kind == 16 and len(value) == 8 and not key_id:
            key_id = value.hex()
    if created is None or not (fingerprint or key_id):
        return None
    signed_at = datetime.fromtimestamp(created, timezone.utc)
    expires = signed_at + timedelta(seconds=period) if period else None
    return ParsedSignature(body, signed_at, fingerprint or key_id, expires, name)


_ARMOR_BEGIN = b"-----BEGIN PGP SIGNATURE-----"


_ARMOR_END = b"-----END PGP SIGNATURE-----"


_MESSAGE_BEGIN = b"-----BEGIN PGP MESSAGE-----"


_MESSAGE_END = b"-----END PGP MESSAGE-----"


KNOWN_SUBPACKETS = frozenset({2, 3, 16, 33})


def dearmor(signature: bytes) -> bytes | None:
    lines = [line.rstrip(b"\r") for line in signature.strip().split(b"\n")]
    ends = {(_ARMOR_BEGIN, _ARMOR_END), (_MESSAGE_BEGIN, _MESSAGE_END)}
    if not lines or (lines[0].strip(), lines[-1].strip()) not in ends:
        return None
    try:
        blank = next(i for i, line in enumerate(lines) if not line.strip())
    except StopIteration:
        return None
    body = [line.strip() for line in lines[blank + 1 : -1] if not line.startswith(b"=")]
    try:
        return base64.b64decode(b"".join(body), validate=True)
    except (binascii.Error, ValueError):
        return None


def single_signature_packet(data: bytes) -> bytes | None:
    if not data:
        return None
    tag_byte = data[0]
    if tag_byte == 0xC2:  # new format, tag 2
        if len(data) < 2:
            return None
        first = data[1]
        if first < 192:
            size, offset = first, 2
        elif first < 224 and len(data) >= 3:
            size, offset = ((first - 192) << 8) + data[2] + 192, 3
        elif first == 255 and len(data) >= 6:
            size, offset = int.from_bytes(data[2:6], "big"), 6
        else:
            return None
    elif tag_byte & 0xFC == 0x88:  # old format, tag 2
        width = {0: 1, 1: 2, 2: 4}.get(tag_byte & 0x03)
        if width is None or len(data) < 1 + width:
            return None
        size, offset = int.from_bytes(data[1 : 1 + width], "big"), 1 + width
    else:
        return None
    if offset + size != len(data):
        return None
    return data[offset:]


def subpackets(data: bytes) -> list[tuple[int, bool, bytes]] | None:
    out: list[tuple[int, bool, bytes]] = []
    offset = 0
    while offset < len(data):
        first = data[offset]
        if first < 192:
            size, offset = first, offset + 1
        elif first < 255:
            if offset + 1 >= len(data):
                return None
            size, offset = ((first - 192) << 8) + data[offset + 1] + 192, offset + 2
        else:
            size, offset = int.from_bytes(data[offset + 1 : offset + 5], "big"), offset + 5
        if size < 1 or offset + size > len(data):
            return None
        kind = data[offset]
        out.append((kind & 0x7F, bool(kind & 0x80), data[offset + 1 : offset + size]))
        offset += size
    return out


def mpis(data: bytes, count: int) -> tuple[list[bytes], bytes]:
    out: list[bytes] = []
    for _ in range(count):
        if len(data) < 2:
            raise ValueError("truncated MPI")
        bits = int.from_bytes(data[:2], "big")
        size = (bits + 7) // 8
        if len(data) < 2 + size:
            raise ValueError("truncated MPI")
        out.append(data[2 : 2 + size])
        data = data[2 + size :]
    return out, data


def raw_verify_body(key_body: bytes, body: bytes, payload: bytes) -> bool | None:
    """Check a v4 signature body's arithmetic: True, False (it fails), or None when this
    verifier does not support the key's algorithm, curve or the hash (unknown, not bad)."""
    try:
        return raw_verify_v4(key_body, body, payload)
    except Exception:
        return False


_KEY_CACHE: dict[bytes, tuple[int, Any]] = {}


def public_key(key_body: bytes) -> tuple[int, Any] | None:
    """The ``cryptography`` public key of a v4 key packet body, cached."""
    cached = _KEY_CACHE.get(key_body)
    if cached is not None:
        return cached
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa

    if key_body[0] != 4:
        return None
    alg, material = key_body[5], key_body[6:]
    public: Any
    if alg in (1, 3):
        (n, e), _ = mpis(material, 2)
        public = (rsa.RSAPublicNumbers(_int(e), _int(n)).public_key(), len(n))
    elif alg == 17:
        (p, q, g, y), _ = mpis(material, 4)
        params = dsa.DSAParameterNumbers(_int(p), _int(q), _int(g))
        public = (dsa.DSAPublicNumbers(_int(y), params).public_key(), len(q))
    elif alg in (19, 22):
        oid_len = material[0]
        oid = material[1 : 1 + oid_len]
        (point,), _ = mpis(material[1 + oid_len :], 1)
        if alg == 22:
            if point[:1] != b"\x40" or len(point) != 33:
                return None
            public = ed25519.Ed25519PublicKey.from_public_bytes(point[1:])
        else:
            curve_name = CURVES.get(oid)
            if curve_name is None:
                return None
            curve = getattr(ec, curve_name)()
            public = ec.EllipticCurvePublicKey.from_encoded_point(curve, point)
    elif alg == 27:
        public = ed25519.Ed25519PublicKey.from_public_bytes(material[:32])
    else:
        return None
    _KEY_CACHE[key_body] = (alg, public)
    return alg, public


def _int(data: bytes) -> int:
    return int.from_bytes(data, "big")


def raw_verify_v4(key_body: bytes, body: bytes, payload: bytes) -> bool | None:
    """Check a v4 signature packet's arithmetic over ``payload`` with a v4 key's material.

    None when the signature or key version, the algorithm, the curve or the hash is one
    this verifier does not implement.
    """
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, utils

    if body[0] != 4:
        return None
    try:
        loaded = public_key(key_body)
    except (ValueError, TypeError):
        loaded = None
    if loaded is None:
        return None
    key_alg, public = loaded
    pk_alg, hash_alg = body[2], body[3]
    if key_alg != pk_alg:
        return False
    hashed_len = int.from_bytes(body[4:6], "big")
    hashed = body[: 6 + hashed_len]
    rest = body[6 + hashed_len :]
    unhashed_len = int.from_bytes(rest[:2], "big")
    rest = rest[2 + unhashed_len :]
    left16, sig_data = rest[:2], rest[2:]
    name = HASH_NAMES.get(hash_alg)
    if name is None:
        return None
    try:
        hasher = hashlib.new(name)
    except ValueError:  # e.g. RIPEMD-160 without OpenSSL's legacy provider
        return None
    hasher.update(payload)
    hasher.update(hashed)
    hasher.update(b"\x04\xff" + len(hashed).to_bytes(4, "big"))
    digest = hasher.digest()
    if digest[:2] != left16:
        return False
    prehashed = utils.Prehashed(getattr(hashes, name.upper())())
    if pk_alg in (1, 3):
        rsa_key, size = public
        (m,), _ = mpis(sig_data, 1)
        rsa_key.verify(m.rjust(size, b"\0"), digest, padding.PKCS1v15(), prehashed)
        return True
    if pk_alg == 27:
        public.verify(sig_data[:64], digest)
        return True
    (r, s), _ = mpis(sig_data, 2)
    if pk_alg == 22:
        public.verify(r.rjust(32, b"\0") + s.rjust(32, b"\0"), digest)
        return True
    der = utils.encode_dss_signature(_int(r), _int(s))
    if pk_alg == 17:
        dsa_key, _q_size = public
        dsa_key.verify(der, digest, prehashed)
        return True
    public.verify(der, digest, ec.ECDSA(prehashed))
    return True
