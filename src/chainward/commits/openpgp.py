"""OpenPGP commit signatures, verified in-process with pysequoia.

The verdict follows GnuPG's as git reports it (``%G?``), so that chainward and
``git verify-commit`` agree:

* pysequoia (Sequoia's standard policy) checks the signature, the signing key's
  binding and that the key was alive when it signed;
* GnuPG reports a good signature by a key that has expired *now* as ``EXPKEYSIG``
  (git ``Y``), and any revoked key as ``REVKEYSIG`` (git ``R``); Sequoia accepts the
  first and rejects the second, and it rejects signatures whose own expiration has
  passed (GnuPG: ``EXPSIG``, git ``X``). pysequoia cannot verify "as of" another time,
  so when Sequoia refuses a signature, the signature arithmetic is redone here with
  ``cryptography`` over the same key material to tell an expired or revoked key, or
  an expired signature, from a bad signature.

pysequoia is imported inside the functions, never at module import.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from chainward.commits.verdict import Status, Verdict
from chainward.core.errors import InputError

_HASHES = {
    1: "md5",
    2: "sha1",
    3: "ripemd160",
    8: "sha256",
    9: "sha384",
    10: "sha512",
    11: "sha224",
}
_CURVES = {
    bytes.fromhex("2A8648CE3D030107"): "secp256r1",
    bytes.fromhex("2B81040022"): "secp384r1",
    bytes.fromhex("2B81040023"): "secp521r1",
}


@dataclass
class KeyMaterial:
    """One primary key or subkey of a certificate."""

    fingerprint: str
    created: datetime | None
    body: bytes
    expires: datetime | None = None


@dataclass
class OpenPGPCert:
    """A parsed certificate: the pysequoia object plus what the checks need."""

    cert: Any
    fingerprint: str
    emails: tuple[str, ...]
    keys: dict[str, KeyMaterial] = field(default_factory=dict)
    source: str = ""

    @property
    def revoked(self) -> bool:
        """Whether the certificate carries a revocation."""
        return bool(self.cert.is_revoked)


@dataclass
class OpenPGPKeyring:
    """The policy's OpenPGP certificates, indexed by every key's fingerprint and key id."""

    certs: list[OpenPGPCert] = field(default_factory=list)
    by_fingerprint: dict[str, OpenPGPCert] = field(default_factory=dict)
    by_keyid: dict[str, OpenPGPCert] = field(default_factory=dict)
    trusted: frozenset[str] = frozenset()
    """Trusted primary fingerprints; empty means every loaded key is trusted."""

    def lookup(self, issuer: str) -> OpenPGPCert | None:
        """The certificate holding the key with this fingerprint or key id."""
        issuer = issuer.lower()
        return self.by_fingerprint.get(issuer) or self.by_keyid.get(issuer[-16:])

    def is_trusted(self, cert: OpenPGPCert) -> bool:
        """Whether the policy trusts this certificate's signers."""
        return not self.trusted or cert.fingerprint in self.trusted


def _email_of(uid: str) -> str | None:
    if "<" in uid and uid.rstrip().endswith(">"):
        return uid.rsplit("<", 1)[1].rstrip()[:-1].strip().lower()
    if "@" in uid and " " not in uid.strip():
        return uid.strip().lower()
    return None


