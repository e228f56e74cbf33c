"""gitsign (Sigstore keyless, x509 CMS) commit signatures, verified offline.

Checked against the Sigstore trusted root pinned inside chainward
(:mod:`chainward.core.trust`), never a user cache:

1. the CMS ``messageDigest`` equals the digest of the commit payload, and the ECDSA
   signature over the DER signed attributes verifies with the signer certificate;
2. the Fulcio chain: leaf → intermediate → root of a trusted-root certificate
   authority, each certificate (and the authority's ``validFor``) valid at the
   signing time, the leaf a Fulcio code-signing certificate (EKU codeSigning, a
   window of at most 10 minutes);
3. the identity (SAN) and OIDC issuer (extension 1.3.6.1.4.1.57264.1.8, else .1.1)
   against ``gitsign-identities``;
4. when the signature embeds its Rekor entry (unsigned attribute
   1.3.6.1.4.1.57264.3.1, a serialized ``dev.sigstore.rekor.v1.TransparencyLogEntry``),
   the signed entry timestamp, the inclusion proof and the checkpoint, with sigstore's
   own verifiers; the entry's body is rebuilt as the hashedrekord gitsign uploaded
   (SHA-256 of the DER signed attributes, the signature, the PEM certificate), so the
   proof also binds the entry to this signature. The integrated time then is the
   signing time. Without an embedded entry the verdict carries ``tlog=False`` and
   the commit gets a ``commit-tlog-unverified`` finding, never a silent pass.

asn1crypto, cryptography and sigstore are imported inside the functions.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from chainward.commits.meta import CommitsSettings
from chainward.commits.verdict import Status, Verdict
from chainward.core.schema import read_settings

OID_ISSUER_V1 = "1.3.6.1.4.1.57264.1.1"
OID_ISSUER_V2 = "1.3.6.1.4.1.57264.1.8"
OID_REKOR_ENTRY = "1.3.6.1.4.1.57264.3.1"
OID_REKOR_PROTOTYPE = "1.3.6.1.4.1.57264.3."
MAX_CERT_WINDOW = timedelta(minutes=10, seconds=1)
_ARMORS = (b"SIGNED MESSAGE", b"PKCS7")


class GitsignError(ValueError):
    """A malformed gitsign signature."""


@dataclass(frozen=True, slots=True)
class IdentityRule:
    """One ``gitsign-identities`` entry: exact strings or full-match regular expressions."""

    identity: str = ""
    identity_regex: str = ""
    issuer: str = ""
    issuer_regex: str = ""

    def matches(self, identity: str, issuer: str) -> bool:
        """Whether a certificate's identity and issuer satisfy this rule."""
        if self.identity and identity != self.identity:
            return False
        if self.identity_regex and not re.fullmatch(self.identity_regex, identity):
            return False
        if self.issuer and issuer != self.issuer:
            return False
        if self.issuer_regex and not re.fullmatch(self.issuer_regex, issuer):
            return False
        return bool(self.identity or self.identity_regex) and bool(self.issuer or self.issuer_regex)


def _decode_armor(signature: bytes) -> bytes:
    text = signature.strip()
    for name in _ARMORS:
        begin, end = b"-----BEGIN " + name + b"-----", b"-----END " + name + b"-----"
        if text.startswith(begin):
            if not text.endswith(end):
                raise GitsignError("the armor has no END line")
            body = b"".join(text[len(begin) : -len(end)].split())
            try:
                return base64.b64decode(body, validate=True)
            except (binascii.Error, ValueError):
                raise GitsignError("invalid base64 in the armor") from None
    raise GitsignError("not a CMS signature")


