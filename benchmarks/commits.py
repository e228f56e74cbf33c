"""Benchmark: chainward commits vs ``git log --format=%G?`` on 2,000 SSH-signed and
2,000 GPG-signed commits, with identical verdicts.

    python benchmarks/commits.py [--count 2000]

Builds two repositories in a temporary folder. Keys are real (``ssh-keygen``,
``gpg --quick-gen-key``); the commit objects are signed in-process (SSHSIG with
``cryptography``, OpenPGP with pysequoia using the gpg-made secret key) and written
as loose objects, so building takes seconds instead of 4,000 gpg/ssh-keygen runs.
A few commits in each history are deliberately unsigned, signed by an untrusted key,
or tampered after signing, so that "identical verdicts" is a real comparison.

git's letters and chainward's check ids are compared per commit: G ↔ no finding;
N ↔ unsigned-commit; B ↔ bad-commit-signature; an untrusted signer ↔
untrusted-commit-signer, which git prints as U for both (for SSH: a good signature with undefined
trust, "No principal matched").
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

IDENT = "Ada Tester <ada@example.com>"


def sh(args: list[str], cwd: Path, env: dict[str, str], data: bytes | None = None) -> bytes:
    proc = subprocess.run(args, cwd=cwd, env=env, input=data, capture_output=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {proc.stderr.decode(errors='replace')}")
    return proc.stdout


def write_object(repo: Path, kind: str, data: bytes) -> str:
    raw = f"{kind} {len(data)}\0".encode() + data
    sha = hashlib.sha1(raw).hexdigest()  # noqa: S324 - git's object id
    path = repo / ".git" / "objects" / sha[:2] / sha[2:]
    path.parent.mkdir(exist_ok=True)
    if not path.exists():
        path.write_bytes(zlib.compress(raw, 1))
    return sha


def _string(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


def ssh_signer(key_path: Path) -> Callable[[bytes], bytes]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    private = serialization.load_ssh_private_key(key_path.read_bytes(), None)
    assert isinstance(private, ed25519.Ed25519PrivateKey)
    public_blob = base64.b64decode(key_path.with_suffix(".pub").read_text().split()[1])

    def sign(payload: bytes) -> bytes:
        digest = hashlib.sha512(payload).digest()
        signed = b"SSHSIG" + _string(b"git") + _string(b"") + _string(b"sha512") + _string(digest)
        sig_blob = _string(b"ssh-ed25519") + _string(private.sign(signed))
        blob = b"SSHSIG" + (1).to_bytes(4, "big") + _string(public_blob) + _string(b"git")
        blob += _string(b"") + _string(b"sha512") + _string(sig_blob)
        body = base64.b64encode(blob)
        lines = [body[i : i + 70] for i in range(0, len(body), 70)]
        return (
            b"-----BEGIN SSH SIGNATURE-----\n"
            + b"\n".join(lines)
            + b"\n-----END SSH SIGNATURE-----\n"
        )

    return sign


def gpg_signer(gnupghome: Path, fpr: str) -> Callable[[bytes], bytes]:
    import pysequoia

    env = {**os.environ, "GNUPGHOME": str(gnupghome)}
    secret = sh(
        [
            "gpg",
            "--batch",
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "",
            "--export-secret-keys",
            fpr,
        ],
        gnupghome,
        env,
    )
    signer = pysequoia.Tsk.from_bytes(secret).signer()

    def sign(payload: bytes) -> bytes:
        out = pysequoia.sign(signer, payload, mode=pysequoia.SignatureMode.DETACHED, armor=True)
        return out if isinstance(out, bytes) else out.encode()

    return sign


def build(
    repo: Path,
    env: dict[str, str],
    count: int,
    good: Callable[[bytes], bytes],
    untrusted: Callable[[bytes], bytes],
) -> dict[str, str]:
    """A linear history of ``count`` commits; returns sha → expected kind."""
    sh(["git", "init", "-q", "-b", "main", str(repo)], repo.parent, env)
    tree = write_object(repo, "tree", b"")
    parent: str | None = None
    expected: dict[str, str] = {}
    for i in range(count):
        when = 1_700_000_000 + i
        head = f"tree {tree}\n" + (f"parent {parent}\n" if parent else "")
        head += f"author {IDENT} {when} +0000\ncommitter {IDENT} {when} +0000\n"
        message = f"\ncommit number {i}\n"
        kind = "good"
        if i % 97 == 50:
            kind = "unsigned"
        elif i % 89 == 40:
            kind = "untrusted"
        elif i % 83 == 30:
            kind = "tampered"
        if kind == "unsigned":
            data = (head + message).encode()
        else:
            payload = (head + message).encode()
            sig = (untrusted if kind == "untrusted" else good)(payload).rstrip(b"\n")
            if kind == "tampered":
                message = f"\ncommit number {i} (edited)\n"
            data = (
                head.encode() + b"gpgsig " + sig.replace(b"\n", b"\n ") + b"\n" + message.encode()
            )
        parent = write_object(repo, "commit", data)
        expected[parent] = kind
    (repo / ".git" / "refs" / "heads" / "main").write_text(parent + "\n")
    sh(["git", "repack", "-adq"], repo, env)  # repositories are packed, as after a clone
    return expected


GIT_LETTER = {"good": "G", "unsigned": "N", "tampered": "B"}
CHECK = {
    "good": None,
    "unsigned": "unsigned-commit",
    "tampered": "bad-commit-signature",
    "untrusted": "untrusted-commit-signer",
}


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_git(repo: Path, env: dict[str, str]) -> tuple[float, float, dict[str, str]]:
    cpu, start = _child_cpu(), time.perf_counter()
    out = sh(["git", "log", "--format=%H %G?"], repo, env)
    elapsed = time.perf_counter() - start
    return elapsed, _child_cpu() - cpu, dict(line.split() for line in out.decode().splitlines())


def time_chainward(repo: Path, env: dict[str, str]) -> tuple[float, float, dict[str, set[str]]]:
    cpu, start = _child_cpu(), time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "chainward", "commits", "--all", "--format", "json"],
        cwd=repo,
        env=env,
        capture_output=True,
        check=False,
    )
    elapsed, used = time.perf_counter() - start, _child_cpu() - cpu
    if proc.returncode not in (0, 1):
        raise SystemExit(proc.stderr.decode())
    found: dict[str, set[str]] = {}
    for finding in json.loads(proc.stdout)["findings"]:
        found.setdefault(finding["commit"], set()).add(finding["check_id"])
    return elapsed, used, found


def compare(
    name: str,
    expected: dict[str, str],
    git: dict[str, str],
    ours: dict[str, set[str]],
    untrusted_letter: str,
) -> int:
    mismatches = 0
    for sha, kind in expected.items():
        letter = untrusted_letter if kind == "untrusted" else GIT_LETTER[kind]
        check = CHECK[kind]
        if git.get(sha) != letter or ours.get(sha, set()) != ({check} if check else set()):
            mismatches += 1
            if mismatches <= 5:
                print(
                    f"  {name} MISMATCH {sha[:10]} {kind}: "
                    f"git {git.get(sha)} chainward {ours.get(sha)}"
                )
    return mismatches


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cw-bench-") as tmp_name:
        tmp = Path(tmp_name)
        home = tmp / "home"
        home.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
        env.update(HOME=str(home), GIT_CONFIG_NOSYSTEM="1", LC_ALL="C")
        env.pop("GITHUB_ACTIONS", None)
        # SSH
        for name in ("ada", "eve"):
            sh(
                ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(tmp / name)],
                tmp,
                env,
            )
        ssh_repo = tmp / "ssh"
        ssh_repo.mkdir()
        t0 = time.perf_counter()
        ssh_expected = build(
            ssh_repo, env, args.count, ssh_signer(tmp / "ada"), ssh_signer(tmp / "eve")
        )
        ada_pub = " ".join((tmp / "ada.pub").read_text().split()[:2])
        (ssh_repo / "allowed_signers").write_text(f"ada@example.com {ada_pub}\n")
        (ssh_repo / "chainward.toml").write_text('[commits]\nallowed-signers = "allowed_signers"\n')
        sh(
            ["git", "config", "gpg.ssh.allowedSignersFile", str(ssh_repo / "allowed_signers")],
            ssh_repo,
            env,
        )
        # GPG
        gnupg = tmp / "g"
        gnupg.mkdir(mode=0o700)
        genv = {**env, "GNUPGHOME": str(gnupg)}
        fprs = {}
        for uid in ("Ada Tester <ada@example.com>", "Eve <eve@example.com>"):
            sh(
                [
                    "gpg",
                    "--batch",
                    "--passphrase",
                    "",
                    "--quick-gen-key",
                    uid,
                    "ed25519",
                    "sign",
                    "never",
                ],
                tmp,
                genv,
            )
            listing = sh(["gpg", "--with-colons", "--list-keys", uid], tmp, genv).decode()
            fprs[uid] = next(
                line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr")
            )
        ada_fpr, eve_fpr = fprs["Ada Tester <ada@example.com>"], fprs["Eve <eve@example.com>"]
        gpg_repo = tmp / "gpg"
        gpg_repo.mkdir()
        gpg_expected = build(
            gpg_repo, genv, args.count, gpg_signer(gnupg, ada_fpr), gpg_signer(gnupg, eve_fpr)
        )
        build_time = time.perf_counter() - t0
        (gpg_repo / "keys").mkdir()
        for name, fpr in (("ada", ada_fpr), ("eve", eve_fpr)):
            (gpg_repo / "keys" / f"{name}.asc").write_bytes(
                sh(["gpg", "--armor", "--export", fpr], tmp, genv)
            )
        (gpg_repo / "chainward.toml").write_text(
            '[commits]\nopenpgp-keys = ["keys/ada.asc", "keys/eve.asc"]\n'
            f'openpgp-fingerprints = ["{ada_fpr}"]\n'
        )
        # Same trust on git's side: ultimate owner trust for ada only.
        sh(["gpg", "--batch", "--yes", "--delete-secret-keys", eve_fpr], tmp, genv)
        sh(
            ["gpg", "--batch", "--import-ownertrust"],
            tmp,
            genv,
            f"{ada_fpr}:6:\n{eve_fpr}:2:\n".encode(),
        )
        print(
            f"built {len(ssh_expected)} SSH + {len(gpg_expected)} GPG commits in {build_time:.1f} s"
        )

        failures = 0
        for name, repo, renv, expected, untrusted_letter in (
            ("ssh", ssh_repo, env, ssh_expected, "U"),
            ("gpg", gpg_repo, genv, gpg_expected, "U"),
        ):
            time_chainward(repo, renv)  # warm the page cache and .pyc files once
            git_time, git_cpu, git = time_git(repo, renv)
            our_time, our_cpu, ours = time_chainward(repo, renv)
            bad = compare(name, expected, git, ours, untrusted_letter)
            failures += bad
            kinds = {k: list(expected.values()).count(k) for k in CHECK}
            print(
                f"{name.upper()}: {len(expected)} commits {kinds}\n"
                f"  git log --format=%G?    {git_time:7.2f} s wall {git_cpu:7.2f} s CPU\n"
                f"  chainward commits --all {our_time:7.2f} s wall {our_cpu:7.2f} s CPU\n"
                f"  speed-up                {git_time / our_time:7.1f}x wall "
                f"{git_cpu / our_cpu:7.1f}x CPU (target >= 30x)\n"
                f"  verdicts identical: {'yes' if bad == 0 else f'NO ({bad} differ)'}"
            )
        subprocess.run(["gpgconf", "--kill", "all"], env=genv, check=False)
        return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
