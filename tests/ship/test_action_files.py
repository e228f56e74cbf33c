"""What the action and the workflows promise, read from the files themselves.

(The linters, zizmor --offline, actionlint and check-jsonschema, run in .ci/lint-actions.)
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import tomllib
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from tests.conftest import REPO_ROOT
from tests.ship.conftest import WHEELHOUSE, lock_requirements

ACTIONS = sorted(
    p
    for p in REPO_ROOT.rglob("action.y*ml")
    if p.relative_to(REPO_ROOT).parts[0] not in {"tests", ".venv", "node_modules"}
    and "node_modules" not in p.parts
    and "demo-ai-project" not in p.parts
)
WORKFLOWS = sorted(
    [
        *(REPO_ROOT / ".github" / "workflows").glob("*.yml"),
        *(REPO_ROOT / "examples" / "workflows").glob("*.yml"),
    ]
)
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
LOCK = REPO_ROOT / "action" / "requirements.txt"


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def _steps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    if "runs" in doc:
        return list(doc["runs"].get("steps", []))
    return [step for job in doc["jobs"].values() for step in job.get("steps", [])]


@pytest.mark.parametrize(
    "path", [*ACTIONS, *WORKFLOWS], ids=lambda p: str(p.relative_to(REPO_ROOT))
)
def test_uses_pinned_and_no_expressions_in_scripts(path: Path) -> None:
    doc = _load(path)
    for step in _steps(doc):
        uses = step.get("uses")
        if uses is not None:
            assert uses.startswith("./") or PINNED.match(uses), f"{path}: {uses} is not pinned"
        if "run" in step:
            # Inputs and event data reach scripts only through env:, never spliced in.
            assert "${{" not in step["run"], f"{path}: expression inside run: {step['run']!r}"


def test_action_interface() -> None:
    doc = _load(REPO_ROOT / "action.yml")
    assert doc["runs"]["using"] == "composite"
    assert set(doc["inputs"]) == {
        "checks", "config", "fail-on", "sarif-file", "python-version", "offline",
        "working-directory",
    }  # fmt: skip
    assert set(doc["outputs"]) == {"findings", "sarif-file"}
    steps = doc["runs"]["steps"]
    setup = [s for s in steps if s.get("uses", "").startswith("actions/setup-python@")]
    assert len(setup) == 1
    assert setup[0]["if"] == "${{ inputs.python-version != '' }}"
    scripted = [s for s in steps if "run" in s]
    install, main = scripted
    assert "action/install.sh" in install["run"]
    for name in doc["inputs"]:
        if name == "python-version":
            continue
        env_name = "INPUT_" + name.upper().replace("-", "_")
        assert main["env"][env_name] == f"${{{{ inputs.{name} }}}}"
    install_sh = (REPO_ROOT / "action" / "install.sh").read_text()
    assert "--require-hashes" in install_sh
    assert "--only-binary :all:" in install_sh
    assert "--no-deps --no-build-isolation --no-index" in install_sh


def test_example_workflows_least_privilege() -> None:
    pr = _load(REPO_ROOT / "examples" / "workflows" / "pull-request.yml")
    assert pr["permissions"] == {}
    (job,) = pr["jobs"].values()
    assert job["permissions"] == {"contents": "read", "security-events": "write"}
    checkout = job["steps"][0]
    assert checkout["with"] == {"fetch-depth": 0, "persist-credentials": False}
    release = _load(REPO_ROOT / "examples" / "workflows" / "release.yml")
    assert release["permissions"] == {}
    (job,) = release["jobs"].values()
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    assert any("action/attest@" in s.get("uses", "") for s in job["steps"])


def test_lock_covers_pyproject_and_every_line_is_hashed() -> None:
    text = LOCK.read_text().replace("\\\n", " ")
    entries = [
        line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    locked: dict[str, list[str]] = {}
    for entry in entries:
        spec = entry.split(" --hash", 1)[0].split(";", 1)[0].strip()
        name, _, version = spec.partition("==")
        assert version, f"not pinned exactly: {entry[:80]}"
        assert "--hash=sha256:" in entry, f"no hash: {spec}"
        locked.setdefault(canonicalize_name(name), []).append(version)
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    wanted = [*pyproject["project"]["dependencies"], *pyproject["build-system"]["requires"]]
    for extra in ("sigstore", "audit"):
        wanted += pyproject["project"]["optional-dependencies"][extra]
    for text_req in wanted:
        req = Requirement(text_req)
        key = canonicalize_name(req.name)
        assert key in locked, f"{req.name} is missing from {LOCK.name}"
        assert any(req.specifier.contains(v, prereleases=True) for v in locked[key]), req


def test_vendored_wheels_are_the_locked_ones() -> None:
    lock_text = LOCK.read_text()
    wheels = sorted(WHEELHOUSE.glob("*.whl"))
    assert {w.name.split("-")[0].lower() for w in wheels} == {"packaging", "pyyaml", "setuptools"}
    locked = {canonicalize_name(r.name): r for r in lock_requirements(LOCK)}
    for wheel in wheels:
        name, version = wheel.name.split("-")[:2]
        assert str(locked[canonicalize_name(name)].specifier) == f"=={version}"
        assert hashlib.sha256(wheel.read_bytes()).hexdigest() in lock_text, wheel.name


def test_chainward_checks_itself_clean() -> None:
    # `chainward check .` under the policy in pyproject.toml, at the default fail-on
    # (low): what README promises and .github/workflows/ci.yml's self-check job runs.
    proc = subprocess.run(
        [sys.executable, "-m", "chainward", "check", ".", "--offline"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no findings" in proc.stdout.lower(), proc.stdout
