"""``cli.commands.VERBS``: every command's help is declared once, and every declaration is used."""

from __future__ import annotations

import argparse

import pytest

from chainward.cli import build_parser
from chainward.cli.commands import VERBS


def _commands(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, str | None]:
    """Every command under ``parser`` as typed after ``chainward``, with its help line."""
    found: dict[str, str | None] = {}
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {choice.dest: choice.help for choice in action._choices_actions}
        for name, sub in action.choices.items():
            found[prefix + name] = helps.get(name)
            found |= _commands(sub, f"{prefix}{name} ")
    return found


def test_every_command_has_its_declared_help_and_every_declaration_a_command() -> None:
    commands = _commands(build_parser())
    assert list(commands) == list(VERBS)
    assert commands == {name: summary for name, (summary, _) in VERBS.items()}


def test_descriptions_head_each_commands_own_help() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name in ("check", "models"):
        assert sub.choices[name].description == VERBS[name][1]


def test_an_unknown_option_is_reported_with_the_usage_of_the_command_it_was_given_to(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from chainward.cli import main

    cases = {
        ("bom", "--offline"): "usage: chainward bom ",
        ("models", "lock", "--bogus", "model.bin"): "usage: chainward models lock ",
        ("--bogus",): "usage: chainward [-h]",
    }
    for argv, usage in cases.items():
        with pytest.raises(SystemExit) as raised:
            main(list(argv))
        assert raised.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith(usage), err
        assert "chainward: error: unrecognized arguments: --" in err
