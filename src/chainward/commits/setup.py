"""``signing-setup``: will this committer's next commit pass the policy?

Reads git's configuration once (``git config -z --list``), then checks
``commit.gpgsign``, ``gpg.format``, ``user.signingkey`` (present and usable: the SSH
key file exists; the OpenPGP secret key exists, is not expired or revoked and can
sign; gitsign is on PATH for x509) and that the key or identity is trusted by the
repository's policy for ``user.email``. Each problem's fix is the exact
``git config`` lines to run. OpenPGP and SSH libraries load only for that format.
"""

from __future__ import annotations

import base64
import binascii
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from chainward.commits.meta import FAMILY, SIGNING_SETUP, CommitsSettings
from chainward.core.findings import Finding
from chainward.core.git import git_env, run_git
from chainward.core.schema import read_settings


def read_git_config(root: Path) -> dict[str, str]:
    """Every effective git config value (last one wins), keys lower-cased."""
    proc = run_git(("config", "-z", "--list"), root, check=False)
    values: dict[str, str] = {}
    for item in proc.stdout.split(b"\0"):
        if not item:
            continue
        key, _, value = item.decode("utf-8", "replace").partition("\n")
        values[key.lower()] = value
    return values


def _finding(message: str, *fix_lines: str) -> Finding:
    """A set-up problem; its fix is the commands to run, in order, on one line.

    Reporters print a fix on one line and show control characters escaped (a newline
    as ``\x0a``), so commands are joined with "then", and comment lines (``# ...``)
    become plain words.
    """
    steps = []
    for line in fix_lines:
        if not line:
            continue
        command, _, comment = line.partition("   # ")
        if command.startswith("# "):
            steps.append(command[2:].removeprefix("then "))
            continue
        steps.append(f"`{command.strip()}`" + (f" ({comment.strip()})" if comment else ""))
    fix = "run " + ", then ".join(steps) if steps else None
    return FAMILY.info(SIGNING_SETUP).finding(message, fix=fix)


def check_setup(root: Path, policy: CommitsSettings | Mapping[str, Any]) -> list[Finding]:
    """The signing set-up problems of the current committer in ``root``."""
    return list(_check(root, read_settings(CommitsSettings, policy), read_git_config(root)))


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "yes", "on", "1")


def _check(root: Path, policy: CommitsSettings, config: Mapping[str, str]) -> Iterator[Finding]:
    email = config.get("user.email", "").strip()
    if not email:
        yield _finding("user.email is not set", 'git config user.email "you@example.com"')
    if not _truthy(config.get("commit.gpgsign")):
        yield _finding(
            "commits are not signed by default: commit.gpgsign is not true",
            "git config commit.gpgsign true",
        )
    fmt = (config.get("gpg.format") or "openpgp").strip().lower()
    key = (config.get("user.signingkey") or "").strip()
    if fmt == "ssh":
        yield from _check_ssh(root, policy, key, email)
    elif fmt == "x509":
        yield from _check_x509(policy, config, email)
    elif fmt == "openpgp":
        yield from _check_openpgp(root, policy, key, email)
    else:
        yield _finding(
            f"gpg.format is {fmt!r}; expected openpgp, ssh or x509", "git config gpg.format ssh"
        )


def _ssh_public_key(key: str, root: Path) -> tuple[str, str] | str:
    """(type, base64) of the configured SSH key, or a problem."""
    if key.startswith("key::"):
        parts = key[5:].split()
    else:
        path = Path(key).expanduser()
        if not path.is_absolute():
            path = root / path
        public = path if path.suffix == ".pub" else path.with_name(path.name + ".pub")
        if not path.exists():
            return f"the SSH key file {path} does not exist"
        if not public.exists():
            return f"the SSH public key {public} does not exist (git needs it next to the key)"
        try:
            parts = public.read_text("utf-8", "replace")[:16384].split()
        except OSError as exc:
            return f"cannot read {public}: {exc.strerror}"
    if len(parts) < 2:
        return "user.signingkey does not name an SSH public key"
    return parts[0], parts[1]


def _check_ssh(root: Path, policy: CommitsSettings, key: str, email: str) -> Iterator[Finding]:
    if not key:
        yield _finding(
            "gpg.format is ssh but user.signingkey is not set",
            "git config user.signingkey ~/.ssh/id_ed25519.pub",
        )
        return
    found = _ssh_public_key(key, root)
    if isinstance(found, str):
        yield _finding(found, "git config user.signingkey ~/.ssh/id_ed25519.pub")
        return
    from chainward.commits import ssh
    from chainward.commits.scan import CommitTrust

    try:
        blob = base64.b64decode(found[1], validate=True)
    except (binascii.Error, ValueError):
        yield _finding("user.signingkey is not a valid SSH public key")
        return
    if not policy.allowed_signers:
        yield _finding(
            "the policy has no allowed-signers file, so no SSH signature can pass",
            "add allowed-signers to [tool.chainward.commits] and list your key in it",
        )
        return
    trust = CommitTrust(root, policy).ssh()
    fpr = ssh.fingerprint(blob)
    if blob in trust.revoked or fpr in trust.revoked_fingerprints:
        yield _finding(f"your SSH signing key {fpr} is revoked by the policy")
        return
    now = int(time.time())
    lines = [s for s in trust.signers if s.key == blob and not s.cert_authority]
    allowed = policy.allowed_signers
    line = f'{email} namespaces="git" {found[0]} {found[1]}'
    if not lines:
        yield _finding(
            f"your SSH signing key {fpr} is not in {allowed}",
            f"echo '{line}' >> {allowed}   # then commit it, with review",
        )
        return
    usable = [
        s
        for s in lines
        if (s.namespaces is None or "git" in s.namespaces)
        and (s.valid_before is None or now <= s.valid_before)
        and (s.valid_after is None or now >= s.valid_after)
    ]
    if not usable:
        yield _finding(f"{allowed} lists your key {fpr} but not as valid now for namespace git")
        return
    if policy.require_committer_match and not any(s.matches_principal(email) for s in usable):
        principals = ", ".join(p for s in usable for p in s.principals)
        yield _finding(
            f"your SSH key is allowed for {principals}, not for user.email {email}",
            f'git config user.email "{usable[0].principals[0]}"',
        )


