"""Writes are atomic: a writer killed midway (SIGKILL) leaves the old file intact.

Each writing command runs in a fresh interpreter with an audit hook that kills the
process with SIGKILL at a chosen point of the write of its target file:

* ``tmp-open``: as soon as any file is opened for writing next to the target (the
  temporary file of an atomic write), before a byte of it is written;
* ``rename``: after the new content is complete, just before it replaces the target;
* always: the moment the target itself is opened for writing, which only a
  non-atomic writer does (truncating the old content first).

The test requires the kill to happen (so the command really wrote the target) and the
target to hold its old bytes and mode afterwards. A static test keeps direct writes
out of the code.
"""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from chainward.models.hashing import RACY_NS

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src" / "chainward"

BOOT = r"""
import os, signal, sys
TARGET = os.path.realpath(os.environ["CHAINWARD_KILL_TARGET"])
POINT = os.environ["CHAINWARD_KILL_AT"]
FOLDER = os.path.dirname(TARGET)
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_TRUNC | os.O_APPEND | os.O_CREAT

def die():
    os.kill(os.getpid(), signal.SIGKILL)

BUSY = []

def hook(event, args):
    if BUSY:
        return
    if event == "open":
        path, mode, flags = args
        if not isinstance(path, (str, bytes, os.PathLike)):
            return
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & WRITE_FLAGS
        )
        if not writing:
            return
        real = os.path.realpath(os.fsdecode(path))
        if real == TARGET:
            # A direct write. The hook runs before the open itself, so do what the open
            # and a first partial write would have done, then die midway.
            truncates = (isinstance(mode, str) and "w" in mode) or (
                isinstance(flags, int) and flags & os.O_TRUNC
            )
            BUSY.append(1)  # the hook's own open below must not re-enter it
            with open(TARGET, "r+b") as handle:
                handle.truncate(0) if truncates else handle.seek(0, 2)
                handle.write(b"partial")
            die()
        if POINT == "tmp-open" and os.path.dirname(real) == FOLDER:
            die()
    elif event == "os.rename" and POINT == "rename":
        if os.path.realpath(os.fsdecode(args[1])) == TARGET:
            die()

sys.addaudithook(hook)
from chainward.cli import main
raise SystemExit(main(sys.argv[1:]))
"""

OLD_MTIME = 1_600_000_000


def _git_repo(root: Path) -> None:
    subprocess.run(("git", "init", "-q", "-b", "main", str(root)), check=True)


def _pin(root: Path) -> tuple[list[str], Path]:
    (root / "requirements.txt").write_text("# AI stack\ntorch>=2.0  # keep me\n\naccelerate\n")
    (root / "uv.lock").write_text(
        'version = 1\n\n[[package]]\nname = "torch"\nversion = "2.1.0"\n'
        'source = { registry = "https://pypi.org/simple" }\n'
        'wheels = [{ url = "https://files.pythonhosted.org/t/torch-2.1.0-py3-none-any.whl", '
        f'hash = "sha256:{"a" * 64}" }}]\n\n[[package]]\nname = "accelerate"\n'
        'version = "0.25.0"\nsource = { registry = "https://pypi.org/simple" }\n'
        'wheels = [{ url = "https://files.pythonhosted.org/a/accelerate-0.25.0-py3-none-any.whl", '
        f'hash = "sha256:{"b" * 64}" }}]\n'
    )
    # A hashed file lists pip's whole closure: offline, pip resolves from a wheelhouse.
    from tests.dependencies.wheelhouse import make_wheel

    wheels = root.parent / "wheels"
    make_wheel(wheels, "torch", "2.1.0")
    make_wheel(wheels, "accelerate", "0.25.0")
    return ["pin", "--offline", "--write", "--find-links", str(wheels)], root / "requirements.txt"


def _models(root: Path) -> None:
    models = root / "models"
    models.mkdir()
    for index in range(3):
        path = models / f"shard-{index}.safetensors"
        path.write_bytes(os.urandom(4096))
        os.utime(path, (OLD_MTIME, OLD_MTIME))  # old enough to be cached (not racily clean)


def _models_lock(root: Path) -> tuple[list[str], Path]:
    _git_repo(root)
    _models(root)
    (root / "chainward.lock").write_text("# old lock\nversion = 1\n")
    return ["models", "lock", "--offline", "--no-cache", "models"], root / "chainward.lock"


def _models_cache(root: Path) -> tuple[list[str], Path]:
    _git_repo(root)
    _models(root)
    subprocess.run(
        (sys.executable, "-m", "chainward", "models", "lock", "--offline", "--no-cache", "models"),
        cwd=root,
        check=True,
        capture_output=True,
    )
    cache = root / ".git" / "chainward" / "hash-cache.json"
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text('{"version": 0, "entries": {}}')
    # Files changed within RACY_NS before a hashing pass are not cached (models.hashing):
    # with a fast start-up the verify would begin inside that window and, rightly,
    # write no cache. Let the model files age past it.
    time.sleep(RACY_NS / 1e9 + 0.05)
    return ["models", "verify", "--offline"], cache


