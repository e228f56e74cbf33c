"""Fixtures for the end-to-end tests of what ships: pre-commit hooks, git hooks, the action.

Everything here runs offline. pip installs come from ``tests/data/ship/wheelhouse`` (the
exact PyPI wheels that ``action/requirements.txt`` locks, see its README), and act maps
every ``uses:`` to a local folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import GIT_IDENTITY, REPO_ROOT

SHIP_DATA = Path(__file__).resolve().parent.parent / "data" / "ship"
WHEELHOUSE = SHIP_DATA / "wheelhouse"

# pip must find everything in the wheelhouse and nowhere else (the machine's own pip
# configuration may name other indexes, find-links or constraints).
OFFLINE_PIP = {
    "PIP_NO_INDEX": "1",
    "PIP_FIND_LINKS": str(WHEELHOUSE),
    "PIP_CONSTRAINT": "",
    "PIP_CONFIG_FILE": os.devnull,
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
}


def wheelhouse_fits() -> str | None:
    """Why the vendored wheels cannot serve this interpreter, or None when they can."""
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    if tag != "cp311" or sysconfig.get_platform() != "linux-x86_64":
        return (
            f"the vendored PyYAML wheel is cp311 linux-x86_64, not {tag} {sysconfig.get_platform()}"
        )
    return None


def tool_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """An environment for git, pre-commit and act: offline pip, our venv's tools first."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(OFFLINE_PIP)
    env.update(GIT_IDENTITY)
    env["HOME"] = str(home)
    env["XDG_CACHE_HOME"] = str(home / ".cache")
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("VIRTUAL_ENV", None)
    if extra:
        env.update(extra)
    return env


def working_tree_files(root: Path = REPO_ROOT) -> list[str]:
    """Tracked and untracked (not ignored) files of the checkout, as git lists them."""
    proc = subprocess.run(
        ("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"),
        cwd=root,
        capture_output=True,
        check=True,
    )
    names = [os.fsdecode(n) for n in proc.stdout.split(b"\0") if n]
    return [n for n in names if (root / n).exists() or (root / n).is_symlink()]


def export_tree(dest: Path, *, skip_prefixes: tuple[str, ...] = ()) -> Path:
    """Copy the checkout's working tree (what a user would clone) into ``dest``."""
    for name in working_tree_files():
        if name.startswith(skip_prefixes):
            continue
        src = REPO_ROOT / name
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            target.symlink_to(src.readlink())
        else:
            shutil.copy2(src, target)
    return dest


@pytest.fixture(scope="session")
def session_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A HOME shared by the session's pre-commit and act runs (git identity, no hooks)."""
    home = tmp_path_factory.mktemp("ship-home")
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Ada Tester\n\temail = ada@example.com\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n"
        '[protocol "file"]\n\tallow = always\n'
    )
    return home


@pytest.fixture(scope="session")
def chainward_snapshot(
    tmp_path_factory: pytest.TempPathFactory, session_home: Path
) -> Iterator[tuple[Path, str]]:
    """A git repository holding one commit of the current working tree, and that commit.

    ``pre-commit install``-style configs need a ``repo:`` and a ``rev:``; this gives both
    for the code under test, uncommitted changes included (like ``try-repo`` does).
    """
    dest = tmp_path_factory.mktemp("chainward-snapshot")
    export_tree(dest, skip_prefixes=("tests/",))
    env = tool_env(session_home)
    for args in (
        ("git", "init", "-q", "-b", "main"),
        ("git", "add", "-A"),
        ("git", "commit", "-q", "--no-verify", "-m", "snapshot of the working tree"),
    ):
        subprocess.run(args, cwd=dest, env=env, check=True, capture_output=True)
    rev = subprocess.run(
        ("git", "rev-parse", "HEAD"), cwd=dest, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    yield dest, rev


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One PRE_COMMIT_HOME for the session, so ``pre-commit run``/``install`` build the
    hook environment once (``try-repo`` always uses a store of its own)."""
    return tmp_path_factory.mktemp("pre-commit-home")