def _varint(data: bytes, offset: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if offset >= len(data) or shift > 63:
            raise GitsignError("truncated protobuf varint")
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, offset


def decode_protobuf(data: bytes) -> dict[int, list[Any]]:
    """A minimal protobuf wire-format decoder: field number → values (int or bytes)."""
    fields: dict[int, list[Any]] = {}
    offset = 0
    while offset < len(data):
        key, offset = _varint(data, offset)
        number, wire = key >> 3, key & 7
        value: Any
        if wire == 0:
            value, offset = _varint(data, offset)
        elif wire == 2:
            size, offset = _varint(data, offset)
            if offset + size > len(data):
                raise GitsignError("truncated protobuf field")
            value, offset = data[offset : offset + size], offset + size
        elif wire == 1:
            value, offset = data[offset : offset + 8], offset + 8
        elif wire == 5:
            value, offset = data[offset : offset + 4], offset + 4
        else:
            raise GitsignError(f"unsupported protobuf wire type {wire}")
        fields.setdefault(number, []).append(value)
    return fields


def _first(fields: Mapping[int, list[Any]], number: int, default: Any = None) -> Any:
    values = fields.get(number)
    return values[0] if values else default


@dataclass(frozen=True)
class RekorEntry:
    """The fields of an embedded ``TransparencyLogEntry``."""

    log_index: int
    log_id: bytes
    kind: str
    version: str
    integrated_time: int
    signed_entry_timestamp: bytes
    proof_log_index: int
    root_hash: bytes
    tree_size: int
    hashes: tuple[bytes, ...]
    checkpoint: str


def parse_rekor_entry(data: bytes) -> RekorEntry:
    """Decode a serialized ``dev.sigstore.rekor.v1.TransparencyLogEntry``."""
    top = decode_protobuf(data)
    log_id = decode_protobuf(_first(top, 2, b""))
    kind_version = decode_protobuf(_first(top, 3, b""))
    promise = decode_protobuf(_first(top, 5, b""))
    proof = decode_protobuf(_first(top, 6, b""))
    checkpoint = decode_protobuf(_first(proof, 5, b""))
    return RekorEntry(
        log_index=int(_first(top, 1, 0)),
        log_id=bytes(_first(log_id, 1, b"")),
        kind=bytes(_first(kind_version, 1, b"")).decode("utf-8", "replace"),
        version=bytes(_first(kind_version, 2, b"")).decode("utf-8", "replace"),
        integrated_time=int(_first(top, 4, 0)),
        signed_entry_timestamp=bytes(_first(promise, 1, b"")),
        proof_log_index=int(_first(proof, 1, 0)),
        root_hash=bytes(_first(proof, 2, b"")),
        tree_size=int(_first(proof, 3, 0)),
        hashes=tuple(bytes(h) for h in proof.get(4, [])),
        checkpoint=bytes(_first(checkpoint, 1, b"")).decode("utf-8", "replace"),
    )


def hashedrekord_body(signed_attrs_der: bytes, signature: bytes, cert_pem: bytes) -> bytes:
    """The canonical hashedrekord v0.0.1 body Rekor stores for a gitsign signature."""
    body = {
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "data": {
                "hash": {
                    "algorithm": "sha256",
                    "value": hashlib.sha256(signed_attrs_der).hexdigest(),
                }
            },
            "signature": {
                "content": base64.b64encode(signature).decode(),
                "publicKey": {"content": base64.b64encode(cert_pem).decode()},
            },
        },
    }
    return json.dumps(body, separators=(",", ":")).encode()


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class Authority:
    """A Fulcio certificate authority from the trusted root: its chain and validity."""

    chain: list[Any]
    start: datetime
    end: datetime | None


