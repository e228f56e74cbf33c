"""Nothing scanned is executed: canaries that create a file if run are never run.

A repository is filled with files that each create their own canary file (an
absolute path in a temporary folder) when executed, imported, unpickled, built or
run by a shell: pickles (plain, PyTorch zip, memo-indirect, exec), ``setup.py``,
``conftest.py``, a module with top-level code, workflow and action ``run:`` lines, a
Dockerfile ``RUN``, and editable installs that would run ``setup.py``. Every
chainward command that reads such files runs over the repository; afterwards no
canary exists. A control test executes each canary on purpose and sees it fire, so
the payloads are known to work.
"""

from __future__ import annotations

import io
import json
import os
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

CANARIES = (
    "pickle", "torch-zip", "pickle-memo", "pickle-exec", "setup-py", "conftest-py",
    "module-py", "workflow-run", "workflow-python", "action-run", "dockerfile-run",
)  # fmt: skip


def _touch_pickle(target: Path) -> bytes:
    command = f"touch {shlex.quote(str(target))}".encode()
    return b"cos\nsystem\n(S'" + command.replace(b"'", b"\\'") + b"'\ntR."


def _memo_pickle(target: Path) -> bytes:
    def text(value: str) -> bytes:
        raw = value.encode()
        return b"\x8c" + bytes([len(raw)]) + raw

    command = f"touch {shlex.quote(str(target))}"
    return (
        b"\x80\x04" + text("posix") + b"\x94" + text("system") + b"\x94"
        + b"h\x00h\x01\x93" + text(command) + b"\x85R."
    )  # fmt: skip


def _exec_pickle(target: Path) -> bytes:
    code = f"open({str(target)!r}, 'w').close()".encode()
    return (
        b"\x80\x04\x8c\x08builtins\x94\x8c\x04exec\x94\x93\x8c"
        + bytes([len(code)])
        + code
        + b"\x85R."
    )


def _torch_zip(target: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("archive/data.pkl", _touch_pickle(target))
        archive.writestr("archive/version", "3\n")
    return buffer.getvalue()


def build_repository(root: Path, canaries: Path) -> dict[str, Path]:
    """Write every canary into ``root``; return canary name → the file it would create."""
    marks = {name: canaries / name for name in CANARIES}
    py_create = "open({!r}, 'w').close()\n".format
    (root / "models").mkdir(parents=True)
    (root / "models" / "model.pkl").write_bytes(_touch_pickle(marks["pickle"]))
    (root / "models" / "pytorch_model.bin").write_bytes(_torch_zip(marks["torch-zip"]))
    (root / "models" / "memo.pt").write_bytes(_memo_pickle(marks["pickle-memo"]))
    (root / "models" / "exec.ckpt").write_bytes(_exec_pickle(marks["pickle-exec"]))
    (root / "setup.py").write_text(
        py_create(str(marks["setup-py"]))
        + "from setuptools import setup\nsetup(name='x', install_requires=['torch>=2'])\n"
    )
    (root / "conftest.py").write_text(py_create(str(marks["conftest-py"])))
    (root / "app.py").write_text(
        py_create(str(marks["module-py"]))
        + "from transformers import AutoModel\nAutoModel.from_pretrained('org/name')\n"
    )
    workflows = root / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "ci.yml").write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n"
        f"      - run: touch {marks['workflow-run']}\n"
        "      - run: |\n"
        f"          python -c \"open('{marks['workflow-python']}', 'w')\"\n"
        "          pip install -e .\n"
    )
    (root / "action.yml").write_text(
        "name: x\nruns:\n  using: composite\n  steps:\n"
        f"    - run: touch {marks['action-run']}\n      shell: bash\n"
    )
    (root / "Dockerfile").write_text(
        f"FROM python:3.11\nRUN touch {marks['dockerfile-run']}\nRUN pip install -e .\n"
    )
    (root / "requirements.txt").write_text("-e .\nfile:.\ntorch>=2.0\n./\n")
    (root / "environment.yml").write_text("dependencies:\n  - pip:\n      - -e .\n")
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "x"\nversion = "0"\ndependencies = ["torch>=2"]\n'
    )
    (root / "a.txt").write_text("artifact\n")
    env = {**os.environ, "GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@b",
           "GIT_COMMITTER_NAME": "A", "GIT_COMMITTER_EMAIL": "a@b"}  # fmt: skip
    subprocess.run(("git", "init", "-q", "-b", "main", str(root)), check=True)
    subprocess.run(("git", "add", "-A"), cwd=root, check=True, env=env)
    subprocess.run(("git", "commit", "-qm", "canaries"), cwd=root, check=True, env=env)
    return marks


