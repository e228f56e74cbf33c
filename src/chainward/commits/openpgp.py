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

pysequoia is imported inside the functions, never at module import. The packet
reader and the arithmetic are in :mod:`chainward.commits.openpgp_packets`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from chainward.commits.openpgp_packets import (
    HASH_NAMES,
    KNOWN_SUBPACKETS,
    WEAK_HASHES,
    ParsedSignature,
    dearmor,
    parse_signature,
    raw_verify_body,
    raw_verify_v4,
    single_signature_packet,
    subpackets,
)
from chainward.commits.verdict import Status, Verdict
from chainward.core.errors import InputError


@dataclass
class KeyMaterial:
    """One primary key or subkey of a certificate."""

    fingerprint: str
    created: datetime | None
    body: bytes
    expires: datetime | None = None
    revoked: bool = False


@dataclass
class OpenPGPCert:
    """A parsed certificate: the pysequoia object plus what the checks need."""

    cert: Any
    fingerprint: str
    emails: tuple[str, ...]
    keys: dict[str, KeyMaterial] = field(default_factory=dict)
    source: str = ""

    revoked: bool = False
    """Whether the certificate carries a revocation (read once: pysequoia recomputes it)."""


@dataclass
class OpenPGPKeyring:
    """The policy's OpenPGP certificates, indexed by every key's fingerprint and key id."""

    certs: list[OpenPGPCert] = field(default_factory=list)
    by_fingerprint: dict[str, OpenPGPCert] = field(default_factory=dict)
    by_keyid: dict[str, OpenPGPCert] = field(default_factory=dict)
    trusted: frozenset[str] = frozenset()
    """Trusted primary fingerprints; empty means every loaded key is trusted."""
    accepted: set[str] = field(default_factory=set)
    """Signing keys whose signature Sequoia has accepted in this run (see :func:`verify`)."""
    files: list[tuple[str, bytes]] = field(default_factory=list)
    """The key files as read, for the second verifier (gpg)."""

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
    keyring.files = list(files)
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
        if any(p.tag in (Tag.SecretKey, Tag.SecretSubkey) for p in PacketPile.from_bytes(data)):
            raise InputError(
                "this file holds an OpenPGP SECRET key",
                where=source,
                hint="remove it from the repository, revoke the key, and list only the "
                "public key (`gpg --armor --export FINGERPRINT`)",
            )
        for cert in certs:
            packets = list(PacketPile.from_bytes(str(cert).encode()))
            emails = tuple(
                e for e in (_email_of(str(u)) for u in _user_id_strings(packets)) if e is not None
            )
            entry = OpenPGPCert(
                cert, cert.fingerprint.lower(), emails, source=source, revoked=_is_revoked(cert)
            )
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
                    and current.fingerprint != entry.fingerprint
                    and packet.signature_type == SignatureType.SubkeyRevocation
                ):
                    current.revoked = True
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
                # Sequoia refuses some bindings (see _is_revoked): keep the expiry read
                # from the self-signature packets above.
                with contextlib.suppress(Exception):
                    primary.expires = cert.expiration
            keyring.certs.append(entry)
            for fpr in entry.keys:
                keyring.by_fingerprint[fpr] = entry
                keyring.by_keyid[fpr[-16:]] = entry
    return keyring


def _is_revoked(cert: Any) -> bool:
    """Whether Sequoia sees a revocation; False when it cannot judge the certificate.

    Sequoia's standard policy refuses some certificates that GnuPG accepts (GitHub's
    2017 web-flow key: "No binding signature at time ..."); such a key still verifies
    signatures through the arithmetic path, and a revocation would still be read from
    its packets (``KeyMaterial.revoked``).
    """
    try:
        return bool(cert.is_revoked)
    except Exception:
        return False


