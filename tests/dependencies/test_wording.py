"""Issue 15's wording and Dockerfile defects, each on the input that showed it."""

from __future__ import annotations

from pathlib import Path

from tests.dependencies.conftest import findings_of

DIGEST = "a" * 64


def test_a_matrix_variable_is_not_called_a_range(tmp_path: Path) -> None:
    # openai/whisper's test workflow (c0d2f624, .github/workflows/test.yml, MIT).
    workflow = tmp_path / ".github" / "workflows" / "test.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
        "    strategy:\n      matrix:\n        pytorch-version: [1.13.1, 2.1.2]\n"
        "    steps:\n      - run: pip install torch==${{ matrix.pytorch-version }}+cpu\n"
    )
    [finding] = [f for f in findings_of(tmp_path) if f.check_id == "unpinned-ai-dependency"]
    assert "allows a range" not in finding.message
    assert "takes its version from a variable (torch==${matrix.pytorch-version}+cpu)" in (
        finding.message
    )
    assert finding.severity.label == "low"  # unverifiable, not proven unpinned


def test_the_missing_hash_fix_does_not_ask_to_pin_a_pinned_line(tmp_path: Path) -> None:
    # oobabooga/text-generation-webui (1dcde41d, docker/TensorRT-LLM/Dockerfile, AGPL-3.0).
    (tmp_path / "Dockerfile").write_text(
        f"FROM python:3.12@sha256:{DIGEST}\n"
        "RUN pip3 install tensorrt_llm==1.1.0 --extra-index-url https://pypi.nvidia.com\n"
    )
    (tmp_path / "environment.yml").write_text("dependencies:\n  - pytorch==1.9.0\n")
    fixes = {
        f.path: f.fix for f in findings_of(tmp_path) if f.check_id == "missing-dependency-hash"
    }
    assert "<version>" not in (fixes["Dockerfile"] or "")
    assert "tensorrt_llm==1.1.0 into a requirements file" in (fixes["Dockerfile"] or "")
    assert fixes["environment.yml"] == (
        "lock the environment with conda-lock, which records every package's hash"
    )


def test_two_chained_pip_installs_keep_their_own_indexes(tmp_path: Path) -> None:
    # Equal first words put both installs in one group: the second one's nightly extra
    # index was judged against the first one's --index-url, and its PyPI use was lost.
    (tmp_path / "Dockerfile").write_text(
        f"FROM python:3.11@sha256:{DIGEST}\n"
        "RUN python -m pip install --index-url https://download.pytorch.org/whl/cu121 "
        "torch==2.3.1 && python -m pip install --pre --extra-index-url "
        "https://download.pytorch.org/whl/nightly/cu121 torchvision\n"
    )
    extra = [f for f in findings_of(tmp_path) if f.check_id == "extra-index-url"]
    nightly = [f for f in extra if "nightly" in f.message]
    assert len(nightly) == 1 and nightly[0].severity.label == "high"
    assert "is searched alongside https://pypi.org/simple for AI packages" in nightly[0].message
