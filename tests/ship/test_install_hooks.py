"""``chainward install-hooks`` and the plain git hook scripts (hooks/), with real git."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, GitRepo
from tests.ship.conftest import run_ok, setup_ssh_signing, tool_env

UNPINNED_WORKFLOW = (
    "name: train\non: push\npermissions: {}\njobs:\n  train:\n    runs-on: ubuntu-latest\n"
    "    steps:\n      - uses: actions/checkout@v4\n"
)


def test_repository_hooks_are_the_shipped_scripts() -> None:
    for name in ("pre-commit", "pre-push", "post-commit"):
        plain = REPO_ROOT / "hooks" / name
        shipped = REPO_ROOT / "src" / "chainward" / "githooks" / name
        assert plain.read_text() == shipped.read_text()
        assert os.access(shipped, os.X_OK)
        assert "# chainward-hook:" in shipped.read_text().splitlines()[1]


def test_installs_default_hooks(cli, git_repo: GitRepo) -> None:
    result = cli("install-hooks", "--repo", str(git_repo.path))
    assert result.code == 0, result.err
    hooks = git_repo.path / ".git" / "hooks"
    for name in ("pre-commit", "pre-push"):
        path = hooks / name
        assert f"installed {path}" in result.out
        assert path.read_text() == (REPO_ROOT / "hooks" / name).read_text()
        assert stat.S_IMODE(path.stat().st_mode) == 0o755
    assert not (hooks / "post-commit").exists()
    # Re-running replaces our own hooks without --force.
    assert cli("install-hooks", "--repo", str(git_repo.path), "-q").code == 0


def test_refuses_foreign_hook_without_force(cli, git_repo: GitRepo) -> None:
    hooks = git_repo.path / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    foreign = hooks / "pre-push"
    foreign.write_text("#!/bin/sh\necho team hook\n")
    result = cli("install-hooks", "--repo", str(git_repo.path))
    assert result.code == 2
    assert "not replacing hooks chainward did not write" in result.err
    assert str(foreign) in result.err
    assert "--force" in result.err
    # Nothing was written, not even the hook that was free.
    assert foreign.read_text() == "#!/bin/sh\necho team hook\n"
    assert not (hooks / "pre-commit").exists()

    forced = cli("install-hooks", "--repo", str(git_repo.path), "--force")
    assert forced.code == 0, forced.err
    assert "chainward-hook: pre-push" in foreign.read_text()
    backup = hooks / "pre-push.chainward-backup"
    assert backup.read_text() == "#!/bin/sh\necho team hook\n"


def test_hooks_path_sets_core_hookspath(cli, git_repo: GitRepo) -> None:
    result = cli(
        "install-hooks", "--repo", str(git_repo.path), "--hooks-path", ".githooks",
        "-t", "pre-commit", "-t", "pre-push", "-t", "post-commit",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert "set core.hooksPath = .githooks" in result.out
    assert git_repo.git("config", "core.hooksPath").strip() == ".githooks"
    for name in ("pre-commit", "pre-push", "post-commit"):
        assert (git_repo.path / ".githooks" / name).is_file()
    # A default install now lands in core.hooksPath (git's own hooks folder is unused).
    assert cli("install-hooks", "--repo", str(git_repo.path), "-q").code == 0
    assert not (git_repo.path / ".git" / "hooks" / "pre-commit").exists()


def test_refuses_to_move_an_existing_hookspath(cli, git_repo: GitRepo) -> None:
    git_repo.git("config", "core.hooksPath", ".husky")
    result = cli("install-hooks", "--repo", str(git_repo.path), "--hooks-path", ".githooks")
    assert result.code == 2
    assert "core.hooksPath is already set to '.husky'" in result.err
    assert git_repo.git("config", "core.hooksPath").strip() == ".husky"
    forced = cli(
        "install-hooks", "--repo", str(git_repo.path), "--hooks-path", ".githooks", "--force"
    )
    assert forced.code == 0
    assert git_repo.git("config", "core.hooksPath").strip() == ".githooks"


def test_outside_a_repository_is_a_usage_error(cli, tmp_path: Path) -> None:
    result = cli("install-hooks", "--repo", str(tmp_path))
    assert result.code == 2
    assert "not inside a git work tree" in result.err


def _git(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ("git", *args), cwd=repo, env=env, capture_output=True, text=True, check=False
    )


@pytest.mark.slow
def test_plain_hooks_commit_and_push(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
    env = tool_env(home)
    remote, work = tmp_path / "remote.git", tmp_path / "work"
    run_ok(("git", "init", "-q", "--bare", "-b", "main", str(remote)), tmp_path, env)
    run_ok(("git", "clone", "-q", str(remote), str(work)), tmp_path, env)
    setup_ssh_signing(work, env, tmp_path / "keys")
    chainward = [sys.executable, "-m", "chainward"]
    out = run_ok(
        [*chainward, "install-hooks", "-t", "pre-commit", "-t", "pre-push", "-t", "post-commit"],
        work,
        env,
    )
    assert out.count("installed ") == 3

    # Signed and clean: the commit goes through, post-commit reports on HEAD, push passes.
    (work / "README.md").write_text("an AI project\n")
    run_ok(("git", "add", "-A"), work, env)
    commit = _git(work, env, "commit", "-m", "start")
    assert commit.returncode == 0, commit.stderr
    assert "no findings" in commit.stdout + commit.stderr  # post-commit: HEAD verified
    push = _git(work, env, "push", "-q", "origin", "main")
    assert push.returncode == 0, push.stdout + push.stderr
    head = run_ok(("git", "rev-parse", "HEAD"), work, env).strip()

    # pre-commit blocks an unpinned action in the staged files.
    (work / ".github" / "workflows").mkdir(parents=True)
    (work / ".github" / "workflows" / "train.yml").write_text(UNPINNED_WORKFLOW)
    run_ok(("git", "add", "-A"), work, env)
    blocked = _git(work, env, "commit", "-m", "train")
    assert blocked.returncode == 1
    assert "action 'actions/checkout@v4' uses @v4" in blocked.stdout + blocked.stderr
    run_ok(("git", "reset", "-q", "--hard"), work, env)

    # An unsigned commit (post-commit warns but cannot block it) on a second branch: the
    # pre-push hook reads both pushed refs from git and rejects the whole push.
    run_ok(("git", "switch", "-q", "-c", "feature"), work, env)
    (work / "feature.md").write_text("unsigned\n")
    run_ok(("git", "add", "-A"), work, env)
    unsigned_commit = _git(work, env, "-c", "commit.gpgsign=false", "commit", "-m", "sneaky")
    assert unsigned_commit.returncode == 0
    assert "is not signed" in unsigned_commit.stdout + unsigned_commit.stderr
    unsigned = run_ok(("git", "rev-parse", "HEAD"), work, env).strip()
    run_ok(("git", "switch", "-q", "main"), work, env)
    (work / "notes.md").write_text("signed\n")
    run_ok(("git", "add", "-A"), work, env)
    run_ok(("git", "commit", "-q", "-m", "notes"), work, env)
    rejected = _git(work, env, "push", "origin", "main", "feature")
    assert rejected.returncode != 0
    output = rejected.stdout + rejected.stderr
    assert f'{unsigned[:10]} "sneaky" by Ada Tester <ada@example.com> is not signed' in output
    assert run_ok(("git", "rev-parse", "main"), remote, env).strip() == head
    assert run_ok(("git", "branch", "--list", "feature"), remote, env).strip() == ""
