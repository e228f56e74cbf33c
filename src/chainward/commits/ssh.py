"""SSH commit signatures (SSHSIG), verified in-process with ``cryptography``.

Follows what git does with ``gpg.format = ssh``: the key is looked up in the
allowed-signers file (git's ``gpg.ssh.allowedSignersFile`` format, with
``namespaces=``, ``valid-after=``, ``valid-before=``), validity is judged at the
committer's timestamp (git passes ``-Overify-time``), the namespace must be
``git``, and revoked keys (git's ``gpg.ssh.revocationFile``) are refused.

Formats: https://github.com/openssh/openssh-portable/blob/master/PROTOCOL.sshsig
and the ``ALLOWED SIGNERS`` section of ssh-keygen(1).
"""

from __future__ import annotations

import base64
import binascii
import calendar
import fnmatch
import hashlib
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from chainward.commits.verdict import Status, Verdict
from chainward.core.errors import InputError

_ARMOR_BEGIN = b"-----BEGIN SSH SIGNATURE-----"
_ARMOR_END = b"-----END SSH SIGNATURE-----"
_KEY_TYPES = (
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
)


class SSHSigError(ValueError):
    """A malformed SSH signature or key."""


def _read_string(data: bytes, offset: int) -> tuple[bytes, int]:
    if offset + 4 > len(data):
        raise SSHSigError("truncated")
    size = int.from_bytes(data[offset : offset + 4], "big")
    end = offset + 4 + size
    if end > len(data):
        raise SSHSigError("truncated")
    return data[offset + 4 : end], end


