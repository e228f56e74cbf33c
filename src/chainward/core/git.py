"""Run git safely: argument tuples, ``GIT_*`` stripped, bytes out."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from chainward.core.errors import InputError

if TYPE_CHECKING:
    import subprocess

# Variables that git sets for hooks and that would redirect our own git calls
# (pre-commit strips them for the same reason).
_KEEP = frozenset(
    {
        "GIT_EXEC_PATH",
        "GIT_SSH",
        "GIT_SSH_COMMAND",
        "GIT_SSL_CAINFO",
        "GIT_SSL_NO_VERIFY",
        "GIT_CONFIG_NOSYSTEM",
        "GIT_CONFIG_GLOBAL",
    }
)


def git_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a git subprocess, without inherited ``GIT_*`` redirections."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k in _KEEP}
    env["LC_ALL"] = "C"
    if extra:
        env.update(extra)
    return env


def run_git(
    args: Sequence[str],
    cwd: Path,
    *,
    input_bytes: bytes | None = None,
    check: bool = True,
    timeout: float = 120.0,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``git ARGS`` in ``cwd`` and return the completed process (bytes)."""
    import subprocess  # the commit-time hook often needs no git at all

    try:
        proc = subprocess.run(
            ("git", *args),
            cwd=cwd,
            input=input_bytes,
            capture_output=True,
            env=git_env(),
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise InputError("git is not installed or not on PATH") from None
    if check and proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip() or f"exit {proc.returncode}"
        raise InputError(f"git {' '.join(args[:2])} failed: {message}", where=str(cwd))
    return proc


def repo_toplevel(path: Path) -> Path | None:
    """The work tree root that contains ``path``, or None outside a git work tree."""
    proc = run_git(("rev-parse", "--show-toplevel"), path, check=False)
    if proc.returncode != 0:
        return None
    return Path(os.fsdecode(proc.stdout.strip()))
