"""Which files to scan: git's view of the tree (or a walk), excludes, size limits."""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from chainward.core.errors import InputError

# Folders a walk outside git never enters: tool caches and virtual environments.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".tox",
        ".nox",
    }
)


def matches_any(path: str, globs: Iterable[str]) -> bool:
    """Whether a root-relative ``/`` path matches any glob (``**`` spans folders)."""
    pure = PurePosixPath(path)
    for glob in globs:
        pattern = glob.rstrip("/")
        if fnmatch.fnmatchcase(path, pattern) or pure.match(pattern):
            return True
        # A folder glob excludes everything below it.
        if path.startswith(pattern.rstrip("*").rstrip("/") + "/") and "*" not in pattern:
            return True
        if pattern.endswith("/**") and path.startswith(pattern[:-3] + "/"):
            return True
    return False


def to_relative(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` with ``/`` separators (absolute if outside)."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _regular_file(path: Path) -> bool:
    """A regular file, not a symlink, FIFO or device; False for names the file system
    refuses (too long, undecodable) instead of raising, as ``Path.is_file`` does."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except (OSError, ValueError):
        return False


def list_tree(root: Path) -> list[str]:
    """Every file below ``root``: git's tracked and untracked-not-ignored files, or a walk."""
    from chainward.core.git import run_git  # not for named files (the hooks' case)

    proc = run_git(
        ("ls-files", "-z", "--cached", "--others", "--exclude-standard"), root, check=False
    )
    if proc.returncode == 0:
        names = {os.fsdecode(n) for n in proc.stdout.split(b"\0") if n}
        return sorted(n for n in names if _regular_file(root / n))
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in filenames:
            full = Path(dirpath, name)
            if _regular_file(full):
                out.append(full.relative_to(root).as_posix())
    return sorted(out)


def select_files(root: Path, paths: Sequence[Path], exclude: Sequence[str]) -> list[str]:
    """The root-relative files to scan: ``paths`` (files or folders) or the whole tree."""
    if not paths:
        found = list_tree(root)
    else:
        found = []
        for path in paths:
            if path.is_dir():
                base = to_relative(path, root)
                found.extend(f if base in ("", ".") else f"{base}/{f}" for f in list_tree(path))
            elif path.is_file():
                found.append(to_relative(path, root))
            else:
                raise InputError("no such file or directory", where=str(path))
    unique = sorted(set(found))
    return [f for f in unique if not matches_any(f, exclude)]
