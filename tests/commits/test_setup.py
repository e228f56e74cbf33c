"""signing-setup: real git config, real SSH and GPG keys; fixes are git config lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .helpers import base_env, gpg_export, gpg_gen_key, gpg_kill, run, ssh_keygen


def _messages(result: Any) -> list[str]:
    return [f["message"] for f in json.loads(result.out)["findings"]]


@pytest.fixture
def repo(tmp_path: Path, git_repo: Any) -> Path:
    key = ssh_keygen(tmp_path / "id_ada", "ada")
    (git_repo.path / "allowed_signers").write_text(f'ada@example.com namespaces="git" {key}\n')
    (git_repo.path / "chainward.toml").write_text(
        '[commits]\nallowed-signers = "allowed_signers"\n'
    )
    git_repo.git("config", "gpg.format", "ssh")
    git_repo.git("config", "user.signingkey", str(tmp_path / "id_ada.pub"))
    git_repo.git("config", "commit.gpgsign", "true")
    return Path(git_repo.path)


def test_ssh_setup_passes_then_each_problem_is_named(repo: Path, tmp_path: Path, cli: Any) -> None:
    ok = cli("commits", "--setup", "--format", "json", cwd=repo)
    assert ok.code == 0, ok.out
    env = base_env(tmp_path)
    run(["git", "config", "commit.gpgsign", "false"], repo, env)
    result = cli("commits", "--setup", "--format", "json", cwd=repo)
    assert result.code == 1
    assert _messages(result) == ["commits are not signed by default: commit.gpgsign is not true"]
    assert "git config commit.gpgsign true" in json.loads(result.out)["findings"][0]["fix"]
    run(["git", "config", "commit.gpgsign", "true"], repo, env)
    run(["git", "config", "user.email", "eve@example.com"], repo, env)
    assert (
        "not for user.email eve@example.com"
        in _messages(cli("commits", "--setup", "--format", "json", cwd=repo))[0]
    )
    run(["git", "config", "user.email", "ada@example.com"], repo, env)
    ssh_keygen(tmp_path / "id_other", "other")
    run(["git", "config", "user.signingkey", str(tmp_path / "id_other.pub")], repo, env)
    result = cli("commits", "--setup", "--format", "json", cwd=repo)
    assert "is not in allowed_signers" in _messages(result)[0]
    assert (
        'ada@example.com namespaces="git" ssh-ed25519 '
        in json.loads(result.out)["findings"][0]["fix"]
    )
    run(["git", "config", "user.signingkey", str(tmp_path / "missing.pub")], repo, env)
    assert "does not exist" in _messages(cli("commits", "--setup", "--format", "json", cwd=repo))[0]


def test_x509_needs_gitsign_and_identities(repo: Path, tmp_path: Path, cli: Any) -> None:
    env = base_env(tmp_path)
    run(["git", "config", "gpg.format", "x509"], repo, env)
    messages = _messages(cli("commits", "--setup", "--format", "json", cwd=repo))
    assert "gpg.format is x509 but gpg.x509.program is not gitsign" in messages
    assert "gitsign is not on PATH" in messages
    assert any("no gitsign-identities" in m for m in messages)


def test_openpgp_setup(
    repo: Path, tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "gnupg"
    good = gpg_gen_key(home, "Ada Tester <ada@example.com>")
    old = gpg_gen_key(home, "Ada Old <ada@example.com>", expire="1y", faked_time="20200101T000000")
    monkeypatch.setenv("GNUPGHOME", str(home))
    (repo / "ada.asc").write_bytes(gpg_export(home, good))
    (repo / "chainward.toml").write_text('[commits]\nopenpgp-keys = ["ada.asc"]\n')
    env = base_env(tmp_path, GNUPGHOME=str(home))
    run(["git", "config", "gpg.format", "openpgp"], repo, env)
    try:
        run(["git", "config", "user.signingkey", good], repo, env)
        assert cli("commits", "--setup", cwd=repo).code == 0
        run(["git", "config", "user.signingkey", old], repo, env)
        messages = _messages(cli("commits", "--setup", "--format", "json", cwd=repo))
        assert messages == [f"your OpenPGP key {old} cannot sign (expired)"]
        (repo / "chainward.toml").write_text("[commits]\n")
        run(["git", "config", "user.signingkey", good], repo, env)
        assert (
            "lists no openpgp-keys"
            in _messages(cli("commits", "--setup", "--format", "json", cwd=repo))[0]
        )
    finally:
        gpg_kill(home)


def test_setup_stays_light(repo: Path) -> None:
    """The signing-setup hook (SSH) loads no heavy library."""
    code = (
        "import sys\nfrom chainward.cli import main\n"
        "HEAVY = ('cryptography', 'pysequoia', 'sigstore', 'asn1crypto')\n"
        "rc = main(['commits', '--setup', '-q'])\n"
        "heavy = [m for m in HEAVY if m in sys.modules]\n"
        "print(rc, heavy)\n"
    )
    proc = subprocess.run(
        (sys.executable, "-c", code), cwd=repo, capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip() == "0 []", proc.stdout + proc.stderr


def test_text_fix_reads_as_commands_without_escaped_newlines(
    repo: Path, tmp_path: Path, cli: Any
) -> None:
    # The fix used to be several lines; the text reporter escapes control characters,
    # so users saw "run:\x0a    git config ..." (issue 15).
    env = base_env(tmp_path)
    run(["git", "config", "commit.gpgsign", "false"], repo, env)
    run(["git", "config", "user.signingkey", str(tmp_path / "missing.pub")], repo, env)
    result = cli("commits", "--setup", cwd=repo)
    assert result.code == 1
    assert "\\x0a" not in result.out
    fixes = [line for line in result.out.splitlines() if line.strip().startswith("fix:")]
    assert "fix: run `git config commit.gpgsign true`" in fixes[0]
    assert any("`git config user.signingkey ~/.ssh/id_ed25519.pub`" in f for f in fixes)
    run(["git", "config", "gpg.format", "openpgp"], repo, env)
    run(["git", "config", "user.signingkey", "0000000000000000DEAD"], repo, env)
    openpgp = cli("commits", "--setup", "--format", "json", cwd=repo)
    fix = json.loads(openpgp.out)["findings"][-1]["fix"]
    assert "\n" not in fix
    assert fix.startswith("run `gpg --quick-gen-key")
    assert ", then `git config user.signingkey <FINGERPRINT>`" in fix