def load_keyring(files: Sequence[tuple[str, bytes]], trusted: Sequence[str] = ()) -> OpenPGPKeyring:
    """Parse armored or binary certificates; a file that is not one exits 2."""
    from pysequoia import Cert
    from pysequoia.packet import PacketPile, SignatureType, Tag

    keyring = OpenPGPKeyring(trusted=frozenset(t.lower().replace(" ", "") for t in trusted))
    for source, data in files:
        try:
            certs = Cert.split_bytes(data)
        except Exception as exc:
            raise InputError(
                f"not an OpenPGP public key: {str(exc).splitlines()[0]}",
                where=source,
                hint="export it with `gpg --armor --export FINGERPRINT`",
            ) from None
        if not certs:
            raise InputError("no OpenPGP public key in this file", where=source)
        for cert in certs:
            packets = list(PacketPile.from_bytes(str(cert).encode()))
            emails = tuple(
                e for e in (_email_of(str(u)) for u in _user_id_strings(packets)) if e is not None
            )
            entry = OpenPGPCert(cert, cert.fingerprint.lower(), emails, source=source)
            current: KeyMaterial | None = None
            for packet in packets:
                if packet.tag in (Tag.PublicKey, Tag.PublicSubkey):
                    current = KeyMaterial(
                        packet.fingerprint.lower(), packet.key_created, bytes(packet.body)
                    )
                    entry.keys[current.fingerprint] = current
                elif (
                    packet.tag == Tag.Signature
                    and current is not None
                    and packet.key_validity_period is not None
                    and packet.signature_type
                    in (
                        SignatureType.SubkeyBinding,
                        SignatureType.PositiveCertification,
                        SignatureType.GenericCertification,
                        SignatureType.CasualCertification,
                        SignatureType.PersonaCertification,
                        SignatureType.DirectKey,
                    )
                    and current.created is not None
                ):
                    period: timedelta = packet.key_validity_period
                    current.expires = current.created + period if period else None
            primary = entry.keys.get(entry.fingerprint)
            if primary is not None:
                primary.expires = cert.expiration
            keyring.certs.append(entry)
            for fpr in entry.keys:
                keyring.by_fingerprint[fpr] = entry
                keyring.by_keyid[fpr[-16:]] = entry
    return keyring


def _user_id_strings(packets: Sequence[Any]) -> list[str]:
    from pysequoia.packet import Tag

    return [p.user_id for p in packets if p.tag == Tag.UserID and p.user_id]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def verify(keyring: OpenPGPKeyring, payload: bytes, signature: bytes) -> Verdict:
    """Verify a detached OpenPGP signature over a commit payload."""
    from pysequoia import Sig, verify as sequoia_verify
    from pysequoia.packet import PacketPile, Tag

    try:
        packets = [p for p in PacketPile.from_bytes(signature) if p.tag == Tag.Signature]
        sig = Sig.from_bytes(signature)
    except Exception as exc:
        return Verdict(
            Status.BAD, "openpgp", detail=f"malformed signature: {str(exc).splitlines()[0]}"
        )
    if len(packets) != 1:
        return Verdict(Status.BAD, "openpgp", detail="expected exactly one signature packet")
    packet = packets[0]
    issuer = sig.issuer_fingerprint or sig.issuer_key_id or ""
    cert = keyring.lookup(issuer) if issuer else None
    if cert is None:
        return Verdict(Status.UNKNOWN_KEY, "openpgp", signer=issuer.upper(), detail="no public key")
    signer = cert.fingerprint.upper()
    try:
        result = sequoia_verify(bytes=payload, store=lambda _ids: [cert.cert], signature=sig)
        signing_key = str(result.valid_sigs[0].signing_key).lower()
        ok = True
    except Exception:
        ok = False
        signing_key = ""
    if not ok:
        key = _signing_key(cert, issuer)
        if key is None or not _raw_verify(key, packet, payload):
            return Verdict(Status.BAD, "openpgp", signer=signer, detail="signature does not verify")
        signing_key = key.fingerprint
    now = _now()
    identities = cert.emails
    if cert.revoked:
        return Verdict(Status.REVOKED, "openpgp", signer, "the key is revoked", identities)
    expires = sig.expiration
    if expires is not None and expires <= now:
        return Verdict(
            Status.EXPIRED, "openpgp", signer, f"the signature expired on {expires:%Y-%m-%d}"
        )
    material = cert.keys.get(signing_key)
    key_expiry = [k.expires for k in (cert.keys.get(cert.fingerprint), material) if k]
    for when in key_expiry:
        if when is not None and when <= now:
            return Verdict(
                Status.EXPIRED, "openpgp", signer, f"the key expired on {when:%Y-%m-%d}", identities
            )
    if not ok:
        return Verdict(
            Status.BAD,
            "openpgp",
            signer,
            "the signature uses an algorithm or form the OpenPGP policy rejects (e.g. SHA-1)",
        )
    if not keyring.is_trusted(cert):
        return Verdict(
            Status.UNTRUSTED, "openpgp", signer, "the key is not trusted by the policy", identities
        )
    return Verdict(Status.GOOD, "openpgp", signer, "", identities)


