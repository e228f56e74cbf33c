"""``chainward install-hooks``: plain git hooks for teams without the pre-commit framework.

The scripts ship inside the package (``chainward/githooks/``; the repository's ``hooks/``
links to them). By default they are copied into the repository's hooks folder (what
``git rev-parse --git-path hooks`` names, so an existing ``core.hooksPath`` is honoured);
``--hooks-path DIR`` writes them into DIR (for example a committed ``.githooks``) and sets
``core.hooksPath`` to it. A hook file that chainward did not write is never replaced
without ``--force``; with ``--force`` it is kept beside ours as ``<name>.chainward-backup``.
"""

from __future__ import annotations

import argparse
import os
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from chainward.core.atomic import write_atomic
from chainward.core.errors import UsageError
from chainward.core.git import repo_toplevel, run_git

if TYPE_CHECKING:
    from chainward.cli.commands import Commands

HOOK_TYPES: tuple[str, ...] = ("pre-commit", "pre-push", "post-commit")
DEFAULT_TYPES: tuple[str, ...] = ("pre-commit", "pre-push")
MARKER = "# chainward-hook:"


def register(commands: Commands) -> None:
    """Add the install-hooks subcommand."""
    parser = commands.add("install-hooks", cmd_install_hooks)
    parser.add_argument(
        "--hook-type",
        "-t",
        action="append",
        choices=HOOK_TYPES,
        dest="hook_types",
        metavar="TYPE",
        help=f"hook to install, repeatable: {', '.join(HOOK_TYPES)} "
        f"(default: {' and '.join(DEFAULT_TYPES)})",
    )
    parser.add_argument(
        "--hooks-path",
        type=Path,
        metavar="DIR",
        help="write the hooks into DIR (relative to the repository root) and set "
        "core.hooksPath to it",
    )
    parser.add_argument(
        "--repo",
        type=Path,
        default=Path(),
        metavar="PATH",
        help="the repository (default: the current folder)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace hooks chainward did not write (the old file is kept as "
        "<name>.chainward-backup) and an existing different core.hooksPath",
    )


def hook_script(hook_type: str) -> str:
    """The shipped script for one hook type."""
    if hook_type not in HOOK_TYPES:
        raise UsageError(f"unknown hook type {hook_type!r}", hint=", ".join(HOOK_TYPES))
    return resources.files("chainward").joinpath("githooks").joinpath(hook_type).read_text("utf-8")


def is_chainward_hook(path: Path) -> bool:
    """Whether ``path`` is a hook chainward wrote (its second line carries the marker)."""
    try:
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            head = handle.read(512)
    except OSError:
        return False
    return MARKER in head


def _git_text(args: tuple[str, ...], repo: Path) -> str:
    return os.fsdecode(run_git(args, repo).stdout).strip()


def _hooks_dir(repo: Path) -> Path:
    path = Path(_git_text(("rev-parse", "--git-path", "hooks"), repo))
    return path if path.is_absolute() else repo / path


def _current_hooks_path(repo: Path) -> str | None:
    proc = run_git(("config", "--get", "core.hooksPath"), repo, check=False)
    value = os.fsdecode(proc.stdout).strip()
    return value or None


def install_hooks(
    repo: Path,
    hook_types: tuple[str, ...] = DEFAULT_TYPES,
    *,
    hooks_path: Path | None = None,
    force: bool = False,
) -> list[Path]:
    """Install the hook scripts and return the files written.

    Raises :class:`UsageError` (and writes nothing) when a foreign hook or a different
    ``core.hooksPath`` is in the way and ``force`` is false.
    """
    top = repo_toplevel(repo)
    if top is None:
        raise UsageError("not inside a git work tree", where=str(repo))
    if hooks_path is not None:
        target = hooks_path if hooks_path.is_absolute() else top / hooks_path
        current = _current_hooks_path(top)
        wanted = hooks_path.as_posix()
        if current is not None and current != wanted and not force:
            raise UsageError(
                f"core.hooksPath is already set to {current!r}",
                where=str(top),
                hint="pass --force to point it at the chainward hooks instead",
            )
    else:
        target = _hooks_dir(top)
    foreign = [
        target / name
        for name in hook_types
        if (target / name).exists() and not is_chainward_hook(target / name)
    ]
    if foreign and not force:
        names = ", ".join(str(p) for p in foreign)
        raise UsageError(
            f"not replacing hooks chainward did not write: {names}",
            hint="pass --force to replace them (each is kept as <name>.chainward-backup), "
            "or call chainward from your own hook",
        )
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in hook_types:
        dest = target / name
        if dest in foreign:
            # Copy, not move: killed midway, the repository keeps a working hook.
            backup = dest.with_name(f"{name}.chainward-backup")
            write_atomic(backup, dest.read_bytes(), mode=dest.stat().st_mode & 0o7777)
        # rwxr-xr-x like the samples git writes, set before the rename: a hook that is
        # briefly not executable is silently skipped by git.
        write_atomic(dest, hook_script(name), mode=0o755)
        written.append(dest)
    if hooks_path is not None:
        run_git(("config", "core.hooksPath", hooks_path.as_posix()), top)
    return written


def cmd_install_hooks(args: argparse.Namespace) -> int:
    """Install the requested hooks and say where they went."""
    types = tuple(dict.fromkeys(args.hook_types or DEFAULT_TYPES))
    written = install_hooks(args.repo, types, hooks_path=args.hooks_path, force=args.force)
    if not args.quiet:
        for path in written:
            print(f"installed {path}")
        if args.hooks_path is not None:
            print(f"set core.hooksPath = {args.hooks_path.as_posix()}")
    return 0