def _string(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


def fingerprint(blob: bytes) -> str:
    """OpenSSH's ``SHA256:`` fingerprint of a public key blob."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


@dataclass(frozen=True, slots=True)
class SSHSignature:
    """A parsed SSHSIG blob."""

    public_key: bytes
    namespace: bytes
    hash_algorithm: str
    signature: bytes
    reserved: bytes = b""


def parse_signature(armored: bytes) -> SSHSignature:
    """Parse an armored SSHSIG; raise SSHSigError when it is malformed."""
    text = armored.strip()
    if not text.startswith(_ARMOR_BEGIN) or not text.endswith(_ARMOR_END):
        raise SSHSigError("missing SSH SIGNATURE armor")
    body = b"".join(text[len(_ARMOR_BEGIN) : -len(_ARMOR_END)].split())
    try:
        blob = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise SSHSigError("invalid base64 in the armor") from None
    if blob[:6] != b"SSHSIG" or len(blob) < 10:
        raise SSHSigError("missing SSHSIG magic")
    if int.from_bytes(blob[6:10], "big") != 1:
        raise SSHSigError("unsupported SSHSIG version")
    offset = 10
    public_key, offset = _read_string(blob, offset)
    namespace, offset = _read_string(blob, offset)
    reserved, offset = _read_string(blob, offset)
    hash_alg, offset = _read_string(blob, offset)
    signature, offset = _read_string(blob, offset)
    if offset != len(blob):
        raise SSHSigError("trailing bytes after the signature")
    if hash_alg not in (b"sha256", b"sha512"):
        raise SSHSigError(f"unsupported hash algorithm {hash_alg!r}")
    return SSHSignature(public_key, namespace, hash_alg.decode(), signature, reserved)


def _mpint(value: bytes) -> int:
    return int.from_bytes(value, "big", signed=True)


def verify_signature(sig: SSHSignature, message: bytes) -> bool:
    """Check the SSHSIG arithmetic over ``message`` (namespace and trust are separate)."""
    try:
        return _verify(sig, message)
    except (SSHSigError, ValueError, TypeError):
        return False
    except Exception as exc:
        from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm

        if isinstance(exc, (InvalidSignature, UnsupportedAlgorithm)):
            return False
        raise


def _verify(sig: SSHSignature, message: bytes) -> bool:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils

    digest = hashlib.new(sig.hash_algorithm, message).digest()
    signed = (
        b"SSHSIG"
        + _string(sig.namespace)
        + _string(sig.reserved)
        + _string(sig.hash_algorithm.encode())
        + _string(digest)
    )
    key_type, offset = _read_string(sig.public_key, 0)
    sig_type, sig_offset = _read_string(sig.signature, 0)
    sig_bytes, sig_offset = _read_string(sig.signature, sig_offset)
    if key_type == b"ssh-ed25519":
        raw, _ = _read_string(sig.public_key, offset)
        if sig_type != b"ssh-ed25519":
            return False
        ed25519.Ed25519PublicKey.from_public_bytes(raw).verify(sig_bytes, signed)
        return True
    if key_type == b"ssh-rsa":
        e, offset = _read_string(sig.public_key, offset)
        n, _ = _read_string(sig.public_key, offset)
        algorithm = {b"rsa-sha2-256": hashes.SHA256(), b"rsa-sha2-512": hashes.SHA512()}.get(
            sig_type
        )
        if algorithm is None:  # ssh-keygen refuses SHA-1 ("ssh-rsa") signatures too
            return False
        public = rsa.RSAPublicNumbers(_mpint(e), _mpint(n)).public_key()
        public.verify(sig_bytes, signed, padding.PKCS1v15(), algorithm)
        return True
    if key_type.startswith(b"ecdsa-sha2-"):
        curve_name, offset = _read_string(sig.public_key, offset)
        point, _ = _read_string(sig.public_key, offset)
        curve, curve_hash = _curve(curve_name)
        if sig_type != key_type:
            return False
        r, inner = _read_string(sig_bytes, 0)
        s, _ = _read_string(sig_bytes, inner)
        public_ec = ec.EllipticCurvePublicKey.from_encoded_point(curve, point)
        der = utils.encode_dss_signature(_mpint(r), _mpint(s))
        public_ec.verify(der, signed, ec.ECDSA(curve_hash))
        return True
    if key_type in (b"sk-ssh-ed25519@openssh.com", b"sk-ecdsa-sha2-nistp256@openssh.com"):
        flags_counter = sig.signature[sig_offset : sig_offset + 5]
        # Like `ssh-keygen -Y verify` (what git runs), the flags are signed but user
        # presence is not demanded of SSHSIG signatures.
        if len(flags_counter) != 5 or sig_type != key_type:
            return False
        if key_type == b"sk-ssh-ed25519@openssh.com":
            raw, offset = _read_string(sig.public_key, offset)
            application, _ = _read_string(sig.public_key, offset)
        else:
            _curve_name, offset = _read_string(sig.public_key, offset)
            raw, offset = _read_string(sig.public_key, offset)
            application, _ = _read_string(sig.public_key, offset)
        to_sign = (
            hashlib.sha256(application).digest() + flags_counter + hashlib.sha256(signed).digest()
        )
        if key_type == b"sk-ssh-ed25519@openssh.com":
            ed25519.Ed25519PublicKey.from_public_bytes(raw).verify(sig_bytes, to_sign)
            return True
        r, inner = _read_string(sig_bytes, 0)
        s, _ = _read_string(sig_bytes, inner)
        public_sk = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
        der = utils.encode_dss_signature(_mpint(r), _mpint(s))
        public_sk.verify(der, to_sign, ec.ECDSA(hashes.SHA256()))
        return True
    return False


def _curve(name: bytes) -> tuple[Any, Any]:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    table = {
        b"nistp256": (ec.SECP256R1(), hashes.SHA256()),
        b"nistp384": (ec.SECP384R1(), hashes.SHA384()),
        b"nistp521": (ec.SECP521R1(), hashes.SHA512()),
    }
    if name not in table:
        raise SSHSigError(f"unsupported curve {name!r}")
    return table[name]


@dataclass(frozen=True, slots=True)
class AllowedSigner:
    """One line of an allowed-signers file."""

    principals: tuple[str, ...]
    key: bytes
    namespaces: tuple[str, ...] | None = None
    valid_after: int | None = None
    valid_before: int | None = None
    cert_authority: bool = False
    line: int = 0

    def matches_principal(self, email: str) -> bool:
        """Whether ``email`` matches one of the principal patterns (``*``, ``?``, ``!``)."""
        email = email.lower()
        positive = False
        for pattern in self.principals:
            negate = pattern.startswith("!")
            if fnmatch.fnmatchcase(email, pattern.lstrip("!").lower()):
                if negate:
                    return False
                positive = True
        return positive


@dataclass
class SSHTrust:
    """The allowed signers and revoked keys from the policy."""

    signers: list[AllowedSigner] = field(default_factory=list)
    revoked: frozenset[bytes] = frozenset()
    revoked_fingerprints: frozenset[str] = frozenset()


def _split_unquoted(text: str, separator: str | None) -> tuple[list[str], bool]:
    """Split on ``separator`` (None: any whitespace) outside double quotes, keeping the
    quotes and empty parts; the flag says whether the quotes were balanced."""
    out: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        is_separator = char.isspace() if separator is None else char == separator
        if is_separator and not quoted:
            out.append("".join(current))
            current = []
        else:
            current.append(char)
    out.append("".join(current))
    return out, not quoted


def _split_quoted(text: str) -> list[str]:
    """Split on whitespace outside double quotes."""
    parts, balanced = _split_unquoted(text, None)
    if not balanced:
        raise ValueError("unbalanced quotes")
    return [part for part in parts if part]


def _split_options(text: str) -> list[str]:
    return _split_unquoted(text, ",")[0]


def _parse_time(value: str) -> int:
    """ssh-keygen's YYYYMMDD[HHMM[SS]][Z] (local time unless Z)."""
    utc = value.endswith(("Z", "z"))
    digits = value[:-1] if utc else value
    if not digits.isdigit() or len(digits) not in (8, 12, 14):
        raise ValueError(f"invalid time {value!r}")
    digits = digits.ljust(14, "0")
    parts = time.strptime(digits, "%Y%m%d%H%M%S")
    return calendar.timegm(parts) if utc else int(time.mktime(parts))


def _key_blob(key_type: str, b64: str) -> bytes:
    try:
        blob = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("invalid base64 key") from None
    inner, _ = _read_string(blob, 0)
    if inner.decode("ascii", "replace") != key_type:
        raise ValueError("key type does not match the key data")
    return blob


def parse_allowed_signers(text: str, where: str) -> list[AllowedSigner]:
    """Parse an allowed-signers file; a bad line exits 2 naming it."""
    signers: list[AllowedSigner] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            tokens = _split_quoted(line)
            principals = tokens[0].strip('"')
            rest = tokens[1:]
            options: list[str] = []
            if rest and rest[0] not in _KEY_TYPES:
                options = _split_options(rest[0])
                rest = rest[1:]
            if len(rest) < 2 or rest[0] not in _KEY_TYPES:
                raise ValueError("expected `principals [options] key-type base64-key`")
            blob = _key_blob(rest[0], rest[1])
            namespaces: tuple[str, ...] | None = None
            after = before = None
            ca = False
            for option in options:
                name, _, value = option.partition("=")
                name = name.strip().lower()
                value = value.strip().strip('"')
                if name == "namespaces":
                    namespaces = tuple(v.strip() for v in value.split(",") if v.strip())
                elif name == "valid-after":
                    after = _parse_time(value)
                elif name == "valid-before":
                    before = _parse_time(value)
                elif name == "cert-authority":
                    ca = True
                else:
                    raise ValueError(f"unknown option {name!r}")
        except (ValueError, IndexError, SSHSigError) as exc:
            raise InputError(
                f"allowed-signers line {number}: {exc}",
                where=where,
                hint="see ALLOWED SIGNERS in ssh-keygen(1)",
            ) from None
        signers.append(
            AllowedSigner(
                tuple(p for p in principals.split(",") if p),
                blob,
                namespaces,
                after,
                before,
                ca,
                number,
            )
        )
    return signers


_KRL_MAGIC = b"SSHKRL\n\0"


def parse_revoked_keys(data: bytes, where: str) -> frozenset[bytes]:
    """Parse a file of revoked public keys (one per line); binary KRLs exit 2."""
    if data.startswith(_KRL_MAGIC):
        raise InputError(
            "binary KRLs are not supported",
            where=where,
            hint="list the revoked public keys one per line instead",
        )
    blobs: set[bytes] = set()
    for number, raw in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) < 2 or parts[0] not in _KEY_TYPES:
            raise InputError(f"line {number}: expected `key-type base64-key`", where=where)
        try:
            blobs.add(_key_blob(parts[0], parts[1]))
        except (ValueError, SSHSigError) as exc:
            raise InputError(f"line {number}: {exc}", where=where) from None
    return frozenset(blobs)


