"""Every check has a docs page and a hook; every hook has a README row; CI runs README's
test command; commit-time hooks start without heavy libraries."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from typing import Any

import pytest
import yaml

from chainward.catalog import load_registry
from chainward.cli.check import check_doc
from chainward.core.findings import CheckId, Severity
from chainward.core.registry import CheckInfo
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


DOCS = REPO_ROOT / "src" / "chainward" / "docs" / "checks"
SECTIONS = ("What it detects", "Why", "Example", "Fix", "Network")


def _section(page: str, name: str) -> str | None:
    """The text of one ``**Name.**`` section (up to the next one), or None without it."""
    marker = f"**{name}.**"
    if marker not in page:
        return None
    body = page.split(marker, 1)[1]
    for other in SECTIONS:
        body = body.split(f"**{other}.**", 1)[0]
    return body.strip()


def missing_pieces(info: CheckInfo, hook_ids: set[str], hooks: list[dict[str, Any]]) -> list[str]:
    """What a check lacks among its docs page (with every section), a non-empty
    example, and a hook that runs it. Empty when it has them all."""
    missing: list[str] = []
    page_path = DOCS / f"{info.id}.md"
    if not page_path.is_file():
        missing.append(f"its docs page {page_path.relative_to(REPO_ROOT)}")
    else:
        page = page_path.read_text("utf-8")
        if not page.startswith(f"# {info.id}\n"):
            missing.append(f"the title line '# {info.id}' of its docs page")
        for name in SECTIONS:
            text = _section(page, name)
            if text is None:
                missing.append(f"the '**{name}.**' section of its docs page")
            elif not text:
                missing.append(f"a non-empty '{name}' section (the {name.lower()} is blank)")
    if info.family == "core":
        # Core notes (unreadable files, bad suppressions) come from every scan: some
        # hook must run `chainward check`.
        if not any(str(h.get("entry", "")).startswith("chainward check") for h in hooks):
            missing.append("a hook that runs `chainward check` (which reports core notes)")
    elif (info.hook or info.id) not in hook_ids:
        missing.append(
            f"its hook mapping: no hook {info.hook or info.id!r} in .pre-commit-hooks.yaml"
        )
    return missing


@pytest.mark.parametrize("check_id", REGISTRY.ids())
def test_every_check_has_its_docs_page_example_and_hook(check_id: str) -> None:
    missing = missing_pieces(REGISTRY.checks[check_id], HOOK_IDS, HOOKS)
    assert not missing, f"check {check_id} lacks: " + "; ".join(missing)


def test_missing_pieces_are_named() -> None:
    """The meta test can fail: a check without page or hook, and a page without an
    example, are each reported by name."""
    ghost = CheckInfo(CheckId("no-such-check"), "x", Severity.LOW, family="ghost")
    assert missing_pieces(ghost, HOOK_IDS, HOOKS) == [
        "its docs page src/chainward/docs/checks/no-such-check.md",
        "its hook mapping: no hook 'no-such-check' in .pre-commit-hooks.yaml",
    ]
    page = (DOCS / "unpinned-action.md").read_text("utf-8")
    blank = page.split("**Example.**")[0] + "**Example.**\n\n**Fix.**" + page.split("**Fix.**")[1]
    assert _section(blank, "Example") == ""
    assert _section(page, "Example") and "actions/checkout@v4" in str(_section(page, "Example"))
    real = REGISTRY.checks[CheckId("unpinned-action")]
    assert missing_pieces(real, HOOK_IDS, HOOKS) == []
    assert missing_pieces(real, HOOK_IDS - {"unpinned-action"}, HOOKS) == [
        "its hook mapping: no hook 'unpinned-action' in .pre-commit-hooks.yaml"
    ]


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
