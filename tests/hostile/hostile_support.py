"""Run code in a forked child under hard limits: wall time, address space, no traceback.

The corpus and property tests drive the real parsers and the real CLI here. A fork
is cheap (chainward and its parsers are already imported) and isolates each run: a
hang is killed at the deadline, a memory blow-up hits ``RLIMIT_AS`` instead of the
machine, and whatever the child prints is collected for the assertions.
"""

from __future__ import annotations

import contextlib
import io
import os
import resource
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Exit code the child uses when the function raised (never a chainward exit code).
CRASHED = 99
# Exit code for "the function returned normally" when it returns no int.
RETURNED = 0


@dataclass(frozen=True)
class Outcome:
    """What happened in the child."""

    code: int | None
    """The exit code; None when the child was killed (deadline) or died of a signal."""
    out: str
    err: str
    seconds: float
    timed_out: bool
    signal: int | None

    @property
    def crashed(self) -> bool:
        """The function raised, or the process died of a signal, or ran out of time."""
        return self.code in (None, CRASHED) or self.timed_out

    def describe(self) -> str:
        """A one-paragraph account for assertion messages."""
        what = (
            f"killed after {self.seconds:.1f}s (deadline)"
            if self.timed_out
            else f"signal {self.signal}"
            if self.signal
            else f"exit {self.code} after {self.seconds:.2f}s"
        )
        return f"{what}\n--- stdout ---\n{self.out[-3000:]}\n--- stderr ---\n{self.err[-3000:]}"


def _address_space() -> int:
    with Path("/proc/self/status").open() as handle:
        for line in handle:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0  # pragma: no cover - Linux only


def run_isolated(
    func: Callable[[], object],
    *,
    timeout: float = 20.0,
    memory_mb: int = 768,
    cwd: Path | None = None,
) -> Outcome:
    """Run ``func()`` in a forked child with a deadline and an address-space budget.

    ``memory_mb`` is added to the parent's current address space (the child shares
    the interpreter and every imported module). The child's exit code is what
    ``func`` returns when it returns an int, 0 when it returns anything else, and
    ``CRASHED`` (with the traceback on stderr) when it raises.
    """
    with tempfile.TemporaryDirectory(prefix="hostile-") as scratch:
        out_path = Path(scratch, "out")
        err_path = Path(scratch, "err")
        budget = _address_space() + memory_mb * 1024 * 1024
        sys.stdout.flush()
        sys.stderr.flush()
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            code = CRASHED
            try:
                resource.setrlimit(resource.RLIMIT_AS, (budget, budget))
                out_fd = os.open(out_path, os.O_WRONLY | os.O_CREAT, 0o600)
                err_fd = os.open(err_path, os.O_WRONLY | os.O_CREAT, 0o600)
                os.dup2(out_fd, 1)
                os.dup2(err_fd, 2)
                sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", closefd=False), "utf-8")
                sys.stderr = io.TextIOWrapper(os.fdopen(2, "wb", closefd=False), "utf-8")
                if cwd is not None:
                    os.chdir(cwd)
                try:
                    result = func()
                    code = result if isinstance(result, int) else RETURNED
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else 1
                except BaseException:
                    traceback.print_exc()
                    code = CRASHED
            finally:
                with contextlib.suppress(BaseException):
                    sys.stdout.flush()
                    sys.stderr.flush()
                os._exit(code)
        timed_out = False
        status = 0
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() - start > timeout:
                os.kill(pid, signal.SIGKILL)
                _, status = os.waitpid(pid, 0)
                timed_out = True
                break
            time.sleep(0.002)
        seconds = time.monotonic() - start
        out = out_path.read_text("utf-8", "replace") if out_path.exists() else ""
        err = err_path.read_text("utf-8", "replace") if err_path.exists() else ""
    if os.WIFSIGNALED(status):
        return Outcome(None, out, err, seconds, timed_out, os.WTERMSIG(status))
    return Outcome(os.WEXITSTATUS(status), out, err, seconds, timed_out, None)


def run_cli(argv: list[str], *, cwd: Path, timeout: float = 20.0, memory_mb: int = 768) -> Outcome:
    """Run ``chainward ARGV`` through the real ``main`` in an isolated child."""
    from chainward.cli import main

    return run_isolated(lambda: main(argv), timeout=timeout, memory_mb=memory_mb, cwd=cwd)


def assert_clean_exit(outcome: Outcome, *, allowed: tuple[int, ...] = (0, 1, 2)) -> None:
    """No traceback, no internal error, no deadline, and an allowed exit code."""
    detail = outcome.describe()
    assert not outcome.timed_out, f"hang: {detail}"
    assert outcome.signal is None, f"died of a signal: {detail}"
    assert "Traceback (most recent call last)" not in outcome.err + outcome.out, detail
    assert "internal error" not in outcome.err, detail
    assert outcome.code in allowed, f"exit code {outcome.code} not in {allowed}: {detail}"


def available_commands() -> set[str]:
    """The CLI's subcommand names (families add theirs as they land)."""
    import argparse

    from chainward.cli import build_parser

    parser = build_parser()
    names: set[str] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            names.update(action.choices)
    return names


def registered_checks() -> set[str]:
    """Every registered check id."""
    from chainward.catalog import load_registry

    return set(load_registry().ids())


def warm_up(argvs: list[list[str]]) -> None:
    """Run commands once in this process, so forked children start with every module
    imported and every cache loaded (a cold child spends ~0.4 s importing; warm, 0.03 s).
    """
    import contextlib
    import io
    import os
    import tempfile

    from chainward.cli import main

    with tempfile.TemporaryDirectory(prefix="hostile-warm-") as scratch:
        root = Path(scratch)
        (root / "requirements.txt").write_text("torch>=1\n")
        (root / "app.py").write_text("from transformers import AutoModel\n")
        (root / "model.pkl").write_bytes(b"\x80\x02}q\x00.")
        (root / "chainward.lock").write_text("version = 1\n")
        cwd = Path.cwd()
        for argv in argvs:
            filled = [a.replace("{root}", str(root)) for a in argv]
            try:
                os.chdir(root)
                with (
                    contextlib.redirect_stdout(io.StringIO()),
                    contextlib.redirect_stderr(io.StringIO()),
                ):
                    main(filled)
            except BaseException:  # noqa: S110 - a warm-up failure only costs time
                pass
            finally:
                os.chdir(cwd)
