"""The text reader's pre-filter (``inventory.model_refs.prefilter``): whatever the text
reader reports, the pre-filter lets through, so skipping what it refuses changes no
result (issue 19, start-up)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainward.inventory.model_refs.prefilter import is_text_download_path, might_reference
from chainward.inventory.model_refs.text import scan_text
from tests.conftest import DATA

# Every non-Python file of the test data that the text reader reads: the download
# fixtures and the workflows, Dockerfiles, scripts and configs of the other tests (not
# the hostile inputs, such as alias bombs, which tests/hostile runs under limits).
SAMPLES = sorted(
    p
    for p in DATA.rglob("*")
    if p.is_file()
    and "hostile" not in p.relative_to(DATA).parts
    and is_text_download_path(p.relative_to(DATA).as_posix())
)

FORMS = [
    ("get.sh", "huggingface-cli download org/model\n"),
    ("get.sh", "hf download org/model --revision main\n"),
    ("get.sh", "modelscope download --model org/model\n"),
    ("get.sh", "git clone https://huggingface.co/org/model\n"),
    ("get.sh", "git clone https://hf.co/datasets/org/data\n"),
    ("get.sh", "wget https://huggingface.co/org/m/resolve/main/model.bin\n"),
    ("get.sh", "git clone \\\n  https://huggingface.co/org/model\n"),
    ("Makefile", "weights:\n\t@huggingface-cli download org/model\n"),
    ("Dockerfile", "FROM x\nRUN huggingface-cli \\\n    download org/model\n"),
    ("Dockerfile", "FROM x\nADD https://huggingface.co/org/m/resolve/main/m.bin /m.bin\n"),
    ("Dockerfile", "FROM x\nRUN <<EOF\nhf download org/model\nEOF\n"),
    (".github/workflows/a.yml", "jobs:\n  a:\n    steps:\n      - run: hf download org/m\n"),
    (
        ".github/workflows/a.yml",
        'jobs:\n  a:\n    steps:\n      - run: "hugging\\x66ace-cli download org/m"\n',
    ),
    (
        ".github/workflows/a.yml",
        'jobs:\n  a:\n    steps:\n      - run: "hugging\\\n          face-cli download org/m"\n',
    ),
    ("configs/t.yaml", "model_name_or_path: org/model\n"),
    ("configs/t.yaml", "datasets:\n  - path: org/data\n"),
    ("cog.yaml", "build:\n  run:\n    - hf download org/model\n"),
]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.relative_to(DATA).as_posix())
def test_every_sample_the_reader_finds_something_in_passes_the_filter(path: Path) -> None:
    rel = path.relative_to(DATA).as_posix()
    text = path.read_text("utf-8", "replace")
    if scan_text(rel, text):
        assert might_reference(rel, text)


@pytest.mark.parametrize(("rel", "text"), FORMS)
def test_every_form_passes_the_filter_and_is_found(rel: str, text: str) -> None:
    assert scan_text(rel, text), (rel, text)  # the form is one the reader reports
    assert might_reference(rel, text)


@pytest.mark.parametrize(
    ("rel", "text"),
    [
        ("build.sh", "pip install -r requirements.txt\necho done\n"),
        ("Dockerfile", "FROM python:3.12\nRUN pip install torch\n"),
        (".github/workflows/ci.yml", "jobs:\n  a:\n    steps:\n      - run: make test\n"),
        (".github/workflows/bad.yml", "jobs: [\n"),  # does not parse: nothing to report
        ("configs/lint.yaml", "rules:\n  line-length: 100\n"),
    ],
)
def test_texts_without_a_reference_are_refused(rel: str, text: str) -> None:
    assert not scan_text(rel, text)
    assert not might_reference(rel, text)


def test_the_fixtures_cover_found_and_refused_files() -> None:
    found = [p for p in SAMPLES if scan_text(p.relative_to(DATA).as_posix(), p.read_text())]
    assert len(found) >= 5 and len(SAMPLES) > len(found)