COMMANDS: list[list[str]] = [
    ["check", "--offline", "--format", "json", "."],
    ["check", "--offline", "--select", "unsafe-pickle,pickle-unknown-global,pickle-format", "."],
    ["check", "--offline", "models/model.pkl", "models/pytorch_model.bin", "setup.py", "app.py"],
    ["deps", "--offline", "--list", "."],
    ["deps", "--offline", "--verify", "--audit", "."],
    ["pin", "--offline"],
    ["pin", "--offline", "--write"],
    ["typosquats", "--offline", "--root", "."],
    ["models", "lock", "--offline", "models"],
    ["models", "verify", "--offline"],
    ["commits", "--offline", "--all"],
    ["attest", "--offline", "--no-sign", "--statement", "statement.json", "a.txt"],
]


def test_no_scanned_file_is_executed(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    canaries = tmp_path / "canaries"
    canaries.mkdir()
    marks = build_repository(root, canaries)
    ran = []
    for argv in COMMANDS:
        proc = subprocess.run(
            (sys.executable, "-m", "chainward", *argv),
            cwd=root,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if "invalid choice" in proc.stderr:
            continue
        ran.append(argv)
        assert "Traceback" not in proc.stderr, (argv, proc.stderr)
        assert proc.returncode in (0, 1, 2), (argv, proc.returncode, proc.stderr)
        fired = sorted(p.name for p in canaries.iterdir())
        assert not fired, f"`chainward {' '.join(argv)}` executed scanned content: {fired}"
        if argv[0] == "check" and "json" in argv:
            findings = json.loads(proc.stdout)["findings"]
            dangerous = {
                f["path"] for f in findings
                if f["check_id"] == "unsafe-pickle" and f["severity"] == "critical"
            }  # fmt: skip
            for rel in ("models/model.pkl", "models/pytorch_model.bin", "models/memo.pt",
                        "models/exec.ckpt"):  # fmt: skip
                assert rel in dangerous, (rel, dangerous)
    assert len(ran) >= 8, ran
    assert not any(path.exists() for path in marks.values())


def _fire(name: str, root: Path, mark: Path) -> None:
    """Execute one canary on purpose (in a child process)."""
    python = [sys.executable, "-c"]
    if name in ("pickle", "pickle-memo", "pickle-exec"):
        source = {"pickle": "model.pkl", "pickle-memo": "memo.pt", "pickle-exec": "exec.ckpt"}
        data = (root / "models" / source[name]).read_bytes()
        code = f"import pickle; pickle.loads({data!r})"
        subprocess.run([*python, code], check=False, timeout=30)
    elif name == "torch-zip":
        code = (
            "import pickle, zipfile; "
            f"pickle.loads(zipfile.ZipFile({str(root / 'models' / 'pytorch_model.bin')!r})"
            ".read('archive/data.pkl'))"
        )
        subprocess.run([*python, code], check=False, timeout=30)
    elif name in ("setup-py", "conftest-py", "module-py"):
        script = {"setup-py": "setup.py", "conftest-py": "conftest.py", "module-py": "app.py"}
        first_line = (root / script[name]).read_text().splitlines()[0]
        subprocess.run([*python, first_line], check=False, timeout=30)
    else:
        text = {
            "workflow-run": (root / ".github/workflows/ci.yml", "touch "),
            "workflow-python": (root / ".github/workflows/ci.yml", "python -c"),
            "action-run": (root / "action.yml", "touch "),
            "dockerfile-run": (root / "Dockerfile", "RUN touch"),
        }[name]
        line = next(x for x in text[0].read_text().splitlines() if text[1] in x and str(mark) in x)
        command = line.split("run: ", 1)[-1].split("RUN ", 1)[-1].strip()
        subprocess.run(["sh", "-c", command], check=False, timeout=30)


@pytest.mark.parametrize("name", CANARIES)
def test_the_canaries_are_live(tmp_path: Path, name: str) -> None:
    """Control: each payload, executed on purpose, does create its canary."""
    root = tmp_path / "repo"
    root.mkdir()
    canaries = tmp_path / "canaries"
    canaries.mkdir()
    marks = build_repository(root, canaries)
    _fire(name, root, marks[name])
    assert marks[name].exists(), f"the {name} canary does not fire; the test proves nothing"
