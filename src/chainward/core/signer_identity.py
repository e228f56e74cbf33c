"""Who must have signed: the identity claims of a Fulcio certificate and the policy that
checks them (SAN, OIDC issuer, source repository, signer workflow).

Shared by provenance attestations and PEP 740 attestations of dependencies. Imports
cryptography and sigstore at module level: import it inside verification functions.
"""

from __future__ import annotations

import re
from typing import cast

from cryptography import x509
from sigstore.errors import VerificationError

from chainward.core.attestation import Policy, repository_url

# Fulcio certificate extensions (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md).
_OID_ISSUER_V1 = "1.3.6.1.4.1.57264.1.1"
_OID_WORKFLOW_REPOSITORY_V1 = "1.3.6.1.4.1.57264.1.5"
_OID_ISSUER_V2 = "1.3.6.1.4.1.57264.1.8"
_OID_BUILD_SIGNER_URI = "1.3.6.1.4.1.57264.1.9"
_OID_SOURCE_REPOSITORY_URI = "1.3.6.1.4.1.57264.1.12"
_OTHERNAME_SAN = "1.3.6.1.4.1.57264.1.7"


def _der_utf8(value: bytes) -> str:
    """The text of a DER UTF8String (the encoding of Fulcio's v2 extensions)."""
    if len(value) < 2 or value[0] != 0x0C:
        raise VerificationError("certificate extension is not a DER UTF8String")
    length = value[1]
    offset = 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(value[2 : 2 + count], "big")
        offset = 2 + count
    return value[offset : offset + length].decode("utf-8")


def certificate_claims(cert: x509.Certificate) -> dict[str, str | list[str]]:
    """The identity claims of a Fulcio certificate: SANs, issuer, repository, signer."""
    claims: dict[str, str | list[str]] = {}
    sans: list[str] = []
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        sans.extend(san.get_values_for_type(x509.RFC822Name))
        sans.extend(san.get_values_for_type(x509.UniformResourceIdentifier))
        sans.extend(
            other.value.decode("utf-8", "replace")
            for other in san.get_values_for_type(x509.OtherName)
            if other.type_id.dotted_string == _OTHERNAME_SAN
        )
    except x509.ExtensionNotFound:
        pass
    claims["sans"] = sans
    for ext in cert.extensions:
        oid = ext.oid.dotted_string
        raw = ext.value.value if isinstance(ext.value, x509.UnrecognizedExtension) else None
        if raw is None:
            continue
        if oid == _OID_ISSUER_V2:
            claims["issuer"] = _der_utf8(raw)
        elif oid == _OID_ISSUER_V1:
            claims.setdefault("issuer", raw.decode("utf-8", "replace"))
        elif oid == _OID_SOURCE_REPOSITORY_URI:
            claims["source_repository"] = _der_utf8(raw)
        elif oid == _OID_WORKFLOW_REPOSITORY_V1:
            claims.setdefault(
                "source_repository", "https://github.com/" + raw.decode("utf-8", "replace")
            )
        elif oid == _OID_BUILD_SIGNER_URI:
            claims["build_signer"] = _der_utf8(raw)
    return claims


class IdentityPolicy:
    """Who must have signed: the certificate SAN (exact or an anchored regex), the
    OIDC issuer (exact), and optionally the source repository and signer workflow."""

    def __init__(
        self,
        *,
        identity: str | None,
        identity_regexp: str | None,
        issuer: str,
        repository: str | None = None,
        signer_workflow: str | None = None,
    ) -> None:
        self.identity = identity
        self.pattern = re.compile(identity_regexp) if identity_regexp else None
        self.issuer = issuer
        self.repository = repository
        self.signer_workflow = signer_workflow

    @classmethod
    def of(cls, policy: Policy, *, repository: str | None) -> IdentityPolicy:
        """The certificate part of a verification policy, with this source repository."""
        return cls(
            identity=policy.identity,
            identity_regexp=policy.identity_regexp,
            issuer=str(policy.issuer),
            repository=repository,
            signer_workflow=policy.signer_workflow,
        )

    def verify(self, cert: x509.Certificate) -> None:
        """Raise ``VerificationError`` naming the first claim that does not match."""
        claims = certificate_claims(cert)
        issuer = claims.get("issuer")
        if issuer != self.issuer:
            raise VerificationError(
                f"certificate OIDC issuer is {issuer!r}, expected {self.issuer!r}"
            )
        sans = cast(list[str], claims["sans"])
        if self.identity is not None and self.identity not in sans:
            raise VerificationError(
                f"certificate identity {', '.join(sans) or '(none)'} is not {self.identity}"
            )
        if self.pattern is not None and not any(self.pattern.fullmatch(s) for s in sans):
            raise VerificationError(
                f"certificate identity {', '.join(sans) or '(none)'} does not match "
                f"{self.pattern.pattern!r}"
            )
        if self.repository is not None:
            source = claims.get("source_repository")
            want = repository_url(self.repository)
            if not isinstance(source, str) or source.lower() != want.lower():
                raise VerificationError(
                    f"certificate source repository is {source or '(none)'}, expected {want}"
                )
        if self.signer_workflow is not None:
            signer = claims.get("build_signer")
            if not isinstance(signer, str):
                signer = sans[0] if sans else ""
            want = self.signer_workflow
            if "://" not in want:
                want = "https://github.com/" + want.lstrip("/")
            base = signer.split("@", 1)[0]
            if not (signer == want or base.lower() == want.lower()):
                raise VerificationError(
                    f"certificate signer workflow is {signer or '(none)'}, expected {want}"
                )
