"""The hub-loader table: one real-code-shaped fixture per row, with `# expect:` markers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chainward.inventory.model_refs.loaders import LOADERS, Loader, match_loader
from chainward.inventory.model_refs.python import scan_source_full
from chainward.models.download_checks import find_download_problems
from tests.conftest import DATA

ROWS = DATA / "models" / "downloads" / "loader_rows"


def _fixture(row: Loader) -> Path:
    for path in sorted(ROWS.glob("*.py")):
        match = re.search(r'"""Row: ([^\n]+)', path.read_text())
        if match and match.group(1).strip() == row.name:
            return path
    raise AssertionError(f"no fixture for loader row {row.name!r}")


def _expected(text: str) -> set[int]:
    return {n for n, line in enumerate(text.splitlines(), 1) if "# expect: " in line}


@pytest.mark.parametrize("row", LOADERS, ids=[r.name for r in LOADERS])
def test_each_loader_row_has_a_fixture_that_it_judges(row: Loader) -> None:
    path = _fixture(row)
    text = path.read_text()
    found = scan_source_full(path.name, text)
    flagged = {
        f.line
        for f in find_download_problems(found.calls, found.remote_code)
        if f.check_id == "unpinned-model-download"
    }
    assert flagged == _expected(text)
    roots = frozenset(
        line.split()[1].split(".")[0]
        for line in text.splitlines()
        if line.startswith(("import ", "from "))
    )
    rows = {match_loader(c.api, roots) for c in found.calls if c.line in flagged}
    assert row in rows, f"no flagged call of {path.name} matched the row {row.name!r}"


def test_short_ids_take_the_default_organisation() -> None:
    calls = scan_source_full(
        "a.py",
        "import evaluate\nfrom sentence_transformers import SentenceTransformer\n"
        'evaluate.load("rouge")\nSentenceTransformer("all-mpnet-base-v2")\n',
    ).calls
    assert [c.repo_id for c in calls] == [
        "evaluate-metric/rouge",
        "sentence-transformers/all-mpnet-base-v2",
    ]


def test_unknown_callees_are_not_loaders() -> None:
    assert match_loader("json.load") is None
    assert match_loader("torch.load") is None
    assert match_loader("model.load_adapter") is None  # no peft/transformers import
    assert match_loader("model.load_adapter", frozenset({"peft"})) is not None
