"""Policy loading: bad files exit 2 with file, key and suggestion, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fail-on = \n", ["chainward.toml", "invalid TOML", "line 1"]),
        (
            'fail_on = "high"\n',
            ["chainward.toml", "fail_on: unknown key", "did you mean 'fail-on'"],
        ),
        ('max-file-size = "big"\n', ["max-file-size: expected an integer, got a string"]),
        ('fail-on = "hgh"\n', ["fail-on: 'hgh' is not one of", "did you mean 'high'"]),
        ("[actions]\nalow = []\n", ["actions.alow: unknown key", "did you mean 'allow'"]),
        ('[actions]\nallow = "x"\n', ["actions.allow: expected a list of strings"]),
        (
            "[checks.unpinned-acton]\nenabled = false\n",
            ["checks.unpinned-acton: unknown check id", "unpinned-action"],
        ),
        (
            "[checks.unpinned-action]\nenabled = 1\n",
            ["checks.unpinned-action.enabled: expected true or false"],
        ),
        ("[comits]\n", ["comits: unknown key"]),
    ],
)
def test_bad_standalone_policy(cli, tmp_path: Path, text: str, expected: list[str]) -> None:
    (tmp_path / "chainward.toml").write_text(text)
    result = cli("check", str(tmp_path))
    assert result.code == 2, result.err
    assert "Traceback" not in result.err
    for fragment in expected:
        assert fragment in result.err


def test_pyproject_table_paths_are_prefixed(cli, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.chainward]\nfial-on = "low"\n'
    )
    result = cli("check", str(tmp_path))
    assert result.code == 2
    assert "pyproject.toml: tool.chainward.fial-on: unknown key" in result.err
    assert "did you mean 'fail-on'" in result.err


def test_pyproject_without_chainward_table_is_ignored(cli, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "chainward-free"\n')
    assert cli("check", str(tmp_path)).code == 0


def test_explicit_config_wins_and_must_exist(cli, tmp_path: Path) -> None:
    (tmp_path / "chainward.toml").write_text("bogus = 1\n")
    good = tmp_path / "other.toml"
    good.write_text('fail-on = "critical"\n')
    assert cli("check", str(tmp_path), "--config", str(good)).code == 0
    missing = cli("check", str(tmp_path), "--config", str(tmp_path / "nope.toml"))
    assert missing.code == 2 and "policy file not found" in missing.err


def test_policy_not_utf8(cli, tmp_path: Path) -> None:
    (tmp_path / "chainward.toml").write_bytes(b'fail-on = "\xff"\n')
    result = cli("check", str(tmp_path))
    assert result.code == 2 and "not valid UTF-8" in result.err
