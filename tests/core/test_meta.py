"""Every check has a docs page and a hook; every hook has a README row; CI runs README's
test command; commit-time hooks start without heavy libraries."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys

import pytest
import yaml

from chainward.catalog import load_registry
from chainward.cli.check import check_doc
from tests.conftest import REPO_ROOT

HOOKS = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
HOOK_IDS = {h["id"] for h in HOOKS}
README = (REPO_ROOT / "README.md").read_text()
REGISTRY = load_registry()

HEAVY = (
    "sigstore",
    "pip_audit",
    "requests",
    "cryptography",
    "pysequoia",
    "model_signing",
    "urllib3",
    "httpx",
)
COMMIT_TIME_STAGES = {"pre-commit", "pre-push", "post-commit", "commit-msg"}


@pytest.mark.parametrize("check_id", REGISTRY.ids())
def test_every_check_has_a_docs_page(check_id: str) -> None:
    page = check_doc(check_id)
    assert page.startswith(f"# {check_id}\n")
    for section in ("**What it detects.**", "**Why.**", "**Fix.**", "**Network.**"):
        assert section in page, f"{check_id}: missing {section}"


@pytest.mark.parametrize(
    "check_id", [c for c in REGISTRY.ids() if REGISTRY.checks[c].family != "core"]
)
def test_every_check_runs_in_a_hook(check_id: str) -> None:
    info = REGISTRY.checks[check_id]
    hook = info.hook or info.id
    assert hook in HOOK_IDS, f"{check_id}: no hook {hook!r} in .pre-commit-hooks.yaml"


@pytest.mark.parametrize("hook", HOOKS, ids=[h["id"] for h in HOOKS])
def test_every_hook_is_explicit_and_in_the_readme(hook: dict[str, object]) -> None:
    assert f"| `{hook['id']}` |" in README, f"README hook table lacks {hook['id']}"
    assert hook.get("stages"), f"{hook['id']}: no explicit stages"
    assert "pass_filenames" in hook
    assert "minimum_pre_commit_version" in hook


def _readme_commands() -> list[str]:
    blocks = README.split("```sh\n")[1:3]
    return [b.split("\n```")[0].strip() for b in blocks]


def test_readme_opens_with_two_commands_and_ci_runs_the_second() -> None:
    assert README.startswith("# chainward\n\n```sh\n")
    install_run, test_cmd = _readme_commands()
    assert "chainward check examples/demo-ai-project" in install_run
    assert "pytest" in test_cmd
    ci_lines = (REPO_ROOT / ".ci" / "run").read_text().splitlines()
    assert test_cmd in ci_lines


def test_config_docs_are_current() -> None:
    proc = subprocess.run(
        (sys.executable, str(REPO_ROOT / "scripts" / "gen_config_docs.py"), "--check"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout


_PROBE = """
import json, sys
from chainward.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


@pytest.mark.parametrize(
    "hook",
    [
        h
        for h in HOOKS
        if COMMIT_TIME_STAGES & set(h.get("stages", ())) and not h.get("additional_dependencies")
    ],
    ids=lambda h: h["id"],
)
def test_commit_time_hooks_do_not_import_heavy_libraries(hook: dict[str, object], git_repo) -> None:
    git_repo.write("README.md", "hello\n")
    git_repo.commit_all("init")
    argv = shlex.split(str(hook["entry"]))
    assert argv[0] == "chainward"
    argv += [str(a) for a in hook.get("args", [])]  # type: ignore[attr-defined]
    proc = subprocess.run(
        (sys.executable, "-c", _PROBE, *argv[1:], "--format", "text"),
        cwd=git_repo.path,
        capture_output=True,
        text=True,
        check=False,
    )
    last = proc.stdout.strip().splitlines()[-1]
    result = json.loads(last)
    assert result["code"] in (0, 1, 2), proc.stderr
    loaded = {m.split(".")[0] for m in result["modules"]}
    assert not loaded & set(HEAVY), f"{hook['id']} imported {sorted(loaded & set(HEAVY))}"