def _report(root: Path) -> tuple[list[str], Path]:
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "ci.yml").write_text(
        "jobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n"
    )
    (root / "report.sarif").write_text('{"old": "report"}\n')
    return ["check", "--format", "sarif", "--output", "report.sarif", "."], root / "report.sarif"


def _init(root: Path) -> tuple[list[str], Path]:
    (root / "chainward.toml").write_text('# my policy\nfail-on = "high"\n')
    return ["init", "--force"], root / "chainward.toml"


def _attest(root: Path) -> tuple[list[str], Path]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    (root / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (root / "a.txt").write_text("artifact\n")
    (root / "a.txt.intoto.jsonl").write_text('{"old": "envelope"}\n')
    return ["attest", "--offline", "--key", "key.pem", "a.txt"], root / "a.txt.intoto.jsonl"


def _install_hooks(root: Path) -> tuple[list[str], Path]:
    _git_repo(root)
    hook = root / ".git" / "hooks" / "pre-push"
    hook.write_text("#!/bin/sh\n# my own pre-push hook\nexit 0\n")
    return ["install-hooks", "--force", "-t", "pre-push"], hook


SCENARIOS: dict[str, Callable[[Path], tuple[list[str], Path]]] = {
    "install-hooks --force": _install_hooks,
    "pin --write": _pin,
    "models lock": _models_lock,
    "models verify (stat cache)": _models_cache,
    "report --output": _report,
    "init --force": _init,
    "attest --key": _attest,
}


def _run(root: Path, argv: list[str], target: Path, point: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CHAINWARD_KILL_TARGET": str(target),
        "CHAINWARD_KILL_AT": point,
        "GIT_AUTHOR_NAME": "A",
        "GIT_AUTHOR_EMAIL": "a@b",
        "GIT_COMMITTER_NAME": "A",
        "GIT_COMMITTER_EMAIL": "a@b",
    }
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run(
        (sys.executable, "-c", BOOT, *argv),
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("point", ["tmp-open", "rename"])
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_killed_writer_leaves_the_old_file_intact(
    tmp_path: Path, scenario: str, point: str
) -> None:
    root = tmp_path / "project"
    root.mkdir()
    argv, target = SCENARIOS[scenario](root)
    target.chmod(0o640)
    old = target.read_bytes()
    proc = _run(root, argv, target, point)
    if "invalid choice" in proc.stderr:
        pytest.skip(f"{argv[0]} has not landed yet")
    assert proc.returncode == -signal.SIGKILL, (
        f"the writer was not killed at {point} (did it write {target.name}?): "
        f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    )
    assert target.read_bytes() == old, f"{scenario}: the old {target.name} was damaged"
    assert target.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_unkilled_writer_replaces_the_file_and_keeps_its_mode(
    tmp_path: Path, scenario: str
) -> None:
    """The control: with nothing killed, the same command does write the target."""
    root = tmp_path / "project"
    root.mkdir()
    argv, target = SCENARIOS[scenario](root)
    target.chmod(0o640)
    old = target.read_bytes()
    proc = _run(root, argv, target, "never")
    if "invalid choice" in proc.stderr:
        pytest.skip(f"{argv[0]} has not landed yet")
    assert proc.returncode in (0, 1), proc.stderr
    assert target.read_bytes() != old
    # A git hook must be executable; every other file keeps its mode.
    expected = 0o755 if scenario.startswith("install-hooks") else 0o640
    assert target.stat().st_mode & 0o777 == expected
    if scenario == "pin --write":  # the rewrite keeps comments and layout
        text = target.read_text()
        assert (
            text.startswith("# AI stack\n") and "# keep me" in text and "\n\naccelerate==" in text
        )
    leftovers = [p.name for p in target.parent.iterdir() if p.name.endswith(".tmp")]
    assert not leftovers, leftovers


# Direct writes that are fine: appending to GitHub's step summary (GitHub owns that
# file and appends are how it is meant to be used), and files in a private temporary
# folder that exists only for one call.
_ALLOWED_DIRECT = {
    ("core/atomic.py", "fdopen"),
    ("cli/common.py", "open"),
    ("models/signatures.py", "write_text"),
}


def _mode_of(call: ast.Call) -> str:
    for arg in call.args[:2]:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return arg.value
    for keyword in call.keywords:
        if keyword.arg == "mode" and isinstance(keyword.value, ast.Constant):
            return str(keyword.value.value)
    return "r"


def test_no_direct_writes_outside_write_atomic() -> None:
    """Every file chainward writes goes through core.atomic.write_atomic."""
    found = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            direct = name in ("write_text", "write_bytes") or (
                name in ("open", "fdopen") and any(c in _mode_of(node) for c in "wax+")
            )
            if direct and (rel, name) not in _ALLOWED_DIRECT:
                found.append(f"{rel}:{node.lineno} {name}")
    assert not found, f"write through chainward.core.atomic.write_atomic instead: {found}"
