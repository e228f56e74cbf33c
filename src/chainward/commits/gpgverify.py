"""The second OpenPGP verifier: GnuPG, for signatures chainward's readers cannot parse.

Runs only when neither Sequoia nor chainward's own packet reader could read an OpenPGP
signature. The policy's key files are imported into a throw-away ``GNUPGHOME``; gpg's
``--status-fd`` lines decide, and the trust decision stays chainward's: a good
signature is judged against the policy's keyring like any other. When gpg is not
installed or cannot read the signature either, the verdict stays unverifiable.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from chainward.commits.verdict import Status, Verdict
from chainward.core.atomic import write_atomic
from chainward.core.git import git_env

GPG_TIMEOUT = 30
_GPG_ERRORS = {
    "4": "gpg does not support its algorithm",
    "9": "gpg has no public key for it",
}


def _run(gpg: str, home: Path, *args: str, data: bytes | None = None) -> bytes:
    env = git_env()
    env["GNUPGHOME"] = str(home)
    proc = subprocess.run(
        (gpg, "--batch", "--no-tty", "--no-autostart", "--status-fd", "1", *args),
        input=data,
        capture_output=True,
        env=env,
        timeout=GPG_TIMEOUT,
        check=False,
    )
    return proc.stdout


def gpg_status(
    files: list[tuple[str, bytes]], payload: bytes, signature: bytes
) -> dict[str, list[str]] | None:
    """gpg's status lines (keyword → arguments) for the signature; None without gpg."""
    gpg = shutil.which("gpg")
    if gpg is None:
        return None
    with tempfile.TemporaryDirectory(prefix="chainward-gpg-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir(mode=0o700)
        try:
            for _source, data in files:
                _run(gpg, home, "--import", data=data)
            sig = Path(tmp) / "commit.sig"
            write_atomic(sig, signature)
            body = Path(tmp) / "commit"
            write_atomic(body, payload)
            out = _run(gpg, home, "--verify", str(sig), str(body))
        except (OSError, subprocess.TimeoutExpired):
            return None
    status: dict[str, list[str]] = {}
    for line in out.decode("utf-8", "replace").splitlines():
        if line.startswith("[GNUPG:] "):
            words = line[9:].split()
            if words:
                status.setdefault(words[0], words[1:])
    return status


def verify_with_gpg(keyring: Any, payload: bytes, signature: bytes, why: str) -> Verdict:
    """The verdict gpg reaches on a signature chainward could not read."""
    status = gpg_status(keyring.files, payload, signature)
    if status is None:
        return Verdict(
            Status.UNVERIFIABLE,
            "openpgp",
            detail=f"{why}, and gpg (the second verifier) is not installed",
            unreadable=True,
        )
    if "BADSIG" in status:
        keyid = (status["BADSIG"] or [""])[0]
        return Verdict(Status.BAD, "openpgp", keyid.upper(), "signature does not verify (gpg)")
    valid = status.get("VALIDSIG")
    if valid and len(valid) >= 10:
        from chainward.commits.openpgp import judge_gpg_good

        return judge_gpg_good(keyring, valid[9], valid[0], status)
    error = status.get("ERRSIG")
    if error and len(error) >= 6:
        keyid, code = error[0], error[5]
        if code == "9":
            return Verdict(Status.UNKNOWN_KEY, "openpgp", keyid.upper(), "no public key")
        reason = _GPG_ERRORS.get(code, f"gpg error code {code}")
        return Verdict(
            Status.UNVERIFIABLE,
            "openpgp",
            keyid.upper(),
            f"{why}; {reason}",
            unreadable=True,
        )
    return Verdict(
        Status.UNVERIFIABLE,
        "openpgp",
        detail=f"{why}; gpg cannot read it either",
        unreadable=True,
    )
