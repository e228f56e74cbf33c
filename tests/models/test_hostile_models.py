"""The hostile model corpus (``hostile_models.py``): chainward's verdict on each file,
and, per case, proof that the file is real: the real loader, run in a subprocess inside
a temp dir, creates the canary. The test process itself never loads any of them."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from chainward.models.formats import find_format_problems
from chainward.models.pickles import find_pickle_problems, scan_model_file

from .hostile_models import CASES, LOADER_NEEDS, LOADERS, Case, canary_appears

IDS = [case.name for case in CASES]


def _findings(path: Path, root: Path) -> list[tuple[str, str, dict[str, str]]]:
    report = scan_model_file(path, 1 << 30)
    rel = path.relative_to(root).as_posix()
    findings = [
        *find_pickle_problems(rel, report),
        *find_format_problems(rel, path, report.kinds, 1 << 30),
    ]
    return [(f.check_id, f.severity.label, dict(f.properties or {})) for f in findings]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_chainward_flags_the_case(case: Case, tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    path = tmp_path / case.filename
    path.write_bytes(case.build(canary))
    found = _findings(path, tmp_path)
    assert (case.check_id, case.severity) in [(c, s) for c, s, _ in found], found
    # The location names the opcode's byte offset (the line, in TorchScript code; a
    # Keras finding is about the model's config.json as a whole).
    flagged = next(p for c, s, p in found if (c, s) == (case.check_id, case.severity))
    if case.loader != "keras":
        assert (flagged.get("offset") or flagged.get("line") or "").isdigit(), flagged
    assert not canary.exists()


def _prove(case: Case, tmp_path: Path) -> bool:
    """Run the real loader on the file in a subprocess; True if the canary appeared."""
    canary = tmp_path / "canary"
    path = tmp_path / case.filename
    path.write_bytes(case.build(canary))
    return canary_appears(LOADERS[case.loader], path, canary)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_case_is_real(case: Case, tmp_path: Path) -> None:
    needed = LOADER_NEEDS.get(case.loader, ())
    for module in (needed,) if isinstance(needed, str) else needed:
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"the real loader needs {module}")
    assert _prove(case, tmp_path), f"{case.name}: the loader did not run the payload"


def test_the_whole_corpus_through_the_cli_runs_nothing(tmp_path: Path) -> None:
    """Every hostile file (and a GGUF template injection) in one repository, through
    every command that reads model files, in a child process: no canary fires, and
    each file is reported at high or above."""
    import json
    import os

    from .hostile_models import gguf_ssti

    root = tmp_path / "repo"
    canaries = tmp_path / "canaries"
    canaries.mkdir()
    for case in CASES:
        folder = root / "models" / case.name
        folder.mkdir(parents=True)
        (folder / case.filename).write_bytes(case.build(canaries / case.name))
    (root / "models" / "gguf").mkdir()
    (root / "models" / "gguf" / "chat.gguf").write_bytes(gguf_ssti(canaries / "gguf"))
    env = {**os.environ, "GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@b",
           "GIT_COMMITTER_NAME": "A", "GIT_COMMITTER_EMAIL": "a@b"}  # fmt: skip
    subprocess.run(("git", "init", "-q", "-b", "main", str(root)), check=True)
    subprocess.run(("git", "add", "-A"), cwd=root, check=True, env=env)
    commands = (
        ["check", "--offline", "--format", "json", "."],
        ["check", "--offline", "--format", "json", *[
            f"models/{c.name}/{c.filename}" for c in CASES]],
        ["models", "lock", "--offline", "models"],
        ["models", "verify", "--offline"],
    )  # fmt: skip
    for argv in commands:
        proc = subprocess.run(
            (sys.executable, "-m", "chainward", *argv),
            cwd=root,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert "Traceback" not in proc.stderr, (argv, proc.stderr)
        assert not list(canaries.iterdir()), (argv, list(canaries.iterdir()))
        if "json" in argv:
            findings = json.loads(proc.stdout)["findings"]
            flagged = {
                f["path"].split("/")[1]
                for f in findings
                if f["severity"] in ("high", "critical") and f["path"].startswith("models/")
            }
            expected = {case.name for case in CASES} | ({"gguf"} if "." in argv else set())
            assert expected <= flagged, expected - flagged
