"""What ``chainward pin`` needs beyond one line: the transitive closure of a hash-checked
file, resolved by pip's own resolver, and commits for VCS requirements.

pip's hash-checking mode refuses an install in which any package, direct or transitive,
lacks a hash. So a hashed file must list the whole closure; chainward does not guess it,
it asks pip (``pip install --dry-run --ignore-installed --report``), which resolves for the
running interpreter and platform as ``pip-compile`` does. When pip cannot resolve (no
network under ``--offline``, a conflict, no pip), ``pin`` refuses to write (exit 2).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from chainward.core.atomic import write_atomic
from chainward.core.errors import UsageError

Resolver = Callable[[Sequence[str]], list[tuple[str, str]]]
"""Requirement lines in, every (name, version) pip would install out."""


class ResolveError(UsageError):
    """pip could not resolve the closure of a hash-checked file (exit 2)."""


def pip_resolver(
    *,
    offline: bool,
    find_links: Path | None = None,
    python: str = sys.executable,
    timeout: float = 900.0,
) -> Resolver:
    """A resolver that runs pip; with ``find_links`` it uses only that local wheelhouse."""

    def resolve(requirements: Sequence[str]) -> list[tuple[str, str]]:
        if offline and find_links is None:
            raise ResolveError(
                "a hash-checked requirements file must list every transitive dependency, "
                "and --offline forbids asking the index which ones they are",
                hint="run `chainward pin` without --offline, or pass --find-links DIR "
                "(a folder of wheels) to resolve from it",
            )
        with tempfile.TemporaryDirectory(prefix="chainward-pin-") as tmp:
            listing = Path(tmp) / "requirements.in"
            write_atomic(listing, "".join(f"{line}\n" for line in requirements))
            report = Path(tmp) / "report.json"
            command = [python, "-m", "pip", "install", "--dry-run", "--ignore-installed"]
            command += ["--quiet", "--report", str(report), "-r", str(listing)]
            if find_links is not None:
                # Only the wheelhouse: no index, no user configuration adding others.
                command += ["--isolated", "--no-index", "--find-links", str(find_links)]
            env = {k: v for k, v in os.environ.items() if k != "PIP_REQUIRE_HASHES"}
            env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
            try:
                done = subprocess.run(
                    command,
                    capture_output=True,
                    text=True,
                    timeout=timeout,
                    check=False,
                    env=env,
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise ResolveError(f"could not run pip to resolve dependencies: {exc}") from None
            if done.returncode != 0 or not report.is_file():
                tail = " ".join(done.stderr.strip().splitlines()[-3:]) or "no output"
                raise ResolveError(
                    f"pip could not resolve the pinned requirements: {tail}",
                    hint="fix the conflict pip names (or the index it cannot reach) and "
                    "run `chainward pin --write` again; nothing was written",
                )
            return parse_report(report.read_text("utf-8"))

    return resolve


def parse_report(text: str) -> list[tuple[str, str]]:
    """(name, version) of every package in a pip installation report."""
    try:
        data = json.loads(text)
        return [
            (str(item["metadata"]["name"]), str(item["metadata"]["version"]))
            for item in data["install"]
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise ResolveError(
            f"pip wrote an installation report chainward cannot read: {exc}"
        ) from None


def split_vcs_url(url: str) -> tuple[str, str | None, str]:
    """``git+https://h/o/r.git@ref#egg=x`` → (``https://h/o/r.git``, ``ref``, ``#egg=x``)."""
    base, hash_mark, fragment = url.partition("#")
    _, _, rest = base.partition("+")
    repo = rest if rest else base
    ref: str | None = None
    head, at, tail = repo.rpartition("@")
    if at and "/" not in tail and "/" in head:
        repo, ref = head, tail
    return repo, ref, (hash_mark + fragment) if hash_mark else ""


def lookup_commit(url: str, *, offline: bool, timeout: float = 30.0) -> str | None:
    """The commit a VCS requirement's ref (or default branch) points at, via
    ``git ls-remote``; None when offline, not git, or the remote does not answer."""
    if offline or not url.startswith("git+"):
        return None
    repo, ref, _ = split_vcs_url(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["GIT_TERMINAL_PROMPT"] = "0"
    try:
        done = subprocess.run(
            ("git", "ls-remote", "--", repo, ref or "HEAD"),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=env,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    for line in done.stdout.splitlines():
        sha = line.split("\t", 1)[0].strip()
        if len(sha) in (40, 64) and all(c in "0123456789abcdef" for c in sha):
            return sha
    return None
