"""End to end: ``git push origin good bad`` through pre-commit's pre-push stage.

pre-commit passes only the first pushed ref to hooks; ``verify-signed-commits`` also
checks every local commit not yet on the remote, so the unsigned commit on ``bad`` is
caught even though ``good`` comes first. The hook in the temporary repository is the
manifest's ``verify-signed-commits`` entry run as a ``language: system`` hook with this
checkout's interpreter (no package download); the ``online`` test installs it the
ordinary way, from this checkout at its HEAD commit.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .helpers import base_env, run, ssh_keygen

REPO_ROOT = Path(__file__).resolve().parent.parent.parent


def manifest_hook(hook_id: str) -> dict[str, object]:
    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    return next(h for h in hooks if h["id"] == hook_id)


def test_manifest_entries() -> None:
    verify = manifest_hook("verify-signed-commits")
    assert verify["stages"] == ["pre-push", "post-commit", "manual"]
    assert verify["pass_filenames"] is False and verify["always_run"] is True
    setup = manifest_hook("signing-setup")
    assert setup["stages"] == ["pre-commit"]
    assert setup["pass_filenames"] is False and setup["always_run"] is True
    readme = (REPO_ROOT / "README.md").read_text()
    assert "| `verify-signed-commits` | pre-push, post-commit, manual |" in readme
    assert "| `signing-setup` | pre-commit |" in readme


def _world(tmp_path: Path, config: str) -> tuple[Path, dict[str, str], dict[str, str]]:
    env = base_env(tmp_path, PRE_COMMIT_HOME=str(tmp_path / "pc-home"))
    origin = tmp_path / "origin.git"
    run(["git", "init", "-q", "--bare", "-b", "main", str(origin)], tmp_path, env)
    work = tmp_path / "work"
    run(["git", "clone", "-q", str(origin), str(work)], tmp_path, env)
    key = ssh_keygen(tmp_path / "id_ada", "ada")
    (work / "allowed_signers").write_text(f"ada@example.com {key}\n")
    (work / "chainward.toml").write_text('[commits]\nallowed-signers = "allowed_signers"\n')
    (work / ".pre-commit-config.yaml").write_text(config)
    for k, v in (("gpg.format", "ssh"), ("user.signingkey", f"{tmp_path / 'id_ada'}.pub")):
        run(["git", "config", k, v], work, env)
    run(["git", "checkout", "-q", "-b", "main"], work, env)
    run(["git", "add", "-A"], work, env)
    run(["git", "commit", "-q", "-S", "-m", "policy"], work, env)
    run(["git", "push", "-q", "origin", "main"], work, env)
    run(["git", "checkout", "-q", "-b", "good"], work, env)
    run(["git", "commit", "-q", "--allow-empty", "-S", "-m", "signed work"], work, env)
    run(["git", "checkout", "-q", "-b", "bad", "main"], work, env)
    run(["git", "commit", "-q", "--allow-empty", "--no-gpg-sign", "-m", "unsigned work"], work, env)
    shas = {b: run(["git", "rev-parse", b], work, env).strip() for b in ("good", "bad")}
    run([sys.executable, "-m", "pre_commit", "install", "--hook-type", "pre-push"], work, env)
    return work, env, shas


def _push(work: Path, env: dict[str, str], *refs: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ("git", "push", "origin", *refs),
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def _check_refusal(work: Path, env: dict[str, str], shas: dict[str, str]) -> None:
    refused = _push(work, env, "good", "bad")
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0, output
    assert "unsigned-commit" in output
    assert shas["bad"][:10] in output and '"unsigned work"' in output
    remote = run(["git", "ls-remote", "origin"], work, env)
    assert "refs/heads/good" not in remote and "refs/heads/bad" not in remote
    run(["git", "checkout", "-q", "good"], work, env)
    run(["git", "branch", "-q", "-D", "bad"], work, env)
    accepted = _push(work, env, "good")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert shas["good"] in run(["git", "ls-remote", "origin"], work, env)


def test_push_good_and_bad_is_refused(tmp_path: Path) -> None:
    hook = manifest_hook("verify-signed-commits")
    entry = str(hook["entry"]).replace("chainward", f"{sys.executable} -m chainward", 1)
    config = yaml.safe_dump(
        {
            "repos": [
                {
                    "repo": "local",
                    "hooks": [
                        {
                            "id": "verify-signed-commits",
                            "name": hook["name"],
                            "entry": entry,
                            "language": "system",
                            "pass_filenames": hook["pass_filenames"],
                            "always_run": hook["always_run"],
                            "stages": hook["stages"],
                        }
                    ],
                }
            ]
        }
    )
    work, env, shas = _world(tmp_path, config)
    _check_refusal(work, env, shas)


@pytest.mark.online
def test_push_refused_with_the_published_hook(tmp_path: Path) -> None:
    head = subprocess.run(
        ("git", "rev-parse", "HEAD"), cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    config = (
        f"repos:\n  - repo: {REPO_ROOT}\n    rev: {head}\n    hooks:\n"
        "      - id: verify-signed-commits\n        additional_dependencies: [cryptography]\n"
    )
    work, env, shas = _world(tmp_path, config)
    _check_refusal(work, env, shas)
