"""FIDO security-key SSH signatures (sk-ssh-ed25519): chainward agrees with ssh-keygen.

No hardware token here, so the authenticator is simulated: an Ed25519 key signs the
FIDO assertion (SHA-256 of the application, flags, counter, SHA-256 of the SSHSIG data)
exactly as a token does. ``ssh-keygen -Y verify`` is the referee.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from chainward.commits.ssh import SSHTrust, parse_allowed_signers
from chainward.commits.ssh import verify as verify_ssh
from chainward.commits.verdict import Status

KEY_TYPE = b"sk-ssh-ed25519@openssh.com"
APPLICATION = b"ssh:"


def _s(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


def sk_sign(private: ed25519.Ed25519PrivateKey, message: bytes, flags: int) -> tuple[str, bytes]:
    raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key_blob = _s(KEY_TYPE) + _s(raw) + _s(APPLICATION)
    signed = b"SSHSIG" + _s(b"git") + _s(b"") + _s(b"sha512") + _s(hashlib.sha512(message).digest())
    counter = (7).to_bytes(4, "big")
    assertion = (
        hashlib.sha256(APPLICATION).digest()
        + bytes([flags])
        + counter
        + hashlib.sha256(signed).digest()
    )
    sig_blob = _s(KEY_TYPE) + _s(private.sign(assertion)) + bytes([flags]) + counter
    blob = b"SSHSIG" + (1).to_bytes(4, "big") + _s(key_blob) + _s(b"git") + _s(b"")
    blob += _s(b"sha512") + _s(sig_blob)
    body = base64.b64encode(blob)
    armored = b"-----BEGIN SSH SIGNATURE-----\n"
    armored += b"\n".join(body[i : i + 70] for i in range(0, len(body), 70))
    armored += b"\n-----END SSH SIGNATURE-----\n"
    return f"{KEY_TYPE.decode()} {base64.b64encode(key_blob).decode()}", armored


def ssh_keygen_accepts(tmp_path: Path, line: str, message: bytes, signature: bytes) -> bool:
    (tmp_path / "allowed").write_text(f"ada@example.com {line}\n")
    (tmp_path / "sig").write_bytes(signature)
    proc = subprocess.run(
        (
            *("ssh-keygen", "-Y", "verify", "-f", str(tmp_path / "allowed")),
            *("-I", "ada@example.com", "-n", "git", "-s", str(tmp_path / "sig")),
        ),
        input=message,
        capture_output=True,
        check=False,
    )
    return proc.returncode == 0


@pytest.mark.parametrize(
    ("flags", "tamper"), [(0x01, False), (0x05, False), (0x00, False), (0x01, True)]
)
def test_security_key_signatures_match_ssh_keygen(tmp_path: Path, flags: int, tamper: bool) -> None:
    private = ed25519.Ed25519PrivateKey.generate()
    message = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nsigned by a token\n"
    line, signature = sk_sign(private, message, flags)
    checked = message + b"x" if tamper else message
    referee = ssh_keygen_accepts(tmp_path, line, checked, signature)
    trust = SSHTrust(parse_allowed_signers(f"ada@example.com {line}\n", "allowed"))
    verdict = verify_ssh(trust, checked, signature, 1_700_000_000)
    assert (verdict.status is Status.GOOD) == referee
    # ssh-keygen -Y verify (and so git) does not demand the user-presence flag.
    assert referee == (not tamper)