def _signing_key(cert: OpenPGPCert, issuer: str) -> KeyMaterial | None:
    issuer = issuer.lower()
    for fpr, key in cert.keys.items():
        if fpr == issuer or fpr.endswith(issuer[-16:]):
            return key
    return None


def _mpis(data: bytes, count: int) -> tuple[list[bytes], bytes]:
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


def _raw_verify(key: KeyMaterial, packet: Any, payload: bytes) -> bool:
    """Check a v4 signature's arithmetic (no time or policy checks)."""
    try:
        return _raw_verify_v4(key.body, bytes(packet.body), payload)
    except Exception:
        return False


def _raw_verify_v4(key_body: bytes, body: bytes, payload: bytes) -> bool:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, padding, rsa, utils

    if body[0] != 4 or key_body[0] != 4:
        return False
    pk_alg, hash_alg = body[2], body[3]
    hashed_len = int.from_bytes(body[4:6], "big")
    hashed = body[: 6 + hashed_len]
    rest = body[6 + hashed_len :]
    unhashed_len = int.from_bytes(rest[:2], "big")
    rest = rest[2 + unhashed_len :]
    left16, sig_data = rest[:2], rest[2:]
    name = _HASHES.get(hash_alg)
    if name is None:
        return False
    hasher = hashlib.new(name)
    hasher.update(payload)
    hasher.update(hashed)
    hasher.update(b"\x04\xff" + len(hashed).to_bytes(4, "big"))
    digest = hasher.digest()
    if digest[:2] != left16:
        return False
    algorithm = getattr(hashes, name.upper())()
    prehashed = utils.Prehashed(algorithm)
    material = key_body[6:]
    key_alg = key_body[5]
    if key_alg != pk_alg:
        return False
    if pk_alg in (1, 3):
        (n, e), _ = _mpis(material, 2)
        (m,), _ = _mpis(sig_data, 1)
        public = rsa.RSAPublicNumbers(int.from_bytes(e, "big"), int.from_bytes(n, "big"))
        sig_bytes = m.rjust(len(n), b"\0")
        public.public_key().verify(sig_bytes, digest, padding.PKCS1v15(), prehashed)
        return True
    if pk_alg == 17:
        (p, q, g, y), _ = _mpis(material, 4)
        (r, s), _ = _mpis(sig_data, 2)
        numbers = dsa.DSAPublicNumbers(
            int.from_bytes(y, "big"),
            dsa.DSAParameterNumbers(*(int.from_bytes(v, "big") for v in (p, q, g))),
        )
        der = utils.encode_dss_signature(int.from_bytes(r, "big"), int.from_bytes(s, "big"))
        numbers.public_key().verify(der, digest[: len(q)], utils.Prehashed(algorithm))
        return True
    if pk_alg in (19, 22):
        oid_len = material[0]
        oid = material[1 : 1 + oid_len]
        (point,), _ = _mpis(material[1 + oid_len :], 1)
        (r, s), _ = _mpis(sig_data, 2)
        if pk_alg == 22:
            if point[:1] != b"\x40" or len(point) != 33:
                return False
            ed25519.Ed25519PublicKey.from_public_bytes(point[1:]).verify(
                r.rjust(32, b"\0") + s.rjust(32, b"\0"), digest
            )
            return True
        curve_name = _CURVES.get(oid)
        if curve_name is None:
            return False
        curve = getattr(ec, curve_name.upper())()
        public_ec = ec.EllipticCurvePublicKey.from_encoded_point(curve, point)
        der = utils.encode_dss_signature(int.from_bytes(r, "big"), int.from_bytes(s, "big"))
        public_ec.verify(der, digest, ec.ECDSA(prehashed))
        return True
    if pk_alg == 27:
        ed25519.Ed25519PublicKey.from_public_bytes(material[:32]).verify(sig_data[:64], digest)
        return True
    return False
