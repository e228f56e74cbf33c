"""The ``unpinned-action`` hook through the real pre-commit, against a temporary repository."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import GIT_IDENTITY, REPO_ROOT, GitRepo

pytestmark = pytest.mark.skipif(
    shutil.which("pre-commit") is None, reason="pre-commit not installed"
)


def _try_repo(repo: GitRepo, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **GIT_IDENTITY, "PRE_COMMIT_HOME": str(home)}
    return subprocess.run(
        (
            "pre-commit",
            "try-repo",
            str(REPO_ROOT),
            "unpinned-action",
            "--all-files",
            "--color",
            "never",
        ),
        cwd=repo.path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_try_repo_fails_on_unpinned_and_passes_on_sha(
    git_repo: GitRepo, tmp_path_factory: pytest.TempPathFactory
) -> None:
    home = tmp_path_factory.mktemp("pre-commit-home")
    git_repo.write(
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n",
    )
    git_repo.commit_all("unpinned")
    bad = _try_repo(git_repo, home)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert ".github/workflows/ci.yml:6:15: unpinned-action" in bad.stdout

    git_repo.write(
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n"
        f"      - uses: actions/checkout@{'1' * 40} # v4\n",
    )
    git_repo.commit_all("pinned")
    good = _try_repo(git_repo, home)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout
