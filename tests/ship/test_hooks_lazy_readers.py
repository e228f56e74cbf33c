"""The all-in-one hook imports a reader only for a staged file of its kind (issue 19,
start-up), and every kind of file still loads its reader and still produces its
findings.

Each probe is a fresh interpreter that runs the console script's own entry
(``chainward.cli.run``: stand-ins for unused standard-library modules, the collector's
pace) on a staged change in a temporary git repository, then reports which watched
modules were really imported. The wall time against check-yaml is measured by
``benchmarks/startup.py``, not here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.ship.test_hooks_startup import UNPINNED_WORKFLOW, _hook_argv

# What a change of workflows alone must not import: the pickle and format scanners,
# the Python and text readers of model references, the other manifest parsers, the
# attestation verifier, the suppression reader and the dependency checks (nothing to
# judge), and the standard-library modules only they need.
NOT_FOR_YAML = (
    "chainward.models.pickles",
    "chainward.models.archives",
    "chainward.models.pickle_policy",
    "chainward.models.pickle_vm",
    "chainward.models.formats",
    "chainward.inventory.model_refs.python",
    "chainward.inventory.model_refs.loaders",
    "chainward.inventory.model_refs.text",
    "chainward.core.pyflow.parse",
    "chainward.inventory.pyproject",
    "chainward.inventory.setupcfg",
    "chainward.inventory.pipfile",
    "chainward.inventory.conda",
    "chainward.inventory.requirements",
    "chainward.inventory.dockerfile",
    "chainward.core.attestation",
    "chainward.core.suppress",
    "chainward.dependencies.checks.coverage",
    "hashlib",
    "shutil",
    "tomllib",
    "zipfile",
    "tarfile",
    "inspect",
    "ast",
)
WATCHED = (*NOT_FOR_YAML, "yaml", "chainward.inventory.scripts")

_PROBE = """
import atexit, json, sys
from chainward import cli
sys.argv = ["chainward", *sys.argv[1:]]
atexit.register(int)  # an exit callback: cli.startup.finish returns instead of os._exit
try:
    cli.run()
except SystemExit as stop:
    code = stop.code
