"""Test, example and docs code is down-ranked one severity level, never hidden, and the
``downrank-dirs`` policy key changes or disables it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chainward.core.findings import CheckId, Finding, Severity
from chainward.engine import downrank, downrank_reason

DIRS = frozenset({"tests", "examples", "docs", "notebooks"})


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("examples/lora/requirements.txt", "examples"),
        ("src/pkg/tests/test_x.py", "tests"),
        ("Docs/source/conf.py", "Docs"),
        ("demo.ipynb", "notebook"),
        ("src/model.py", None),
        ("src/examples_util.py", None),  # a file named like the folder is product code
        ("tests", None),  # a file called tests at the root
        (None, None),
    ],
)
def test_downrank_reason(path: str | None, reason: str | None) -> None:
    assert downrank_reason(path, DIRS) == reason


def test_downrank_lowers_one_level_and_says_why() -> None:
    finding = Finding(CheckId("x"), Severity.HIGH, "m", path="tests/a.txt", properties={"p": "1"})
    lowered = downrank(finding, DIRS)
    assert lowered.severity is Severity.MEDIUM
    assert lowered.properties == {"p": "1", "downranked": "tests"}
    info = Finding(CheckId("x"), Severity.INFO, "m", path="tests/a.txt")
    assert downrank(info, DIRS) is info
    assert downrank(finding, frozenset()) is finding


def _repo(tmp_path: Path, policy: str = "") -> Path:
    (tmp_path / "examples").mkdir()
    (tmp_path / "requirements.txt").write_text("transformers\n")
    (tmp_path / "examples" / "requirements.txt").write_text("transformers\n")
    (tmp_path / "chainward.toml").write_text(policy)
    return tmp_path


def _severities(cli: object, root: Path) -> dict[str, str]:
    result = cli("check", str(root), "--format", "json")  # type: ignore[operator]
    findings = json.loads(result.out)["findings"]
    return {f["path"]: f["severity"] for f in findings if f["check_id"] == "unpinned-ai-dependency"}


def test_examples_weigh_less_but_stay_visible(cli: object, tmp_path: Path) -> None:
    root = _repo(tmp_path)
    assert _severities(cli, root) == {
        "requirements.txt": "high",
        "examples/requirements.txt": "medium",
    }


def test_policy_can_turn_it_off_and_a_check_severity_wins(cli: object, tmp_path: Path) -> None:
    root = _repo(tmp_path, "downrank-dirs = []\n")
    assert set(_severities(cli, root).values()) == {"high"}
    (root / "chainward.toml").write_text('[checks.unpinned-ai-dependency]\nseverity = "critical"\n')
    assert set(_severities(cli, root).values()) == {"critical"}
