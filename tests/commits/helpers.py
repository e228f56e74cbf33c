"""Real keys, real signed commits and git's own verdicts for the commits tests."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from chainward.commits.verdict import Status

IDENTITY = {
    "GIT_AUTHOR_NAME": "Ada Tester",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Ada Tester",
    "GIT_COMMITTER_EMAIL": "ada@example.com",
}


def base_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment with its own HOME and no user git config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(IDENTITY)
    env.update({"HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C"})
    env.pop("GITHUB_ACTIONS", None)
    env.pop("GITHUB_EVENT_PATH", None)
    env.update(extra)
    return env


def run(
    args: Sequence[str],
    cwd: Path,
    env: Mapping[str, str],
    input_bytes: bytes | None = None,
    check: bool = True,
) -> str:
    """Run a command, fail loudly, return its stdout as text."""
    proc = subprocess.run(
        tuple(args), cwd=cwd, env=dict(env), input=input_bytes, capture_output=True, check=False
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed: {proc.stderr.decode(errors='replace')}")
    return proc.stdout.decode("utf-8", "replace")


def gpg_gen_key(
    gnupghome: Path, uid: str, *, expire: str = "never", faked_time: str | None = None
) -> str:
    """Generate an ed25519 signing key with gpg; return its fingerprint."""
    gnupghome.mkdir(mode=0o700, parents=True, exist_ok=True)
    env = {**os.environ, "GNUPGHOME": str(gnupghome)}
    args = ["gpg", "--batch", "--passphrase", ""]
    if faked_time:
        args += ["--faked-system-time", faked_time]
    args += ["--quick-gen-key", uid, "ed25519", "sign", expire]
    run(args, gnupghome, env)
    out = run(["gpg", "--with-colons", "--list-keys", uid], gnupghome, env)
    return next(line.split(":")[9] for line in out.splitlines() if line.startswith("fpr"))


def gpg_export(gnupghome: Path, fpr: str) -> bytes:
    """The armored public key."""
    env = {**os.environ, "GNUPGHOME": str(gnupghome)}
    proc = subprocess.run(
        ("gpg", "--armor", "--export", fpr), env=env, capture_output=True, check=True
    )
    return proc.stdout


def gpg_revoke(gnupghome: Path, fpr: str) -> None:
    """Import the revocation certificate gpg stored when it made the key."""
    env = {**os.environ, "GNUPGHOME": str(gnupghome)}
    cert = (gnupghome / "openpgp-revocs.d" / f"{fpr}.rev").read_text()
    cert = cert.replace(
        ":-----BEGIN PGP PUBLIC KEY BLOCK-----", "-----BEGIN PGP PUBLIC KEY BLOCK-----"
    )
    run(["gpg", "--batch", "--import"], gnupghome, env, cert.encode())


def gpg_kill(gnupghome: Path) -> None:
    """Stop the gpg-agent of a temporary GNUPGHOME."""
    env = {**os.environ, "GNUPGHOME": str(gnupghome)}
    subprocess.run(("gpgconf", "--kill", "all"), env=env, capture_output=True, check=False)


def gpg_wrapper(path: Path, *extra: str) -> Path:
    """A gpg.program that adds options (faked time, signature expiry) to git's gpg calls."""
    quoted = " ".join(f"'{e}'" for e in extra)
    path.write_text(f'#!/bin/sh\nexec gpg {quoted} "$@"\n')
    path.chmod(0o755)
    return path


def ssh_keygen(path: Path, comment: str = "key", key_type: str = "ed25519") -> str:
    """Generate an SSH key (ed25519 by default); return the public key line (type, base64)."""
    subprocess.run(
        ("ssh-keygen", "-q", "-t", key_type, "-N", "", "-C", comment, "-f", str(path)),
        check=True,
        capture_output=True,
    )
    return " ".join(path.with_suffix(".pub").read_text().split()[:2])


def git_verdicts(repo: Path, env: Mapping[str, str], revs: Sequence[str]) -> dict[str, Status]:
    """git's own verdict (``%G?`` with ``%GT``) for each commit, as a Status.

    Trust mapping (the differential contract): G with full or ultimate trust is GOOD;
    a good signature with undefined trust (G or U) is UNTRUSTED; B, E, X/Y, R, N map to
    BAD, UNKNOWN_KEY, EXPIRED, REVOKED, UNSIGNED.
    """
    out = run(["git", "log", "--no-walk=unsorted", "--format=%H %G?", *revs], repo, env)
    letters = dict(line.split(" ", 1) for line in out.splitlines())
    # %GT is asked only of G commits: git 2.39 hits a BUG() on it for unsigned ones.
    good_shas = [sha for sha, letter in letters.items() if letter == "G"]
    trust_out = run(["git", "log", "--no-walk=unsorted", "--format=%H %GT", *good_shas], repo, env)
    trust_of = dict(line.split(" ", 1) for line in trust_out.splitlines()) if good_shas else {}
    result: dict[str, Status] = {}
    for sha, letter in letters.items():
        if letter in "GU":
            good = letter == "G" and trust_of.get(sha) in ("fully", "ultimate")
            result[sha] = Status.GOOD if good else Status.UNTRUSTED
        else:
            result[sha] = {
                "B": Status.BAD,
                "E": Status.UNKNOWN_KEY,
                "X": Status.EXPIRED,
                "Y": Status.EXPIRED,
                "R": Status.REVOKED,
                "N": Status.UNSIGNED,
            }[letter]
    return result


def tamper(repo: Path, env: Mapping[str, str], rev: str, old: bytes, new: bytes) -> str:
    """Write a copy of a signed commit with its content edited; return the new SHA."""
    raw = subprocess.run(
        ("git", "cat-file", "commit", rev), cwd=repo, env=dict(env), capture_output=True, check=True
    ).stdout
    assert old in raw
    edited = raw.replace(old, new, 1)
    return run(["git", "hash-object", "-t", "commit", "-w", "--stdin"], repo, env, edited).strip()
