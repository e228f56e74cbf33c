"""What verifying one commit's signature concluded, before the policy judges it."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Status(enum.Enum):
    """The outcome of a signature check; git's ``%G?`` letter in brackets."""

    GOOD = "good"  # G
    UNSIGNED = "unsigned"  # N
    BAD = "bad"  # B
    UNKNOWN_KEY = "unknown-key"  # E
    UNTRUSTED = "untrusted"  # U
    EXPIRED = "expired"  # X (signature) / Y (key)
    REVOKED = "revoked"  # R
    UNVERIFIABLE = "unverifiable"
    """The signature could not be read or checked (no verifier parses it, or the key
    is not available anywhere): neither good nor bad; ``detail`` says why."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """A signature verdict: status, format, who signed, and why.

    ``identities`` are the signer's e-mails or principals (for committer matching);
    ``tlog`` is None when not applicable, else whether a transparency-log entry was
    verified, with ``tlog_detail`` saying why not.
    """

    status: Status
    kind: str = ""
    """``openpgp``, ``ssh`` or ``x509`` (gitsign); empty when unsigned."""
    signer: str = ""
    """Key fingerprint or certificate identity, for messages."""
    detail: str = ""
    identities: tuple[str, ...] = ()
    tlog: bool | None = None
    tlog_detail: str = ""
    unreadable: bool = False
    """For ``UNVERIFIABLE``: chainward's own verifiers could not decide (they cannot read
    the signature, or Sequoia refuses it for a reason other than a weak hash); the second
    verifier, gpg, may."""
    hint: str = ""
    """A fix specific to this verdict, when the status's general fix does not fit."""


def signature_kind(signature: bytes) -> str:
    """Which verifier a signature needs, from its armor line (like git's ``gpg.format``)."""
    head = signature.lstrip()[:40]
    if head.startswith(b"-----BEGIN PGP SIGNATURE-----"):
        return "openpgp"
    if head.startswith(b"-----BEGIN SSH SIGNATURE-----"):
        return "ssh"
    if head.startswith((b"-----BEGIN SIGNED MESSAGE-----", b"-----BEGIN PKCS7-----")):
        return "x509"
    if head.startswith(b"-----BEGIN PGP MESSAGE-----"):
        return "openpgp"
    return "unknown"