@dataclass
class GitsignTrust:
    """The pinned trusted root and the policy's identities."""

    rules: list[IdentityRule] = field(default_factory=list)
    _authorities: list[Authority] | None = None
    _keyring: Any = None

    @classmethod
    def from_policy(cls, policy: CommitsSettings | Mapping[str, Any]) -> GitsignTrust:
        """Build from the ``gitsign-identities`` policy key."""
        from chainward.core.errors import ConfigError

        rules = []
        settings = read_settings(CommitsSettings, policy)
        for index, raw in enumerate(settings.gitsign_identities):
            rule = IdentityRule(
                raw.get("identity", ""),
                raw.get("identity-regex", ""),
                raw.get("issuer", ""),
                raw.get("issuer-regex", ""),
            )
            where = f"commits.gitsign-identities[{index}]"
            if bool(rule.identity) == bool(rule.identity_regex):
                raise ConfigError(f"{where}: give exactly one of identity, identity-regex")
            if bool(rule.issuer) == bool(rule.issuer_regex):
                raise ConfigError(f"{where}: give exactly one of issuer, issuer-regex")
            for pattern in (rule.identity_regex, rule.issuer_regex):
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ConfigError(f"{where}: invalid regular expression: {exc}") from None
            rules.append(rule)
        return cls(rules)

    def authorities(self) -> list[Authority]:
        """The Fulcio authorities of the pinned trusted root."""
        if self._authorities is None:
            from cryptography import x509

            from chainward.core.trust import trusted_root_bytes

            document = json.loads(trusted_root_bytes())
            found = []
            for ca in document.get("certificateAuthorities", []):
                chain = [
                    x509.load_der_x509_certificate(base64.b64decode(c["rawBytes"]))
                    for c in ca["certChain"]["certificates"]
                ]
                valid = ca.get("validFor", {})
                end = valid.get("end")
                found.append(
                    Authority(chain, _parse_time(valid["start"]), _parse_time(end) if end else None)
                )
            self._authorities = found
        return self._authorities

    def rekor_keyring(self) -> Any:
        """sigstore's Rekor keyring from the pinned trusted root."""
        if self._keyring is None:
            from sigstore._internal.trust import KeyringPurpose

            from chainward.core.trust import load_trusted_root

            self._keyring = load_trusted_root().rekor_keyring(KeyringPurpose.VERIFY)
        return self._keyring

    def verify(self, payload: bytes, signature: bytes) -> Verdict:
        """Verify a gitsign commit signature over ``payload``."""
        try:
            return self._verify(payload, signature)
        except GitsignError as exc:
            return Verdict(
                Status.UNVERIFIABLE, "x509", detail=f"the gitsign signature cannot be read: {exc}"
            )
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            return Verdict(
                Status.UNVERIFIABLE, "x509", detail=f"the CMS signature cannot be read: {exc}"
            )

    def _verify(self, payload: bytes, signature: bytes) -> Verdict:
        from asn1crypto import cms
        from cryptography import x509
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        der = _decode_armor(signature)
        info = cms.ContentInfo.load(der, strict=True)
        if info["content_type"].native != "signed_data":
            raise GitsignError("CMS content is not SignedData")
        signed = info["content"]
        signers = list(signed["signer_infos"])
        if len(signers) != 1:
            raise GitsignError("expected exactly one signer")
        signer = signers[0]
        attrs = signer["signed_attrs"]
        if not attrs:
            raise GitsignError("no signed attributes")
        values = {a["type"].native: a["values"] for a in attrs}
        if "message_digest" not in values:
            raise GitsignError("no messageDigest attribute")
        digest_name = signer["digest_algorithm"]["algorithm"].native
        if digest_name not in ("sha256", "sha384", "sha512"):
            raise GitsignError(f"unsupported digest {digest_name}")
        expected = values["message_digest"][0].native
        if hashlib.new(digest_name, payload).digest() != expected:
            return Verdict(
                Status.BAD, "x509", detail="the CMS messageDigest does not match the commit"
            )
        sid = signer["sid"]
        if sid.name != "issuer_and_serial_number":
            raise GitsignError("signer identified by key id; expected issuer and serial")
        wanted_serial = sid.chosen["serial_number"].native
        leaf_asn1 = next(
            (
                c.chosen
                for c in signed["certificates"] or []
                if c.name == "certificate" and c.chosen.serial_number == wanted_serial
            ),
            None,
        )
        if leaf_asn1 is None:
            raise GitsignError("the signer's certificate is not in the signature")
        leaf = x509.load_der_x509_certificate(leaf_asn1.dump())
        signed_attrs_der = b"\x31" + attrs.dump()[1:]
        raw_signature = signer["signature"].native
        public = leaf.public_key()
        if not isinstance(public, ec.EllipticCurvePublicKey):
            raise GitsignError("the signer key is not ECDSA")
        algorithm = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384()}.get(
            digest_name, hashes.SHA512()
        )
        try:
            public.verify(raw_signature, signed_attrs_der, ec.ECDSA(algorithm))
        except InvalidSignature:
            return Verdict(Status.BAD, "x509", detail="the CMS signature does not verify")

        identity, issuer = certificate_identity(leaf)
        signer_name = f"{identity} ({issuer})" if issuer else identity

        # The transparency log, when embedded, gives the trusted signing time.
        tlog: bool = False
        tlog_detail = "the signature does not embed its Rekor entry (gitsign's online mode)"
        when: datetime | None = None
        unsigned = list(signer["unsigned_attrs"] or [])
        oids = {a["type"].dotted for a in unsigned}
        prototype = sorted(
            o for o in oids if o.startswith(OID_REKOR_PROTOTYPE) and o != OID_REKOR_ENTRY
        )
        for attribute in unsigned:
            oid = attribute["type"].dotted
            if oid == OID_REKOR_ENTRY and not prototype:
                entry = parse_rekor_entry(attribute["values"][0].contents)
                cert_pem = leaf.public_bytes(serialization.Encoding.PEM)
                body = hashedrekord_body(signed_attrs_der, raw_signature, cert_pem)
                problem = self._verify_entry(entry, body)
                if problem:
                    return Verdict(
                        Status.BAD,
                        "x509",
                        signer_name,
                        f"the embedded Rekor entry does not verify: {problem}",
                    )
                tlog, tlog_detail = True, ""
                when = datetime.fromtimestamp(entry.integrated_time, timezone.utc)
        if prototype:
            tlog_detail = (
                "the signature embeds Rekor data in gitsign's early prototype layout "
                f"({', '.join(prototype)}), which is not supported"
            )
        if when is None:
            signing_time = values.get("signing_time")
            when = signing_time[0].native if signing_time else leaf.not_valid_before_utc

        problem = self._verify_chain(leaf, when)
        if problem:
            return Verdict(Status.UNKNOWN_KEY, "x509", signer_name, problem)
        if not leaf.not_valid_before_utc <= when <= leaf.not_valid_after_utc:
            return Verdict(
                Status.EXPIRED,
                "x509",
                signer_name,
                f"signed at {when:%Y-%m-%d %H:%M:%SZ}, outside the certificate's window "
                f"{leaf.not_valid_before_utc:%H:%M:%S}-{leaf.not_valid_after_utc:%H:%M:%S}",
                tlog=tlog,
                tlog_detail=tlog_detail,
            )
        if not any(rule.matches(identity, issuer) for rule in self.rules):
            return Verdict(
                Status.UNTRUSTED,
                "x509",
                signer_name,
                "the identity and issuer are not in gitsign-identities",
                (identity,),
                tlog,
                tlog_detail,
            )
        return Verdict(Status.GOOD, "x509", signer_name, "", (identity,), tlog, tlog_detail)

    def _verify_chain(self, leaf: Any, when: datetime) -> str:
        from cryptography import x509

        window = leaf.not_valid_after_utc - leaf.not_valid_before_utc
        if window > MAX_CERT_WINDOW:
            return f"the certificate is valid for {window}, not a Fulcio 10-minute certificate"
        try:
            usage = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except x509.ExtensionNotFound:
            return "the certificate has no extended key usage"
        if x509.oid.ExtendedKeyUsageOID.CODE_SIGNING not in usage:
            return "the certificate is not for code signing"
        for authority in self.authorities():
            if when < authority.start or (authority.end is not None and when > authority.end):
                continue
            chain = [leaf, *authority.chain]
            try:
                for child, parent in itertools.pairwise(chain):
                    child.verify_directly_issued_by(parent)
                    if not parent.not_valid_before_utc <= when <= parent.not_valid_after_utc:
                        raise ValueError("CA certificate not valid at the signing time")
                chain[-1].verify_directly_issued_by(chain[-1])
            except Exception:  # noqa: S112 - a non-matching authority; try the next one
                continue
            return ""
        return "the certificate does not chain to a Fulcio authority of the pinned trusted root"

    def _verify_entry(self, entry: RekorEntry, body: bytes) -> str:
        from sigstore.errors import VerificationError
        from sigstore.models import TransparencyLogEntry
        from sigstore_models.rekor.v1 import TransparencyLogEntry as Inner

        if entry.kind != "hashedrekord":
            return f"unexpected entry kind {entry.kind!r}"
        inner = Inner.from_dict(
            {
                "logIndex": str(entry.log_index),
                "logId": {"keyId": _b64(entry.log_id)},
                "kindVersion": {"kind": entry.kind, "version": entry.version},
                "integratedTime": str(entry.integrated_time),
                "inclusionPromise": {"signedEntryTimestamp": _b64(entry.signed_entry_timestamp)},
                "inclusionProof": {
                    "logIndex": str(entry.proof_log_index),
                    "rootHash": _b64(entry.root_hash),
                    "treeSize": str(entry.tree_size),
                    "hashes": [_b64(h) for h in entry.hashes],
                    "checkpoint": {"envelope": entry.checkpoint},
                },
                "canonicalizedBody": _b64(body),
            }
        )
        try:
            log_entry = TransparencyLogEntry(inner)
            log_entry._verify(self.rekor_keyring())
            if not entry.signed_entry_timestamp:
                return "no signed entry timestamp"
            log_entry._verify_set(self.rekor_keyring())
        except VerificationError as exc:
            return str(exc)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        return ""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def certificate_identity(cert: Any) -> tuple[str, str]:
    """A Fulcio certificate's identity (SAN e-mail or URI) and OIDC issuer."""
    from asn1crypto.core import UTF8String
    from cryptography import x509

    identity = ""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names: Sequence[str] = [
            *san.get_values_for_type(x509.RFC822Name),
            *san.get_values_for_type(x509.UniformResourceIdentifier),
        ]
        identity = names[0] if names else ""
    except x509.ExtensionNotFound:
        pass
    issuer = ""
    for extension in cert.extensions:
        if extension.oid.dotted_string == OID_ISSUER_V2:
            issuer = UTF8String.load(extension.value.value).native
            break
        if extension.oid.dotted_string == OID_ISSUER_V1:
            issuer = extension.value.value.decode("utf-8", "replace")
    return identity, issuer
