"""``pre-commit`` itself, except that ``try-repo`` keeps its store in PRE_COMMIT_HOME.

try-repo builds hook environments in a fresh temporary store on every run; the tests run
it once per hook stage, so they point that store at the session's PRE_COMMIT_HOME and
build each environment once. Everything else is pre-commit's own code.
Usage: python tests/ship/try_repo.py try-repo REPO [options]
"""

from __future__ import annotations

import os

import pre_commit.commands.try_repo as try_repo_command
from pre_commit.main import main
from pre_commit.store import Store


def _session_store(_tempdir: str) -> Store:
    return Store(os.environ["PRE_COMMIT_HOME"])


try_repo_command.Store = _session_store  # type: ignore[assignment,misc]

if __name__ == "__main__":
    raise SystemExit(main())