def _user_id_strings(packets: Sequence[Any]) -> list[str]:
    from pysequoia.packet import Tag

    return [p.user_id for p in packets if p.tag == Tag.UserID and p.user_id]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def verify(keyring: OpenPGPKeyring, payload: bytes, signature: bytes) -> Verdict:
    """Verify a detached OpenPGP signature over a commit payload.

    The first signature of each signing key goes through Sequoia's full verification
    (certificate binding, key flags, liveness at signing time, algorithm policy). Once
    Sequoia has accepted a key, later signatures by it that are plain v4 binary
    signatures (SHA-2, no unknown critical subpackets, made while the key was alive,
    not expired) have their arithmetic checked directly; anything else, and every
    failure, goes through Sequoia again. The verdict is the same either way.
    """
    now = _now()
    fast = _fast_path(keyring, signature, payload, now)
    if fast is not None:
        cert, material, sig_expires, valid = fast
        if not valid:
            signer = cert.fingerprint.upper()
            return Verdict(Status.BAD, "openpgp", signer=signer, detail="signature does not verify")
        return _judge(keyring, cert, material.fingerprint, True, sig_expires, now)
    from pysequoia import Sig
    from pysequoia import verify as sequoia_verify
    from pysequoia.packet import PacketPile, Tag

    try:
        packets = [p for p in PacketPile.from_bytes(signature) if p.tag == Tag.Signature]
        sig = Sig.from_bytes(signature)
    except Exception as exc:
        # Sequoia refuses some signatures GnuPG and GitHub produce (GitHub's web-flow
        # signatures: "Not a signature"). Read the packet ourselves; a signature nobody
        # here can read is unverifiable, never bad (issue 15).
        return verify_parsed(keyring, payload, signature, _first_line(exc), now)
    if len(packets) != 1:
        return Verdict(
            Status.UNVERIFIABLE,
            "openpgp",
            detail=f"expected exactly one signature packet, found {len(packets)}",
            unreadable=True,
        )
    packet = packets[0]
    issuer = sig.issuer_fingerprint or sig.issuer_key_id or ""
    found = keyring.lookup(issuer) if issuer else None
    if found is None:
        return Verdict(Status.UNKNOWN_KEY, "openpgp", signer=issuer.upper(), detail="no public key")
    cert = found
    reason = ""
    weak = False
    try:
        result = sequoia_verify(bytes=payload, store=lambda _ids: [cert.cert], signature=sig)
        signing_key = str(result.valid_sigs[0].signing_key).lower()
        ok = True
        keyring.accepted.add(signing_key)
    except Exception as exc:
        ok = False
        signing_key = ""
        reason = _first_line(exc)
    if not ok:
        key = _signing_key(cert, issuer)
        checked = _raw_verify(key, packet, payload) if key is not None else None
        if checked is None:
            return _unsupported(cert, f"Sequoia refuses it ({reason})")
        if not checked:
            signer = cert.fingerprint.upper()
            return Verdict(Status.BAD, "openpgp", signer=signer, detail="signature does not verify")
        signing_key = key.fingerprint if key is not None else signing_key
        parsed = parse_signature(signature)
        if parsed is not None and parsed.hash_name in WEAK_HASHES:
            reason = f"it is made with {WEAK_HASHES[parsed.hash_name]}, which is not collision-safe"
            weak = True
    return _judge(keyring, cert, signing_key, ok, sig.expiration, now, reason, retry=not weak)


