"""The batch interface, the repository scan, policy, hooks' imports and data refresh."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chainward.typosquats.datafiles import DATA_ENV
from chainward.typosquats.trusted import load_reference
from tests.conftest import DATA, REPO_ROOT

TS = DATA / "typosquats"


def test_batch_json_has_one_result_per_name_and_skips_the_header(cli: Any, tmp_path: Path) -> None:
    names = tmp_path / "names.tsv"
    names.write_text("name\ttarget\nreqeusts\trequests\nrequests\t\n\nr\u0435quests\n   \n")
    result = cli("typosquats", "--names-file", str(names), "--format", "json", cwd=tmp_path)
    assert result.code == 1
    document = json.loads(result.out)
    assert document["version"] == 1
    rows = document["results"]
    assert [r["name"] for r in rows] == ["reqeusts", "requests", "r\u0435quests", "   "]
    for row in rows:
        assert {"name", "flagged", "target", "technique", "score"} <= set(row)
    assert rows[0]["flagged"] and rows[0]["target"] == "requests"
    assert rows[0]["technique"] == "transposition"
    assert not rows[1]["flagged"] and rows[1]["target"] is None
    assert rows[2]["technique"] == "homoglyph"
    assert rows[3]["technique"] == "invalid-name"


def test_batch_trusted_top_changes_the_answer(cli: Any, tmp_path: Path) -> None:
    default = cli("typosquats", "sklearn", "--format", "json", cwd=tmp_path)
    assert default.code == 0
    assert not json.loads(default.out)["results"][0]["flagged"]
    small = cli("typosquats", "customtkinterr", "--trusted-top", "100", "--format", "json")
    assert not json.loads(small.out)["results"][0]["flagged"]
    bad = cli("typosquats", "x", "--trusted-top", "0")
    assert bad.code == 2
    assert "at least 1" in bad.err


def test_batch_text_output_and_exit_codes(cli: Any, tmp_path: Path) -> None:
    clean = cli("typosquats", "numpy", "pandas", cwd=tmp_path)
    assert clean.code == 0
    assert "0 of 2 names flagged" in clean.out
    dirty = cli("typosquats", "numpyy", cwd=tmp_path)
    assert dirty.code == 1
    assert "FLAGGED  numpyy -> numpy #20 [repetition" in dirty.out
    assert cli("typosquats", "numpyy", "--exit-zero", cwd=tmp_path).code == 0
    sarif = cli("typosquats", "numpyy", "--format", "sarif", cwd=tmp_path)
    assert sarif.code == 2
    assert "text or json" in sarif.err
    missing = cli("typosquats", "--names-file", str(tmp_path / "nope.txt"), cwd=tmp_path)
    assert missing.code == 2
    assert "cannot read" in missing.err


def test_batch_handles_a_one_megabyte_name_and_binary_garbage(cli: Any, tmp_path: Path) -> None:
    names = tmp_path / "odd.txt"
    names.write_bytes(b"a" * 1_000_000 + b"\n\xff\xfe\x00\x01\nrequests\n")
    result = cli("typosquats", "--names-file", str(names), "--format", "json", cwd=tmp_path)
    rows = json.loads(result.out)["results"]
    assert len(rows) == 3
    assert rows[0]["flagged"] and "1000000 characters" in rows[0]["detail"]
    assert rows[1]["flagged"] and rows[1]["technique"] == "invalid-name"
    assert not rows[2]["flagged"]


def test_batch_dev_files_through_the_cli(cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    result = cli(
        "typosquats",
        "--names-file",
        str(TS / "dev_hard_negatives.tsv"),
        "--trusted-top",
        "5000",
        "--format",
        "json",
        "--output",
        str(out),
        cwd=tmp_path,
    )
    assert result.code == 1
    rows = json.loads(out.read_text())["results"]
    assert len(rows) == 629
    assert sum(r["flagged"] for r in rows) / len(rows) <= 0.12


def _project(git_repo: Any) -> None:
    git_repo.write("requirements.txt", "requests==2.32.3\nreqeusts==1.0\npytest-cov\n")
    git_repo.write("Dockerfile", "FROM pytorch/pytroch:2.3.0\nRUN pip install numpyy==1.0\n")
    git_repo.write(
        "train.py",
        "from transformers import AutoModel\n"
        'm = AutoModel.from_pretrained("meta-llamma/Llama-2-7b-hf", revision="main")\n'
        'n = AutoModel.from_pretrained("meta-llama/Llama-2-7b-hf", revision="main")\n',
    )
    git_repo.write(
        "pyproject.toml",
        '[project]\nname = "demo"\nversion = "1"\ndependencies = ["torch", "pytorch-lightening"]\n',
    )


def test_repository_scan_reports_each_kind_with_location_and_fix(cli: Any, git_repo: Any) -> None:
    _project(git_repo)
    result = cli(
        "check",
        "--select",
        "typosquat,typosquat-model,typosquat-image",
        "--format",
        "json",
        cwd=git_repo.path,
    )
    assert result.code == 1
    findings = json.loads(result.out)["findings"]
    where = {(f["check_id"], f["path"], f["line"]) for f in findings}
    assert ("typosquat", "requirements.txt", 2) in where
    assert ("typosquat", "Dockerfile", 2) in where
    assert ("typosquat", "pyproject.toml", 4) in where
    assert ("typosquat-image", "Dockerfile", 1) in where
    assert ("typosquat-model", "train.py", 2) in where
    assert len([f for f in findings if f["check_id"].startswith("typosquat")]) == 5
    first = next(f for f in findings if f["path"] == "requirements.txt")
    assert "'requests', #6 on PyPI" in first["message"]
    assert "transposition" in first["message"]
    assert 'allow = ["reqeusts"]' in first["fix"]


def test_policy_allow_and_switches(cli: Any, git_repo: Any) -> None:
    _project(git_repo)
    git_repo.write(
        "chainward.toml",
        '[typosquats]\nallow = ["reqeusts", "numpyy", "pytorch-lightening"]\n'
        "models = false\nimages = false\n",
    )
    result = cli("typosquats", "--format", "json", cwd=git_repo.path)
    assert result.code == 0, result.out
    assert json.loads(result.out)["findings"] == []


def test_hook_runs_without_heavy_libraries(git_repo: Any) -> None:
    _project(git_repo)
    code = (
        "import sys; from chainward.cli import main; rc = main(['check', '--select', "
        "'typosquat,typosquat-model,typosquat-image', 'requirements.txt', 'train.py', "
        "'Dockerfile']); heavy = [m for m in ('sigstore', 'requests', 'cryptography', "
        "'urllib3', 'pip_audit', 'model_signing') if m in sys.modules]; "
        "print('HEAVY', heavy); sys.exit(rc)"
    )
    proc = subprocess.run(
        (sys.executable, "-c", code),
        cwd=git_repo.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert "HEAVY []" in proc.stdout
    assert "reqeusts" in proc.stdout


def test_data_refresh_into_a_folder_is_used(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "top.json"
    rows = [{"project": f"proj{i}x", "download_count": 10_000 - i} for i in range(150)]
    rows.append({"project": "My_Internal.Tool", "download_count": 50_000})
    source.write_text(json.dumps({"last_update": "2026-11-27", "rows": rows}))
    target = tmp_path / "data"
    result = cli("data", "refresh", "--from", str(source), "--data-dir", str(target))
    assert result.code == 0, result.err
    assert "wrote 151 entries" in result.out
    assert (target / "top-pypi.txt").read_text().splitlines()[1] == "1\tmy-internal-tool"
    sources = json.loads((target / "sources.json").read_text())
    assert sources["top-pypi.txt"]["count"] == 151
    monkeypatch.setenv(DATA_ENV, str(target))
    load_reference.cache_clear()
    from chainward.typosquats.detect import detector

    detector.cache_clear()
    try:
        found = cli("typosquats", "my-internal-tooll", "--format", "json")
        row = json.loads(found.out)["results"][0]
        assert row["flagged"] and row["target"] == "my-internal-tool"
        assert not json.loads(cli("typosquats", "requests", "--format", "json").out)["results"][0][
            "target"
        ]
    finally:
        monkeypatch.delenv(DATA_ENV)
        load_reference.cache_clear()
        detector.cache_clear()


def test_data_refresh_rejects_bad_sources(cli: Any, tmp_path: Path) -> None:
    few = tmp_path / "few.txt"
    few.write_text("requests\nnumpy\n")
    result = cli("data", "refresh", "--from", str(few), "--data-dir", str(tmp_path / "d"))
    assert result.code == 2
    assert "at least 100" in result.err
    bad = tmp_path / "bad.txt"
    bad.write_text("\n".join(["ok"] * 50 + ["not valid!"] + [f"n{i}" for i in range(100)]))
    result = cli("data", "refresh", "--from", str(bad), "--data-dir", str(tmp_path / "d"))
    assert result.code == 2
    assert "not a valid project name" in result.err
    offline = cli("data", "refresh", "--offline", "--from", "https://example.invalid/x.json")
    assert offline.code == 2
    assert not (tmp_path / "d" / "top-pypi.txt").exists()


def test_online_and_offline_contradict(cli: Any, tmp_path: Path) -> None:
    result = cli("typosquats", "--online", "--offline", "x", cwd=tmp_path)
    assert result.code == 2


def test_index_is_current() -> None:
    proc = subprocess.run(
        (sys.executable, "-m", "chainward.typosquats.index", "--check"),
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in os.environ.items() if k != DATA_ENV},
        cwd=REPO_ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_names_file_with_byte_order_mark_and_crlf(cli: Any, tmp_path: Path) -> None:
    names = tmp_path / "names.txt"
    names.write_bytes(b"\xef\xbb\xbfname\r\nreqeusts\r\nnumpy\r\n")
    rows = json.loads(
        cli("typosquats", "--names-file", str(names), "--format", "json", cwd=tmp_path).out
    )["results"]
    assert [(r["name"], r["flagged"]) for r in rows] == [("reqeusts", True), ("numpy", False)]


def test_names_file_skips_comment_lines(cli: Any, tmp_path: Path) -> None:
    # A commented list (as tests/data/typosquats/real_dependencies.txt) judges names only.
    names = tmp_path / "names.txt"
    names.write_text("# -- transformers (setup.py)\nreqeusts\n  # indented\nnumpy\n")
    rows = json.loads(
        cli("typosquats", "--names-file", str(names), "--format", "json", cwd=tmp_path).out
    )["results"]
    assert [(r["name"], r["flagged"]) for r in rows] == [("reqeusts", True), ("numpy", False)]


@pytest.mark.parametrize(
    "name", ["tensorfow", "matplotib", "tiketoken", "huggingface-hubs", "pytorch-lighting"]
)
def test_the_issues_examples_are_flagged(cli: Any, tmp_path: Path, name: str) -> None:
    result = cli("typosquats", name, "--format", "json", cwd=tmp_path)
    assert result.code == 1
    assert json.loads(result.out)["results"][0]["flagged"]


def test_install_commands_in_scripts_workflows_and_conda(cli: Any, git_repo: Any) -> None:
    git_repo.write(
        "setup.sh", '#!/bin/sh\nuv pip install reqeusts\npip install -U "tiketoken>=0.5"\n'
    )
    git_repo.write(
        ".github/workflows/ci.yml",
        "jobs:\n  a:\n    runs-on: ubuntu-latest\n    container: pytroch/pytorch:2.1\n"
        "    steps:\n      - run: pip install numpyy\n",
    )
    git_repo.write(
        "environment.yml", "name: demo\ndependencies:\n  - pip:\n    - huggingface-hubs\n"
    )
    result = cli(
        "check", "--select", "typosquat,typosquat-image", "--format", "json", cwd=git_repo.path
    )
    where = {(f["check_id"], f["path"], f["line"]) for f in json.loads(result.out)["findings"]}
    assert where >= {
        ("typosquat", "setup.sh", 2),
        ("typosquat", "setup.sh", 3),
        ("typosquat", ".github/workflows/ci.yml", 6),
        ("typosquat-image", ".github/workflows/ci.yml", 4),
        ("typosquat", "environment.yml", 4),
    }


def test_conda_packages_are_not_compared_with_pypi(cli: Any, git_repo: Any) -> None:
    # conda's `pytorch` and `pytorch-cuda` are the real thing there; the pip section is PyPI.
    git_repo.write(
        "environment.yml",
        "name: demo\nchannels: [pytorch, nvidia]\ndependencies:\n  - pytorch\n"
        "  - pytorch-cuda=12.1\n  - numpyy\n  - pip:\n    - reqeusts\n",
    )
    result = cli("check", "--select", "typosquat", "--format", "json", cwd=git_repo.path)
    names = [f["message"].split("'")[1] for f in json.loads(result.out)["findings"]]
    assert names == ["reqeusts"]