def _fmt_time(epoch: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(epoch))


def verify(trust: SSHTrust, payload: bytes, signature: bytes, commit_time: int) -> Verdict:
    """Verify an SSH commit signature as git would, judged at ``commit_time``."""
    try:
        sig = parse_signature(signature)
    except SSHSigError as exc:
        return Verdict(
            Status.UNVERIFIABLE, "ssh", detail=f"the SSH signature cannot be read: {exc}"
        )
    fpr = fingerprint(sig.public_key)
    key_type = _read_string(sig.public_key, 0)[0] if len(sig.public_key) >= 4 else b""
    if key_type.endswith(b"-cert-v01@openssh.com"):
        return Verdict(
            Status.UNVERIFIABLE,
            "ssh",
            fpr,
            "signatures by SSH certificates are not supported by chainward",
            hint="check it with `git verify-commit` (an allowed-signers `cert-authority` line), "
            "or sign with a plain SSH key listed in allowed-signers",
        )
    if key_type.decode("ascii", "replace") not in _KEY_TYPES:
        return Verdict(
            Status.UNVERIFIABLE,
            "ssh",
            fpr,
            f"signed with an SSH key type chainward does not verify ({key_type[:64]!r})",
            hint="check it with `git verify-commit`, or sign with an ed25519, ECDSA or RSA "
            "key listed in allowed-signers",
        )
    if sig.namespace != b"git":
        return Verdict(
            Status.BAD, "ssh", fpr, f"signature namespace is {sig.namespace!r}, not 'git'"
        )
    if not verify_signature(sig, payload):
        return Verdict(Status.BAD, "ssh", fpr, "signature does not verify")
    if sig.public_key in trust.revoked or fpr in trust.revoked_fingerprints:
        return Verdict(Status.REVOKED, "ssh", fpr, "the key is revoked")
    lines = [s for s in trust.signers if s.key == sig.public_key and not s.cert_authority]
    if not lines:
        return Verdict(Status.UNTRUSTED, "ssh", fpr, "the key is not in the allowed signers")
    in_namespace = [s for s in lines if s.namespaces is None or "git" in s.namespaces]
    if not in_namespace:
        return Verdict(
            Status.UNTRUSTED, "ssh", fpr, "the allowed signers do not allow this key for 'git'"
        )
    valid = [
        s
        for s in in_namespace
        if (s.valid_after is None or commit_time >= s.valid_after)
        and (s.valid_before is None or commit_time <= s.valid_before)
    ]
    if not valid:
        s = in_namespace[0]
        if s.valid_before is not None and commit_time > s.valid_before:
            why = f"valid-before {_fmt_time(s.valid_before)} is before the commit's time"
        else:
            why = f"valid-after {_fmt_time(s.valid_after or 0)} is after the commit's time"
        return Verdict(Status.EXPIRED, "ssh", fpr, f"the key is not valid then: {why}")
    principals = tuple(p for s in valid for p in s.principals)
    return Verdict(Status.GOOD, "ssh", fpr, "", principals)


def matches_identity(patterns: Iterable[str], email: str) -> bool:
    """Whether an e-mail matches allowed-signers principal patterns."""
    return AllowedSigner(tuple(patterns), b"").matches_principal(email)


def load_trust(
    allowed: tuple[str, str] | None,
    revoked_file: tuple[str, bytes] | None,
    revoked_fingerprints: Sequence[str],
) -> SSHTrust:
    """Build the SSH trust from the policy's files (path, content)."""
    signers = parse_allowed_signers(allowed[1], allowed[0]) if allowed else []
    revoked = parse_revoked_keys(revoked_file[1], revoked_file[0]) if revoked_file else frozenset()
    return SSHTrust(
        signers,
        revoked,
        frozenset(f for f in revoked_fingerprints if f.startswith("SHA256:")),
    )
