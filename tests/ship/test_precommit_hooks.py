"""Every hook of .pre-commit-hooks.yaml, run by the real pre-commit, in each of its stages.

Each stage is one ``pre-commit try-repo`` run over a temporary project that gives every
hook something to find. Two findings about try-repo shape the set-up:

- with uncommitted changes it commits only the staged and modified *tracked* files into a
  shadow clone (new untracked modules are left out), so the runs point at a snapshot
  repository of the whole working tree (``chainward_snapshot``) with ``--ref``;
- it always builds hook environments in a fresh temporary store (PRE_COMMIT_HOME is not
  consulted), which costs every environment again on every run. The runs therefore go
  through ``tests/ship/try_repo.py``, which is pre-commit's own ``main`` with try-repo's
  store placed in the session's PRE_COMMIT_HOME: same code path, environments built once.

Hook environments install offline: chainward's own dependencies from the vendored
wheelhouse, ``additional_dependencies`` from wheels re-packed from this test environment.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.ship.precommit import (
    STAGES,
    TRY_REPO,
    HookResult,
    hooks_for_stage,
    manifest_hooks,
    parse_run,
)

pytestmark = pytest.mark.slow

# A pickle whose GLOBAL opcode names os.system (never loaded: the hook reads opcodes).
EVIL_PICKLE = b"cos\nsystem\n(S'echo hi'\ntR."

# What the pull request adds: something for every hook to find.
TRIGGERS: Mapping[str, str | bytes] = {
    ".github/workflows/train.yml": (
        "name: train\non: push\npermissions: {}\njobs:\n  train:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - uses: actions/checkout@v4\n"
    ),
    "train.py": (
        "from transformers import AutoModel\n\n"
        'model = AutoModel.from_pretrained("meta-llama/Llama-3.1-8B")\n'
    ),
    "models/head.pkl": EVIL_PICKLE,
    "models/adapter.bin": "weights\n",
    "chainward.lock": (
        '[[model]]\nname = "adapter"\nsource = "local"\n\n[[model.file]]\n'
        'path = "models/adapter.bin"\nsize = 8\nsha256 = "' + "0" * 64 + '"\n'
    ),
    "dist/pkg-1.0.tar.gz": "release\n",
    "requirements.txt": "transformers>=4.28.0\ntransfomers==4.0\n",
    "Dockerfile": "FROM nvidia/cuda:11.8.0-devel-ubuntu22.04\nRUN echo hi\n",
}


@dataclass(frozen=True)
class Expect:
    """What a hook must report on TRIGGERS: pre-commit's status, exit code, a message."""

    exit_code: int
    message: str
    status: str = "Failed"


# One entry per hook id in .pre-commit-hooks.yaml (test_every_hook_has_a_case keeps
# them in step). Messages are the checks' own words.
EXPECT: Mapping[str, Expect] = {
    # The all-in-one hook: every offline family over the staged files, one process.
    "chainward": Expect(1, "action 'actions/checkout@v4' uses @v4"),
    "unpinned-action": Expect(1, "action 'actions/checkout@v4' uses @v4"),
    "verify-signed-commits": Expect(
        1, '"add everything" by Ada Tester <ada@example.com> is not signed'
    ),
    "signing-setup": Expect(1, "commits are not signed by default: commit.gpgsign is not true"),
    "verify-attestation": Expect(
        2, "dist/pkg-1.0.tar.gz: no attestation found next to the artifact"
    ),
    "verify-release": Expect(2, "the release policy names no builder"),
    "verify-model-hashes": Expect(1, "model 'adapter': 'models/adapter.bin' has sha256"),
    "pin-model-downloads": Expect(
        1, "downloads model 'meta-llama/Llama-3.1-8B' without a pinned revision"
    ),
    "scan-model-files": Expect(
        1, "models/head.pkl: unsafe-pickle [critical] loading this pickle calls os.system"
    ),
    "pin-ai-dependencies": Expect(
        1, "requirements.txt:1: unpinned-ai-dependency [high] AI dependency transformers allows"
    ),
    "pin-images": Expect(1, "image nvidia/cuda:11.8.0-devel-ubuntu22.04 has no @sha256 digest"),
    # Network hooks run behind a dead proxy: a lookup that fails is "not verified", a finding.
    "audit-dependencies": Expect(1, "transfomers==4.0 was not verified"),
    "check-typosquats": Expect(1, "'transfomers' looks like a typosquat of 'transformers'"),
    "check-typosquats-online": Expect(1, "'transfomers': existence on PyPI not verified"),
}


def _write(root: Path, files: Mapping[str, str | bytes]) -> None:
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)


