"""``cli.commands``: every verb's parser is made alike, and the helpers verbs share."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from chainward.cli import COMMAND_MODULES, build_parser
from chainward.cli.commands import Commands, add_switches, folder
from chainward.cli.common import common_parser
from chainward.core.errors import UsageError


def _commands() -> tuple[argparse.ArgumentParser, Commands]:
    parser = argparse.ArgumentParser(prog="chainward")
    return parser, Commands(parser.add_subparsers(dest="command"), common_parser())


def _run(args: argparse.Namespace) -> int:
    return 7


def test_add_gives_the_common_options_and_the_function() -> None:
    parser, commands = _commands()
    verb = commands.add("scan", _run, "scan things", "Scan every thing.")
    verb.add_argument("--deep", action="store_true")
    args = parser.parse_args(["scan", "--deep", "--format", "json", "--offline"])
    assert args.func(args) == 7
    assert args.deep
    assert args.offline
    assert args.outputs == [["json", None]]
    assert verb.description == "Scan every thing."


def test_add_without_common_options() -> None:
    parser, commands = _commands()
    commands.add("bom", _run, "write a bom", common=False)
    args = parser.parse_args(["bom"])
    assert args.func is _run
    assert not hasattr(args, "offline")
    with pytest.raises(SystemExit):
        parser.parse_args(["bom", "--offline"])


def test_group_runs_its_verbs_and_prints_help_without_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser, commands = _commands()
    verbs = commands.group("models", "model files", dest="models_command")
    verbs.add("lock", _run, "lock them")
    args = parser.parse_args(["models", "lock", "--quiet"])
    assert (args.models_command, args.func(args), args.quiet) == ("lock", 7, True)
    bare = parser.parse_args(["models"])
    assert bare.func(bare) == 2
    assert "lock" in capsys.readouterr().err


def test_add_switches_are_off_unless_given() -> None:
    parser = argparse.ArgumentParser()
    add_switches(parser, (("--write", "rewrite"), ("--models", "models too")))
    assert vars(parser.parse_args(["--models"])) == {"write": False, "models": True}


def test_folder_refuses_what_is_not_a_folder(tmp_path: Path) -> None:
    assert folder(tmp_path) == tmp_path
    (tmp_path / "file").write_text("x")
    for path in (tmp_path / "file", tmp_path / "missing"):
        with pytest.raises(UsageError, match="no such folder"):
            folder(path)


@pytest.mark.parametrize("command", sorted(COMMAND_MODULES))
def test_every_command_registers_through_commands(command: str) -> None:
    parser = build_parser([command])
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    verb = sub.choices[command]
    assert verb.get_default("func") is not None, command


@pytest.mark.parametrize(
    "argv", [("typosquats", "--root"), ("models", "verify", "--root"), ("bom", "--root")]
)
def test_missing_folder_is_a_usage_error(cli, tmp_path: Path, argv: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    result = cli(*argv, str(tmp_path / "missing"))
    assert result.code == 2
    assert result.err == f"chainward: error: {tmp_path / 'missing'}: no such folder\n"
