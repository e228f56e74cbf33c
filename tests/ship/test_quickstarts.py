"""README's quick starts, run as a user would run them.

- pre-commit: the sample ``.pre-commit-config.yaml`` from README (its ``repo:``/``rev:``
  pointed at a snapshot of this working tree) installed with ``pre-commit install``; real
  commits, and a real ``git push`` of two refs to a local bare remote.
- GitHub Action: README's workflow is examples/workflows/pull-request.yml, verbatim; it
  runs under act in tests/ship/test_under_act.py.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.conftest import DATA, REPO_ROOT
from tests.ship.conftest import (
    readme_block,
    run_ok,
    setup_ssh_signing,
)
from tests.ship.precommit import manifest_hooks

README = REPO_ROOT / "README.md"
UNPINNED_WORKFLOW = (
    "name: train\non: push\npermissions: {}\njobs:\n  train:\n    runs-on: ubuntu-latest\n"
    "    steps:\n      - uses: actions/checkout@v4\n"
)


def test_readme_action_quickstart_is_the_example_workflow() -> None:
    example = (REPO_ROOT / "examples" / "workflows" / "pull-request.yml").read_text()
    assert readme_block("action") == example


def test_readme_precommit_sample_covers_every_commit_time_hook() -> None:
    from chainward.catalog import load_registry

    config = yaml.safe_load(readme_block("pre-commit-config"))
    assert config["default_install_hook_types"] == ["pre-commit", "pre-push"]
    (repo,) = config["repos"]
    listed = [h["id"] for h in repo["hooks"]]
    manifest = {h["id"]: h for h in manifest_hooks()}
    assert set(listed) <= set(manifest)
    assert "chainward" in listed
    # One environment at commit time: no listed commit-time hook needs extra packages.
    for hook_id in listed:
        if "pre-commit" in manifest[hook_id]["stages"]:
            assert not manifest[hook_id].get("additional_dependencies"), hook_id
    # Every other hook that is not manual-only is covered by the all-in-one hook (each
    # of its checks belongs to a family `chainward check` runs) or named in the prose.
    registry = load_registry()
    in_check = {f.name for f in registry.families.values() if f.in_check}
    text = README.read_text()
    for hook_id, hook in manifest.items():
        if hook_id in listed or set(hook["stages"]) == {"manual"}:
            continue
        checks = [c for c in registry if (c.hook or c.id) == hook_id]
        covered = bool(checks) and all(c.family in in_check for c in checks)
        assert covered or f"`{hook_id}`" in text, hook_id
    # Every manual-only hook is named in README's prose.
    for hook_id, hook in manifest.items():
        if set(hook["stages"]) == {"manual"}:
            assert f"`{hook_id}`" in text


def _git(repo: Path, env: dict[str, str], *args: str, check: bool = True) -> str:
    proc = subprocess.run(
        ("git", *args), cwd=repo, env=env, capture_output=True, text=True, check=False
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)}: {proc.stdout}{proc.stderr}")
    return proc.stdout.strip()


@pytest.mark.slow
def test_precommit_quickstart_commit_and_push(
    tmp_path: Path, chainward_snapshot: tuple[Path, str], pre_commit_env: dict[str, str]
) -> None:
    snapshot, rev = chainward_snapshot
    env = dict(pre_commit_env)
    remote = tmp_path / "remote.git"
    work = tmp_path / "work"
    config = readme_block("pre-commit-config")
    # Relative, as try-repo writes it (pre-commit keys its store by the repo string), so
    # the hook environments test_precommit_hooks.py built are reused.
    repo_ref = os.path.relpath(snapshot, work)
    config = config.replace("https://github.com/chainward/chainward", repo_ref)
    config = re.sub(r"rev: \S+.*", f"rev: {rev}", config)
    _git(tmp_path, env, "init", "-q", "--bare", "-b", "main", str(remote))
    _git(tmp_path, env, "clone", "-q", str(remote), str(work))
    setup_ssh_signing(work, env, tmp_path / "keys")
    (work / ".pre-commit-config.yaml").write_text(config)
    (work / "README.md").write_text("an AI project\n")

    installed = run_ok([sys.executable, "-m", "pre_commit", "install"], work, env)
    assert "pre-commit installed at .git/hooks/pre-commit" in installed
    assert "pre-commit installed at .git/hooks/pre-push" in installed

    # A clean, signed commit passes every pre-commit hook; the push passes pre-push.
    _git(work, env, "add", "-A")
    commit = subprocess.run(
        ("git", "commit", "-m", "adopt chainward"),
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert commit.returncode == 0, commit.stdout + commit.stderr
    assert re.search(r"chainward \(every offline check.*\.Passed", commit.stderr), commit.stderr
    push = subprocess.run(
        ("git", "push", "-q", "origin", "main"),
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert push.returncode == 0, push.stdout + push.stderr
    assert re.search(r"chainward verify-signed-commits.*\.Passed", push.stdout), push.stdout
    head = _git(work, env, "rev-parse", "HEAD")
    assert _git(remote, env, "rev-parse", "main") == head

    # The pre-commit hook blocks an unpinned action.
    (work / ".github" / "workflows").mkdir(parents=True)
    (work / ".github" / "workflows" / "train.yml").write_text(UNPINNED_WORKFLOW)
    _git(work, env, "add", "-A")
    blocked = subprocess.run(
        ("git", "commit", "-m", "train"),
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert blocked.returncode == 1
    assert "action 'actions/checkout@v4' uses @v4" in blocked.stdout + blocked.stderr
    assert _git(work, env, "rev-parse", "HEAD") == head

    # Two refs in one push: main gets a signed commit, feature an unsigned one made with
    # --no-verify. The pre-push hook reads both refs and rejects the whole push.
    _git(work, env, "reset", "-q", "--hard")
    (work / "notes.md").write_text("signed\n")
    _git(work, env, "add", "-A")
    _git(work, env, "commit", "-q", "--no-verify", "-m", "signed notes")
    _git(work, env, "switch", "-q", "-c", "feature")
    (work / "feature.md").write_text("unsigned\n")
    _git(work, env, "add", "-A")
    _git(work, env, "-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-m", "sneaky")
    unsigned = _git(work, env, "rev-parse", "HEAD")
    rejected = subprocess.run(
        ("git", "push", "origin", "main", "feature"),
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert rejected.returncode != 0
    output = rejected.stdout + rejected.stderr
    assert f'{unsigned[:10]} "sneaky" by Ada Tester <ada@example.com> is not signed' in output
    assert "failed to push some refs" in rejected.stderr
    assert _git(remote, env, "rev-parse", "main") == head
    assert _git(remote, env, "branch", "--list", "feature") == ""


def _readme_config_at(snapshot: Path, rev: str, work: Path) -> str:
    config = readme_block("pre-commit-config")
    config = config.replace("https://github.com/chainward/chainward", str(snapshot))
    return re.sub(r"rev: \S+.*", f"rev: {rev}", config)


@pytest.mark.slow
def test_first_precommit_run_builds_one_environment(
    tmp_path: Path, chainward_snapshot: tuple[Path, str], pre_commit_env: dict[str, str]
) -> None:
    # A fresh store, as on a developer's first `pre-commit run` with README's config.
    snapshot, rev = chainward_snapshot
    env = dict(pre_commit_env)
    store = tmp_path / "store"
    env["PRE_COMMIT_HOME"] = str(store)
    work = tmp_path / "work"
    work.mkdir()
    _git(work, env, "init", "-q", "-b", "main")
    (work / ".pre-commit-config.yaml").write_text(_readme_config_at(snapshot, rev, work))
    (work / ".github" / "workflows").mkdir(parents=True)
    (work / ".github" / "workflows" / "train.yml").write_text(UNPINNED_WORKFLOW)
    (work / "requirements.txt").write_text("torch>=2\n")
    _git(work, env, "add", "-A")
    proc = subprocess.run(
        (sys.executable, "-m", "pre_commit", "run", "--color", "never", "--verbose"),
        cwd=work, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    output = proc.stdout + proc.stderr
    # The all-in-one hook ran every family over the staged files, in one process.
    assert proc.returncode == 1, output
    assert "- hook id: chainward\n" in output
    assert output.count("- hook id: ") == 1, output
    assert "action 'actions/checkout@v4' uses @v4" in output
    assert "requirements.txt:1: unpinned-ai-dependency [high]" in output
    assert "Traceback" not in output
    # And pre-commit built exactly one hook environment for it.
    environments = sorted(store.glob("repo*/py_env-*"))
    assert len(environments) == 1, environments
    site = next(environments[0].glob("lib/python*/site-packages"))
    installed = {p.name.split("-")[0].lower() for p in site.glob("*.dist-info")}
    for heavy in ("sigstore", "cryptography", "pysequoia", "model_signing", "pip_audit"):
        assert heavy not in installed, heavy


def _readme_fenced(after_heading: str) -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split(after_heading, 1)[1]
    match = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert match, after_heading
    return match.group(1)


def _help(command: list[str]) -> str:
    from chainward.cli import build_parser

    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exc:
        build_parser().parse_args([*command, "--help"])
    assert exc.value.code == 0, command
    return out.getvalue()


def test_readme_first_command_finds_the_demo_projects_problems(cli) -> None:
    # README's first command ends with `chainward check examples/demo-ai-project`.
    first = README.read_text().split("```sh\n", 1)[1].split("```", 1)[0]
    assert first.strip().endswith("chainward check examples/demo-ai-project")
    result = cli("check", str(REPO_ROOT / "examples" / "demo-ai-project"), "--offline")
    assert result.code == 1
    for check_id in ("unpinned-action", "unpinned-ai-dependency", "unpinned-base-image"):
        assert f" {check_id} [" in result.out


def test_readme_cli_quick_start(cli, tmp_path: Path) -> None:
    lines = [
        line.split("#", 1)[0].strip()
        for line in _readme_fenced("## Quick start: CLI").splitlines()
        if line.strip()
    ]
    assert all(line.startswith("chainward ") for line in lines)
    project = tmp_path / "project"
    shutil.copytree(REPO_ROOT / "examples" / "demo-ai-project", project)
    ran = 0
    for line in lines:
        argv = line.split()[1:]
        if argv[:1] in (["check"], ["explain"], ["init"]):
            result = cli(*argv, cwd=project)
            expected = 1 if argv[0] == "check" else 0
            assert result.code == expected, (line, result.err)
            ran += 1
        else:
            # Commands that need a model, a key or the network here: the command exists
            # and takes these options.
            command = argv[:2] if argv[0] == "models" else argv[:1]
            help_text = _help(command)
            for option in (a for a in argv if a.startswith("--")):
                assert option in help_text, (line, option)
    assert ran >= 4  # check (twice), explain, init
    sarif = json.loads((project / "chainward.sarif").read_text())
    schema = json.loads((DATA / "sarif" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)
    assert sarif["runs"][0]["results"]
    assert (
        (project / "chainward.toml")
        .read_text()
        .startswith("# chainward policy written by `chainward init`")
    )
