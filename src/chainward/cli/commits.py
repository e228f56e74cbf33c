"""``chainward commits``: verify commit signatures against the policy."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from chainward.cli.commands import folder
from chainward.cli.common import emit, load
from chainward.core.errors import UsageError
from chainward.core.git import repo_toplevel

if TYPE_CHECKING:
    from chainward.cli.commands import Commands

MAX_STDIN_BYTES = 1 << 20


def register(commands: Commands) -> None:
    """Add the ``commits`` subcommand."""
    parser = commands.add("commits", cmd_commits)
    chosen = parser.add_mutually_exclusive_group()
    chosen.add_argument("--range", metavar="A..B", help="the commits reachable from B, not A")
    chosen.add_argument("--all", action="store_true", help="every commit reachable from any ref")
    chosen.add_argument(
        "--git-pre-push",
        metavar="REMOTE",
        help="read git's pre-push hook input from standard input (hooks/pre-push)",
    )
    chosen.add_argument(
        "--setup",
        action="store_true",
        help="check this committer's signing set-up instead (the signing-setup hook)",
    )
    parser.add_argument(
        "--repo", type=Path, default=None, help="the repository (default: the current one)"
    )
    parser.add_argument("files", nargs="*", help=argparse.SUPPRESS)  # pre-commit may pass some


def _repo(args: argparse.Namespace) -> Path:
    start = folder(args.repo or Path())
    root = repo_toplevel(start)
    if root is None:
        bare = start.resolve()
        if (bare / "HEAD").is_file() and (bare / "objects").is_dir():
            return bare
        raise UsageError("not a git repository", where=str(start))
    return root


def cmd_commits(args: argparse.Namespace) -> int:
    """Select the commits, verify them, and report."""
    from chainward.commits.meta import CommitsSettings
    from chainward.engine import apply_policy

    root = _repo(args)
    loaded = load(args, root)
    settings = loaded.policy.settings_of("commits", CommitsSettings)
    if args.setup:
        from chainward.commits.setup import check_setup

        found = apply_policy(check_setup(root, settings), loaded.policy, root, sort=False)
        return emit(found, args, loaded)
    from chainward.commits import range as commit_range
    from chainward.commits.scan import CommitTrust, check_commits

    if args.range:
        include, exclude = commit_range.parse_range(root, args.range)
    elif args.all:
        include, exclude = ["--all"], []
    elif args.git_pre_push:
        data = sys.stdin.buffer.read(MAX_STDIN_BYTES + 1)
        if len(data) > MAX_STDIN_BYTES:
            raise UsageError("pre-push input is larger than 1 MiB")
        include, exclude = commit_range.git_pre_push(
            root, args.git_pre_push, data.decode("utf-8", "replace")
        )
    else:
        include, exclude = commit_range.from_environment(root, os.environ)
    exclude = exclude + commit_range.since_exclusions(root, settings.since)
    shas = commit_range.rev_list(root, include, exclude)
    findings, count = check_commits(root, shas, CommitTrust(root, settings))
    # Commits are reported in history order, after the same policy as every verb.
    kept = apply_policy(findings, loaded.policy, root, sort=False)
    return emit(kept, args, loaded, scanned=count)
