"""Hub downloads outside Python: shell, Makefile, Dockerfile, workflow run blocks, YAML
training configs and cog.yaml. Fixtures carry `# expect:` markers on the reported lines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chainward.inventory.model_refs.text import is_text_download_path, scan_text
from chainward.models.download_checks import find_download_problems
from tests.conftest import DATA

TEXT = DATA / "models" / "downloads" / "text"
FILES = sorted(p for p in TEXT.rglob("*") if p.is_file())
SHA = "0123456789abcdef0123456789abcdef01234567"


def _rel(path: Path) -> str:
    return path.relative_to(TEXT).as_posix()


def _expected(text: str) -> set[int]:
    return {n for n, line in enumerate(text.splitlines(), 1) if re.search(r"# expect: ", line)}


@pytest.mark.parametrize("path", FILES, ids=[_rel(p) for p in FILES])
def test_each_form_reports_exactly_the_marked_lines(path: Path) -> None:
    rel = _rel(path)
    assert is_text_download_path(rel)
    text = path.read_text()
    calls = scan_text(rel, text)
    findings = list(find_download_problems(calls, ()))
    assert {f.line for f in findings if f.check_id == "unpinned-model-download"} == _expected(text)


def test_every_form_has_a_fixture() -> None:
    forms = {_rel(p) for p in FILES}
    assert {"download_weights.sh", "Makefile", "Dockerfile", "cog.yaml", "axolotl.yml"} <= forms
    assert ".github/workflows/eval.yml" in forms
    assert any(f.startswith("llama_factory") for f in forms)


def test_fix_advice_matches_the_form() -> None:
    text = (TEXT / "download_weights.sh").read_text()
    by_line = {f.line: f for f in find_download_problems(scan_text("x.sh", text), ())}
    lines = text.splitlines()
    for number, finding in by_line.items():
        source = lines[number - 1]
        fix = finding.fix or ""
        if "git clone" in source or "git lfs clone" in source:
            assert "checkout" in fix
        elif "download" in source.split("#")[0] and "wget" not in source:
            assert "--revision" in fix
        else:
            assert "/resolve/" in fix
    locked = list(
        find_download_problems(
            scan_text("x.sh", "hf download org/model\n"),
            (),
            locked_revisions={"org/model": SHA},
        )
    )
    assert locked and SHA in (locked[0].fix or "")


def test_variables_stay_neutral_unless_asked() -> None:
    text = "git clone https://huggingface.co/$ORG/$NAME\nhf download ${MODEL}\n"
    calls = scan_text("get.sh", text)
    assert [c.repo_state for c in calls] == ["unresolved", "unresolved"]
    assert list(find_download_problems(calls, ())) == []
    loud = list(find_download_problems(calls, (), report_unresolved=True))
    assert {f.check_id for f in loud} == {"unresolved-model-download"}


def test_unrelated_files_are_not_read() -> None:
    assert not is_text_download_path("README.md")
    assert not is_text_download_path("src/model.py")
    assert scan_text("docker-compose.yml", "services:\n  app:\n    image: x\n") == []
