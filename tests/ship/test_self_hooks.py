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
    from chainward.catalog import load_registry

    manifest = {h["id"]: h for h in manifest_hooks()}
    local = _local_hooks()
    # The all-in-one hook guards this repository, and it covers every offline
    # commit-time hook of the manifest (each of their checks is in a family it runs).
    assert [h["id"] for h in local] == ["chainward"]
    registry = load_registry()
    in_check = {f.name for f in registry.families.values() if f.in_check}
    for hook_id, hook in manifest.items():
        if "pre-commit" not in hook["stages"] or hook.get("additional_dependencies"):
            continue
        checks = [c for c in registry if (c.hook or c.id) == hook_id]
        if hook_id != "chainward":
            assert checks, hook_id
        assert all(c.family in in_check for c in checks), hook_id
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
