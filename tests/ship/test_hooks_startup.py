"""The all-in-one ``chainward`` hook loads what the staged files need, and no more.

Each probe is a fresh interpreter (``sys.modules`` starts empty) that runs the hook's
entry from ``.pre-commit-hooks.yaml`` on a staged change in a temporary git repository
and prints which of the watched modules were imported. The wall-time goal against
check-yaml is measured by ``benchmarks/startup.py``, not here.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.ship.precommit import manifest_hooks

WATCHED = (
    "yaml",
    "packaging",
    "hashlib",
    "difflib",
    "tomllib",
    "chainward.typosquats.detect",
    "chainward.typosquats.index",
    "chainward.models.lock",
    "sigstore",
    "cryptography",
    "pysequoia",
    "model_signing",
    "pip_audit",
)

_PROBE = """
import json, sys
from chainward.cli import main
code = main(sys.argv[1:])
watched = json.loads(sys.stdin.read())
print(json.dumps({"code": code, "loaded": [m for m in watched if m in sys.modules]}))
"""

UNPINNED_WORKFLOW = (
    "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n"
    "      - uses: actions/checkout@v4\n"
)


def _hook_argv() -> list[str]:
    (hook,) = [h for h in manifest_hooks() if h["id"] == "chainward"]
    argv = shlex.split(str(hook["entry"]))
    assert argv[0] == "chainward"
    return argv[1:]


def _probe(root: Path, files: Mapping[str, str]) -> tuple[int, set[str], str]:
    subprocess.run(("git", "init", "-q", str(root)), check=True)
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    subprocess.run(("git", "add", "-A"), cwd=root, check=True)
    proc = subprocess.run(
        (sys.executable, "-c", _PROBE, *_hook_argv(), *files),
        cwd=root, input=json.dumps(WATCHED), capture_output=True, text=True, check=False,
    )  # fmt: skip
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return result["code"], set(result["loaded"]), proc.stdout


def test_the_hook_is_check_over_the_staged_files() -> None:
    (hook,) = [h for h in manifest_hooks() if h["id"] == "chainward"]
    assert hook["entry"] == "chainward check"
    assert hook["pass_filenames"] is True
    assert hook["require_serial"] is True  # one process sees the whole change
    assert not hook.get("additional_dependencies")  # one environment, the base install
    assert hook["stages"] == ["pre-commit", "pre-push", "manual"]


def test_no_dependency_staged_no_typosquat_detector(tmp_path: Path) -> None:
    code, loaded, out = _probe(tmp_path, {".github/workflows/ci.yml": UNPINNED_WORKFLOW})
    # The workflow is read (YAML) and its unpinned action found ...
    assert code == 1, out
    assert "unpinned-action" in out
    assert "yaml" in loaded
    # ... but no package name was staged: the detector and its index never load, nor
    # the lock reader (no chainward.lock), nor any heavy library.
    assert not loaded & {"chainward.typosquats.detect", "chainward.typosquats.index"}, loaded
    assert "chainward.models.lock" not in loaded
    assert not loaded & {"sigstore", "cryptography", "pysequoia", "model_signing", "pip_audit"}


def test_a_staged_dependency_loads_the_detector(tmp_path: Path) -> None:
    code, loaded, out = _probe(tmp_path, {"requirements.txt": "transfomers==4.0\n"})
    assert code == 1, out
    assert "looks like a typosquat of 'transformers'" in out
    assert {"chainward.typosquats.detect", "packaging"} <= loaded


def test_a_staged_lock_loads_the_lock_reader(tmp_path: Path) -> None:
    lock = '[[model]]\nname = "m"\nsource = "local"\n'
    code, loaded, out = _probe(tmp_path, {"chainward.lock": lock})
    assert code in (0, 1), out
    assert {"chainward.inventory.model_lock", "tomllib"} & loaded


@pytest.mark.parametrize(
    "module",
    [
        "chainward.cli.check",
        "chainward.core.yamlsafe",
        "chainward.core.findings",
        "chainward.core.schema",
        "chainward.core.git",
        "chainward.inventory.pep508",
        "chainward.inventory.ai_packages",
        "chainward.typosquats.scan",
        "chainward.models.scan",
    ],
)
def test_hook_path_modules_import_lazily(module: str) -> None:
    # Importing a module on the hook path pulls no parser or digest library: those load
    # inside the function that parses.
    check = (
        f"import sys, {module}\n"
        "print([m for m in ('yaml', 'packaging', 'hashlib', 'difflib') if m in sys.modules])\n"
    )
    out = subprocess.run(
        (sys.executable, "-c", check), capture_output=True, text=True, check=True
    ).stdout
    lazy = {
        "chainward.models.scan": {"yaml", "packaging"},  # its download scanner reads YAML
    }.get(module, set())
    loaded = set(json.loads(out.strip().replace("'", '"')))
    assert loaded <= lazy, (module, loaded)