def _gpg_secret_key(key: str, email: str) -> tuple[list[str], str]:
    """``gpg --list-secret-keys --with-colons`` lines for the key, or a problem."""
    gpg = shutil.which("gpg")
    if gpg is None:
        return [], "gpg is not on PATH"
    try:
        proc = subprocess.run(
            (
                gpg,
                "--batch",
                "--with-colons",
                "--fixed-list-mode",
                "--list-secret-keys",
                key or email,
            ),
            capture_output=True,
            env=git_env(),
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [], f"gpg failed: {exc}"
    if proc.returncode != 0:
        return [], f"no OpenPGP secret key for {key or email!r} in your keyring"
    return proc.stdout.decode("utf-8", "replace").splitlines(), ""


def _check_openpgp(root: Path, policy: CommitsSettings, key: str, email: str) -> Iterator[Finding]:
    lines, problem = _gpg_secret_key(key, email)
    if problem:
        yield _finding(
            problem,
            'gpg --quick-gen-key "Your Name <you@example.com>" ed25519 sign 2y',
            "git config user.signingkey <FINGERPRINT>",
        )
        return
    primary = ""
    usable = False
    reasons: list[str] = []
    for record in lines:
        fields = record.split(":")
        if fields[0] == "fpr" and not primary:
            primary = fields[9].upper()
        if fields[0] in ("sec", "ssb") and len(fields) > 11:
            validity, caps = fields[1], fields[11]
            if validity == "e":
                reasons.append("expired")
            elif validity == "r":
                reasons.append("revoked")
            elif validity not in ("d", "i", "n") and "s" in caps:
                usable = True
    if not usable:
        yield _finding(
            f"your OpenPGP key {primary} cannot sign"
            + (f" ({', '.join(reasons)})" if reasons else ""),
            *(
                ['gpg --quick-gen-key "Your Name <you@example.com>" ed25519 sign 2y']
                if "revoked" in reasons
                else [f"gpg --quick-set-expire {primary} 2y"]
            ),
            "git config user.signingkey <FINGERPRINT of a usable key>",
        )
        return
    keys = policy.openpgp_keys
    if not keys:
        yield _finding(
            "the policy lists no openpgp-keys, so no OpenPGP signature can pass",
            f"gpg --armor --export {primary} > keys/{email or 'you'}.asc",
            "# then list that file in [tool.chainward.commits] openpgp-keys",
        )
        return
    from chainward.commits.scan import CommitTrust

    keyring = CommitTrust(root, policy).openpgp()
    cert = keyring.lookup(primary)
    if cert is None:
        yield _finding(
            f"your OpenPGP key {primary} is not in the policy's openpgp-keys",
            f"gpg --armor --export {primary} > keys/{email or 'you'}.asc",
            "# then list that file in [tool.chainward.commits] openpgp-keys",
        )
        return
    revoked = {r.upper() for r in policy.revoked_keys}
    if cert.revoked or primary in revoked:
        yield _finding(f"your OpenPGP key {primary} is revoked")
        return
    if not keyring.is_trusted(cert):
        yield _finding(f"your OpenPGP key {primary} is not in openpgp-fingerprints")
        return
    if policy.require_committer_match and email.lower() not in cert.emails:
        yield _finding(
            f"your OpenPGP key is for {', '.join(cert.emails) or 'no e-mail'}, "
            f"not user.email {email}",
            f'git config user.email "{cert.emails[0]}"' if cert.emails else "",
        )


def _check_x509(
    policy: CommitsSettings, config: Mapping[str, str], email: str
) -> Iterator[Finding]:
    program = (config.get("gpg.x509.program") or "").strip()
    if Path(program).name != "gitsign":
        yield _finding(
            "gpg.format is x509 but gpg.x509.program is not gitsign",
            "git config gpg.x509.program gitsign",
        )
    if shutil.which(program or "gitsign") is None:
        yield _finding(
            "gitsign is not on PATH",
            "go install github.com/sigstore/gitsign@latest   # or your package manager",
        )
    rules = policy.gitsign_identities
    if not rules:
        yield _finding(
            "the policy lists no gitsign-identities, so no gitsign signature can pass",
            "add [[tool.chainward.commits.gitsign-identities]] with identity and issuer",
        )
        return
    if policy.require_committer_match:
        import re

        def could_match(rule: Mapping[str, str]) -> bool:
            if rule.get("identity"):
                return str(rule["identity"]).lower() == email.lower()
            pattern = rule.get("identity-regex")
            return bool(pattern and re.fullmatch(pattern, email))

        if not any(could_match(r) for r in rules):
            yield _finding(f"no gitsign-identities entry allows user.email {email}")