def _git(repo: Path, env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        ("git", *args), cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


@dataclass
class StageRun:
    stage: str
    code: int
    output: str
    hooks: dict[str, HookResult]


@pytest.fixture(scope="module")
def stage_runs(
    tmp_path_factory: pytest.TempPathFactory,
    chainward_snapshot: tuple[Path, str],
    pre_commit_env: dict[str, str],
) -> dict[str, StageRun]:
    """One ``pre-commit try-repo`` per stage."""
    top = tmp_path_factory.mktemp("try-repo")
    env = dict(pre_commit_env)
    # The project: a base commit, then (committed, or only staged for the pre-commit
    # stage) every trigger.
    project = top / "project"
    project.mkdir()
    _git(project, env, "init", "-q", "-b", "main")
    (project / "README.md").write_text("an AI project\n")
    _git(project, env, "add", "-A")
    _git(project, env, "commit", "-q", "-m", "base")
    base = _git(project, env, "rev-parse", "HEAD")
    repos: dict[str, Path] = {}
    for stage in STAGES:
        clone = top / stage
        _git(top, env, "clone", "-q", str(project), str(clone))
        _write(clone, TRIGGERS)
        _git(clone, env, "add", "-A")
        if stage != "pre-commit":
            _git(clone, env, "commit", "-q", "-m", "add everything")
        repos[stage] = clone
    snapshot, rev = chainward_snapshot
    try_repo = [sys.executable, str(TRY_REPO), "try-repo", str(snapshot), "--ref", rev]
    extra = {
        "pre-commit": [],
        "pre-push": ["--from-ref", base, "--to-ref", "HEAD"],
        "post-commit": [],
        "manual": ["--all-files"],
    }

    def start(stage: str) -> subprocess.Popen[str]:
        argv = [*try_repo, "--verbose", "--color", "never", "--hook-stage", stage, *extra[stage]]
        return subprocess.Popen(
            argv,
            cwd=repos[stage],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    # The manual stage first: it builds most hook environments (pre-commit installs them
    # one at a time under the store's lock). Then the other stages run side by side.
    order = ["manual"] + [s for s in STAGES if s != "manual"]
    procs = {order[0]: start(order[0])}
    procs[order[0]].wait(timeout=600)
    procs.update({stage: start(stage) for stage in order[1:]})
    runs = {}
    for stage, proc in procs.items():
        output, _ = proc.communicate(timeout=600)
        runs[stage] = StageRun(stage, proc.returncode, output, parse_run(output))
    return runs


def test_every_hook_has_a_case() -> None:
    ids = [h["id"] for h in manifest_hooks()]
    assert len(ids) == len(set(ids)), "duplicate hook ids"
    assert set(ids) == set(EXPECT), "add the new hook to EXPECT (and TRIGGERS) here"


def test_readme_hooks_table_matches_the_manifest() -> None:
    rows: dict[str, str] = {}
    for line in (REPO_ROOT / "README.md").read_text().splitlines():
        if match := re.match(r"^\| `([a-z0-9-]+)` \| ([^|]+) \|", line):
            rows[match[1]] = match[2]
    for hook in manifest_hooks():
        assert hook["id"] in rows, f"README's Hooks table has no row for {hook['id']}"
        listed = [s.strip().removesuffix(" (CI)") for s in rows[hook["id"]].split(",")]
        assert listed == hook["stages"], hook["id"]


def test_every_hook_declares_its_stages() -> None:
    # A hook without `stages` would run at every hook type a user installs.
    for hook in manifest_hooks():
        assert hook.get("stages"), hook["id"]
        assert set(hook["stages"]) <= set(STAGES), hook["id"]
        assert hook.get("minimum_pre_commit_version"), hook["id"]
        if not hook.get("pass_filenames", True):
            assert hook.get("always_run") or hook.get("files"), hook["id"]


@pytest.mark.parametrize(
    ("stage", "hook_id"),
    [(stage, hook["id"]) for hook in manifest_hooks() for stage in hook["stages"]],
)
def test_hook_in_stage(stage_runs: dict[str, StageRun], stage: str, hook_id: str) -> None:
    run = stage_runs[stage]
    assert "Using config:" in run.output
    result = run.hooks.get(hook_id)
    assert result is not None, f"{hook_id} did not run in {stage}:\n{run.output[-3000:]}"
    expect = EXPECT[hook_id]
    assert result.status == expect.status, result.output
    assert result.exit_code == expect.exit_code, result.output
    assert expect.message in result.output, result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("stage", STAGES)
def test_only_the_stages_hooks_run(stage_runs: dict[str, StageRun], stage: str) -> None:
    run = stage_runs[stage]
    assert set(run.hooks) == set(hooks_for_stage(stage)), run.output[-3000:]
    assert run.code == (1 if run.hooks else 0)


def test_light_hooks_need_no_heavy_library() -> None:
    # Hooks without additional_dependencies run in the base install: building the CLI
    # they all share must not import the heavy extras.
    assert [h for h in manifest_hooks() if not h.get("additional_dependencies")]
    heavy = ("sigstore", "cryptography", "pysequoia", "model_signing", "pip_audit")
    check = (
        "import sys\nfrom chainward.cli import build_parser\nbuild_parser()\n"
        f"print([m for m in {heavy!r} if m in sys.modules])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_hook_environments_hold_the_package_data(
    stage_runs: dict[str, StageRun], pre_commit_home: Path
) -> None:
    # The hook environments install chainward as a wheel (not editable): what
    # install-hooks and the checks read at run time must be inside it.
    assert stage_runs
    packages = list(pre_commit_home.glob("repo*/py_env-*/lib/python*/site-packages/chainward"))
    assert packages
    for package in packages:
        for name in ("pre-commit", "pre-push", "post-commit"):
            assert (package / "githooks" / name).is_file()
        assert (package / "docs" / "checks" / "unpinned-action.md").is_file()
        assert (package / "core" / "data" / "sigstore-public-good.trusted_root.json").is_file()