def _unsupported(cert: OpenPGPCert, why: str) -> Verdict:
    """Neither Sequoia nor the arithmetic path can check it: unverifiable, gpg may try."""
    return Verdict(
        Status.UNVERIFIABLE,
        "openpgp",
        cert.fingerprint.upper(),
        f"{why}, and chainward's own verifier does not support its algorithm, curve or hash",
        cert.emails,
        unreadable=True,
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def verify_parsed(
    keyring: OpenPGPKeyring, payload: bytes, signature: bytes, why: str, now: datetime
) -> Verdict:
    """Verify a signature Sequoia cannot parse, from chainward's own v4 packet reader.

    A signature this reader cannot read either is ``UNVERIFIABLE`` with
    ``unreadable=True`` (the caller may try gpg); one it reads is judged like any other:
    bad only when its arithmetic fails with the signer's key.
    """
    parsed = parse_signature(signature)
    if parsed is None:
        return Verdict(
            Status.UNVERIFIABLE,
            "openpgp",
            detail=f"the OpenPGP signature cannot be read ({why})",
            unreadable=True,
        )
    issuer = parsed.issuer
    cert = keyring.lookup(issuer) if issuer else None
    if cert is None:
        return Verdict(Status.UNKNOWN_KEY, "openpgp", signer=issuer.upper(), detail="no public key")
    key = _signing_key(cert, issuer)
    checked = raw_verify_body(key.body, parsed.body, payload) if key is not None else None
    if key is None or checked is None:
        return _unsupported(cert, f"Sequoia cannot read it ({why})")
    if not checked:
        signer = cert.fingerprint.upper()
        return Verdict(Status.BAD, "openpgp", signer=signer, detail="signature does not verify")
    for material in (key, cert.keys.get(cert.fingerprint)):
        if material is not None and material.created and parsed.created < material.created:
            return Verdict(
                Status.UNVERIFIABLE,
                "openpgp",
                cert.fingerprint.upper(),
                f"the signature ({parsed.created:%Y-%m-%d}) is older than its key",
            )
    return _judge(keyring, cert, key.fingerprint, True, parsed.expires, now)


def _judge(
    keyring: OpenPGPKeyring,
    cert: OpenPGPCert,
    signing_key: str,
    ok: bool,
    expires: datetime | None,
    now: datetime,
    reason: str = "",
    *,
    retry: bool = False,
) -> Verdict:
    """GnuPG's order: revoked, expired signature, expired key, then trust."""
    signer = cert.fingerprint.upper()
    identities = cert.emails
    material = cert.keys.get(signing_key)
    if cert.revoked or (material is not None and material.revoked):
        return Verdict(Status.REVOKED, "openpgp", signer, "the key is revoked", identities)
    if expires is not None and expires <= now:
        return Verdict(
            Status.EXPIRED, "openpgp", signer, f"the signature expired on {expires:%Y-%m-%d}"
        )
    key_expiry = [k.expires for k in (cert.keys.get(cert.fingerprint), material) if k]
    for when in key_expiry:
        if when is not None and when <= now:
            return Verdict(
                Status.EXPIRED, "openpgp", signer, f"the key expired on {when:%Y-%m-%d}", identities
            )
    if not ok:
        # The arithmetic holds over the commit with the policy's key, but Sequoia
        # refuses the signature or the key's binding (SHA-1, a curve its backend lacks
        # such as brainpool, an unusual binding): not proven good, and not a tampered
        # commit either. Unless the hash is weak, gpg (the second verifier) may decide.
        return Verdict(
            Status.UNVERIFIABLE,
            "openpgp",
            signer,
            "the signature matches the commit, but it uses an algorithm or form the OpenPGP "
            f"policy rejects ({reason or 'e.g. SHA-1'})",
            identities,
            unreadable=retry,
            hint="re-sign the commit with a current key and SHA-256 "
            "(`git commit --amend --no-edit -S`), or set `since` past it",
        )
    if not keyring.is_trusted(cert):
        return Verdict(
            Status.UNTRUSTED, "openpgp", signer, "the key is not trusted by the policy", identities
        )
    return Verdict(Status.GOOD, "openpgp", signer, "", identities)


def _fast_path(
    keyring: OpenPGPKeyring, signature: bytes, payload: bytes, now: datetime
) -> tuple[OpenPGPCert, KeyMaterial, datetime | None, bool] | None:
    """A signature by a key Sequoia already accepted, checked directly (None: use Sequoia).

    The last item says whether the arithmetic holds.
    """
    if not keyring.accepted:
        return None
    binary = dearmor(signature)
    body = single_signature_packet(binary) if binary else None
    if (
        body is None
        or len(body) < 6
        or body[0] != 4
        or body[1] != 0x00
        or body[3] not in (8, 9, 10)
    ):
        return None
    hashed_len = int.from_bytes(body[4:6], "big")
    hashed = subpackets(body[6 : 6 + hashed_len])
    if hashed is None:
        return None
    created = issuer = None
    period = 0
    for kind, critical, value in hashed:
        if critical and kind not in KNOWN_SUBPACKETS:
            return None
        if kind == 2 and len(value) == 4:
            created = int.from_bytes(value, "big")
        elif kind == 3 and len(value) == 4:
            period = int.from_bytes(value, "big")
        elif kind == 33 and len(value) == 21:
            issuer = value[1:].hex()
    if issuer is None or created is None or issuer not in keyring.accepted:
        return None
    cert = keyring.by_fingerprint.get(issuer)
    material = cert.keys.get(issuer) if cert else None
    if cert is None or material is None or material.revoked or cert.revoked:
        return None
    signed_at = datetime.fromtimestamp(created, timezone.utc)
    for key in (material, cert.keys.get(cert.fingerprint)):
        if key is None or (key.created is not None and signed_at < key.created):
            return None
        if key.expires is not None and signed_at >= key.expires:
            return None
    expires = signed_at + timedelta(seconds=period) if period else None
    if (expires is not None and expires <= now) or signed_at > now + timedelta(days=1):
        return None
    try:
        checked = raw_verify_v4(material.body, body, payload)
    except Exception:
        checked = False
    if checked is None:
        return None
    valid = checked
    # A well-formed signature by an accepted, live key whose arithmetic fails is bad:
    # Sequoia could not accept it either.
    return cert, material, expires, valid


def _signing_key(cert: OpenPGPCert, issuer: str) -> KeyMaterial | None:
    issuer = issuer.lower()
    for fpr, key in cert.keys.items():
        if fpr == issuer or fpr.endswith(issuer[-16:]):
            return key
    return None


def _raw_verify(key: KeyMaterial, packet: Any, payload: bytes) -> bool | None:
    """Check a v4 signature's arithmetic (no time or policy checks); see raw_verify_body."""
    return raw_verify_body(key.body, bytes(packet.body), payload)


def judge_gpg_good(
    keyring: OpenPGPKeyring, primary: str, signing_key: str, status: dict[str, list[str]]
) -> Verdict:
    """Judge a signature gpg found valid (``VALIDSIG``) against the policy's keyring."""
    cert = keyring.lookup(primary)
    if cert is None:
        return Verdict(Status.UNKNOWN_KEY, "openpgp", primary.upper(), "no public key")
    signer = cert.fingerprint.upper()
    if "REVKEYSIG" in status:
        return Verdict(Status.REVOKED, "openpgp", signer, "the key is revoked (gpg)", cert.emails)
    if "EXPSIG" in status:
        return Verdict(Status.EXPIRED, "openpgp", signer, "the signature expired (gpg)")
    if "EXPKEYSIG" in status:
        return Verdict(Status.EXPIRED, "openpgp", signer, "the key expired (gpg)", cert.emails)
    valid = status.get("VALIDSIG", [])
    weak = WEAK_HASHES.get(
        HASH_NAMES.get(int(valid[7]), "") if len(valid) > 7 and valid[7].isdigit() else ""
    )
    if weak:
        # gpg still accepts these; chainward's first verifier does not (same verdict).
        return Verdict(
            Status.UNVERIFIABLE,
            "openpgp",
            signer,
            f"the signature matches the commit (gpg), but it is made with {weak}, which is "
            "not collision-safe",
            cert.emails,
            hint="re-sign the commit with a current key and SHA-256 "
            "(`git commit --amend --no-edit -S`), or set `since` past it",
        )
    return _judge(keyring, cert, signing_key.lower(), True, None, _now())


__all__ = [
    "KeyMaterial",
    "OpenPGPCert",
    "OpenPGPKeyring",
    "ParsedSignature",
    "judge_gpg_good",
    "load_keyring",
    "parse_signature",
    "raw_verify_body",
    "verify",
    "verify_parsed",
]
