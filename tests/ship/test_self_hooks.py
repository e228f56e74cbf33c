"""chainward guards itself: its own .pre-commit-config.yaml runs its own hooks, and they
pass on this repository under the policy in pyproject.toml (a real pre-commit run)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT
from tests.ship.conftest import export_tree, run_ok, tool_env
from tests.ship.precommit import manifest_hooks

CONFIG = REPO_ROOT / ".pre-commit-config.yaml"
SAME = ("entry", "files", "types", "pass_filenames", "require_serial", "stages")


def _local_hooks() -> list[dict[str, object]]:
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    (repo,) = config["repos"]
    assert repo["repo"] == "local"
    hooks: list[dict[str, object]] = repo["hooks"]
    return hooks


def test_local_hooks_are_the_manifests() -> None:
    manifest = {h["id"]: h for h in manifest_hooks()}
    local = _local_hooks()
    # Every offline commit-time hook of the manifest guards this repository too.
    offline = {
        h["id"]
        for h in manifest.values()
        if "pre-commit" in h["stages"] and not h.get("additional_dependencies")
    }
    assert offline == {h["id"] for h in local}
    for hook in local:
        assert hook["language"] == "unsupported"
        for key in SAME:
            assert hook.get(key) == manifest[str(hook["id"])].get(key), (hook["id"], key)
    # And the file is exactly what scripts/gen_self_hooks.py writes.
    proc = subprocess.run(
        (sys.executable, str(REPO_ROOT / "scripts" / "gen_self_hooks.py"), "--check"),
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr


@pytest.mark.slow
def test_own_hooks_pass_on_this_repository(tmp_path: Path) -> None:
    repo = export_tree(tmp_path / "chainward")
    env = tool_env(tmp_path / "home")
    (tmp_path / "home").mkdir()
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    for args in (("git", "init", "-q", "-b", "main"), ("git", "add", "-A")):
        run_ok(args, repo, env)
    proc = subprocess.run(
        ("pre-commit", "run", "--all-files", "--hook-stage", "pre-commit", "--color", "never"),
        cwd=repo, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # Every hook ran (or had no file of its kind) and none failed.
    for hook in _local_hooks():
        assert str(hook["name"]) in proc.stdout, hook["id"]
    assert "Passed" in proc.stdout
    assert "Failed" not in proc.stdout
