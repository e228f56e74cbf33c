"""``benchmarks/realworld_precision.py`` counts causes, judges critical and high ones by
their labels, and notices unlabelled causes and lost true problems (on two small repos)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import REPO_ROOT


def _load() -> ModuleType:
    path = REPO_ROOT / "benchmarks" / "realworld_precision.py"
    spec = importlib.util.spec_from_file_location("realworld_precision", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _git_repo(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    subprocess.run(("git", "init", "-q", str(root)), check=True)
    subprocess.run(("git", "-C", str(root), "add", "-A"), check=True)
    subprocess.run(
        (
            "git",
            "-C",
            str(root),
            "-c",
            "user.name=x",
            "-c",
            "user.email=x@x",
            "commit",
            "-qm",
            "import",
        ),
        check=True,
    )


def test_precision_counts_and_lost_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    # torch unpinned in two files is one cause; the example copy is down-ranked.
    _git_repo(
        corpus / "app",
        {"requirements.txt": "torch\nvllm\n", "examples/requirements.txt": "torch\n"},
    )
    labels = tmp_path / "labels.tsv"
    labels.write_text(
        "# test labels\nrepo\tfingerprint\twhere\tlabel\treason\n"
        "app\tunpinned-ai-dependency:torch\trequirements.txt:1\ttrue\tunpinned install\n"
        "app\tunpinned-ai-dependency:gone\trequirements.txt:9\ttrue\tnot reported any more\n"
    )
    before = tmp_path / "before.tsv"
    before.write_text("repo\tfindings\tcritical\thigh\napp\t9\t0\t9\n")
    bench = _load()
    code = bench.main([str(corpus), "--labels", str(labels), "--before", str(before)])
    out = capsys.readouterr().out
    assert code == 1  # vllm is unlabelled and "gone" is lost
    row = next(line.split() for line in out.splitlines() if line.startswith("app"))
    assert row == ["app", "9", "2", "3", "2", "1", "0", "1", "1.00"]
    assert "unlabelled: app unpinned-ai-dependency:vllm" in out
    assert "LOST (labelled true, no longer reported): app unpinned-ai-dependency:gone" in out
    assert "findings 9 -> 2 causes: 0.78 fewer" in out