watched = json.loads(sys.stdin.read())
# A stand-in (chainward.cli.startup) is in sys.modules but is not the module.
real = [m for m in watched if m in sys.modules and type(sys.modules[m]).__name__ != "_Deferred"]
print(json.dumps({"code": code, "loaded": real}))
"""

WORKFLOW = (
    "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n"
    "      - uses: actions/checkout@" + "a" * 40 + " # v4\n      - run: echo build\n"
)
# GLOBAL os.system, then REDUCE: nothing runs it (scanned as data).
EVIL_PICKLE = b"\x80\x02cos\nsystem\nq\x00X\x04\x00\x00\x00trueq\x01\x85q\x02Rq\x03."


def _probe(root: Path, files: Mapping[str, str | bytes]) -> tuple[int, set[str], str]:
    subprocess.run(("git", "init", "-q", str(root)), check=True)
    for rel, content in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            (root / rel).write_bytes(content)
        else:
            (root / rel).write_text(content)
    subprocess.run(("git", "add", "-A"), cwd=root, check=True)
    proc = subprocess.run(
        (sys.executable, "-c", _PROBE, *_hook_argv(), *files),
        cwd=root, input=json.dumps(WATCHED), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.stdout.strip(), proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return result["code"], set(result["loaded"]), proc.stdout + proc.stderr


def test_a_workflow_change_loads_no_other_reader(tmp_path: Path) -> None:
    # The benchmark's change: five workflows and an action.yml.
    files: dict[str, str | bytes] = {f".github/workflows/wf{i}.yml": WORKFLOW for i in range(5)}
    files["action.yml"] = "runs:\n  using: composite\n  steps: []\n"
    code, loaded, out = _probe(tmp_path, files)
    assert code == 0, out
    assert "no findings in 6 files" in out
    assert "yaml" in loaded  # the workflows are read (check-yaml parses them too)
    assert loaded.isdisjoint(NOT_FOR_YAML), sorted(loaded & set(NOT_FOR_YAML))


def test_an_unpinned_action_is_still_found(tmp_path: Path) -> None:
    code, loaded, out = _probe(tmp_path, {".github/workflows/ci.yml": UNPINNED_WORKFLOW})
    assert code == 1, out
    assert ".github/workflows/ci.yml:6:15: unpinned-action" in out
    # A finding is kept, so its line is read for a suppression comment.
    assert "chainward.core.suppress" in loaded
    others = set(NOT_FOR_YAML) - {"chainward.core.suppress"}
    assert loaded.isdisjoint(others), sorted(loaded & others)


@pytest.mark.parametrize(
    ("files", "modules", "finding"),
    [
        pytest.param(
            {"model.pkl": EVIL_PICKLE},
            {"chainward.models.pickles"},
            "model.pkl: unsafe-pickle [critical]",
            id="model-suffix",
        ),
        pytest.param(
            # No suffix says "model": the first bytes do.
            {"weights": EVIL_PICKLE},
            {"chainward.models.pickles"},
            "weights: unsafe-pickle [critical]",
            id="magic",
        ),
        pytest.param(
            # A text name that opens like protocol 2 is scanned all the same.
            {"notes.txt": EVIL_PICKLE},
            {"chainward.models.pickles"},
            "notes.txt: unsafe-pickle [critical]",
            id="text-name-protocol-2",
        ),
        pytest.param(
            # Routed through Git LFS: a model whatever its bytes look like.
            {
                ".gitattributes": "*.weights filter=lfs diff=lfs merge=lfs -text\n",
                "net.weights": b"\x80\x02cmylib\nNet\n)\x81\xff",
            },
            {"chainward.models.pickles"},
            "net.weights: unverifiable-model-file [high]",
            id="lfs",
        ),
        pytest.param(
            {"train.py": 'from transformers import AutoModel\nAutoModel.from_pretrained("gpt2")\n'},
            {"chainward.inventory.model_refs.python", "chainward.inventory.model_refs.loaders"},
            "train.py:2:1: unpinned-model-download",
            id="python",
        ),
        pytest.param(
            {"get.sh": "huggingface-cli download org/model\n"},
            {"chainward.inventory.model_refs.text", "chainward.inventory.scripts"},
            "get.sh:1:1: unpinned-model-download",
            id="shell",
        ),
        pytest.param(
            # The script is a double-quoted YAML scalar that spells the tool with an
            # escape: the pre-filter reads the decoded script, not the raw text.
            {
                ".github/workflows/dl.yml": "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n"
                '    steps:\n      - run: "hugging\\x66ace-cli download org/model"\n'
            },
            {"chainward.inventory.model_refs.text"},
            ".github/workflows/dl.yml:6:1: unpinned-model-download",
            id="workflow-escaped",
        ),
        pytest.param(
            {"configs/train.yaml": "model_name_or_path: org/model\n"},
            {"chainward.inventory.model_refs.text"},
            "configs/train.yaml:1:1: unpinned-model-download",
            id="yaml-config",
        ),
        pytest.param(
            {"Dockerfile": "FROM python:3.12\n"},
            {"chainward.inventory.dockerfile"},
            "Dockerfile:1:6: unpinned-base-image",
            id="dockerfile",
        ),
        pytest.param(
            {"requirements.txt": "torch==2.3.1\n"},
            {"chainward.inventory.requirements", "chainward.dependencies.checks.coverage"},
            "requirements.txt:1: missing-dependency-hash",
            id="requirements",
        ),
        pytest.param(
            {"Pipfile": '[packages]\ntorch = "*"\n'},
            {"chainward.inventory.pipfile", "tomllib"},
            "Pipfile:2",
            id="pipfile",
        ),
        pytest.param(
            {"environment.yml": "dependencies:\n  - pip:\n    - torch\n"},
            {"chainward.inventory.conda"},
            "environment.yml:3",
            id="conda",
        ),
    ],
)
def test_each_kind_loads_its_reader_and_finds(
    tmp_path: Path, files: dict[str, str | bytes], modules: set[str], finding: str
) -> None:
    code, loaded, out = _probe(tmp_path, files)
    assert code == 1, out
    assert finding in out
    assert modules <= loaded, sorted(modules - loaded)


@pytest.mark.parametrize(
    ("files", "absent"),
    [
        pytest.param(
            # Opens like a protocol 0 pickle ("c" is GLOBAL) but is named as text: the
            # scan would stop at the same test, so the scanner is not imported.
            {"notes.txt": "class Foo:\n    pass\n"},
            {"chainward.models.pickles"},
            id="text-opening-like-protocol-0",
        ),
        pytest.param(
            # Python that names no hub loader: the table is read, the reader is not.
            {"util.py": "def add(a, b):\n    return a + b\n"},
            {"chainward.inventory.model_refs.python", "chainward.models.pickles"},
            id="python-without-hub",
        ),
        pytest.param(
            {"build.sh": "echo build\n"},
            {"chainward.inventory.model_refs.text", "chainward.models.pickles"},
            id="shell-without-hub",
        ),
    ],
)
def test_files_that_cannot_hold_a_reference_load_no_reader(
    tmp_path: Path, files: dict[str, str], absent: set[str]
) -> None:
    code, loaded, out = _probe(tmp_path, files)
    assert code == 0, out
    assert loaded.isdisjoint(absent), sorted(loaded & absent)
