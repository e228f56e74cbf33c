"""How a command module adds its subcommands, and the argument helpers verbs share.

Each module in ``cli.COMMAND_MODULES`` has ``register(commands: Commands)``: every
subcommand is added with :meth:`Commands.add` (the common options, the function that
runs it) and a command that only groups verbs (``models``, ``data``) with
:meth:`Commands.group`, so that all verbs' parsers are made alike. Standard library and
``core.errors`` only: this module is on every run's path.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from chainward.core.errors import UsageError

Command = Callable[[argparse.Namespace], int]
"""What runs a subcommand: the parsed arguments in, the exit code out."""


class Commands:
    """The subcommands of one parser, each made with the common options."""

    def __init__(
        self,
        sub: argparse._SubParsersAction[Any],
        common: argparse.ArgumentParser,
    ) -> None:
        self.sub = sub
        self.common = common

    def add(
        self,
        name: str,
        func: Command,
        summary: str,
        description: str | None = None,
        *,
        common: bool = True,
    ) -> argparse.ArgumentParser:
        """The parser of subcommand ``name``, which ``func`` runs; with the common
        options unless ``common`` is False (a verb with options of its own)."""
        parser: argparse.ArgumentParser = self.sub.add_parser(
            name,
            parents=[self.common] if common else [],
            help=summary,
            description=description,
        )
        parser.set_defaults(func=func)
        return parser

    def group(
        self, name: str, summary: str, description: str | None = None, *, dest: str
    ) -> Commands:
        """A command made of verbs (``models lock``): the verbs' :class:`Commands`.
        Without a verb it prints its help and exits 2; the verb's name is in ``dest``."""
        parser = self.sub.add_parser(name, help=summary, description=description)
        verbs = parser.add_subparsers(dest=dest, metavar="VERB")
        parser.set_defaults(func=partial(print_usage, parser))
        return Commands(verbs, self.common)


def print_usage(parser: argparse.ArgumentParser, _args: argparse.Namespace) -> int:
    """Print ``parser``'s help on standard error: exit code 2 (a command needs a verb)."""
    parser.print_help(sys.stderr)
    return 2


def add_switches(parser: argparse.ArgumentParser, switches: Sequence[tuple[str, str]]) -> None:
    """Add ``(flag, help)`` options that are on when given."""
    for flag, text in switches:
        parser.add_argument(flag, action="store_true", help=text)


def folder(path: Path) -> Path:
    """``path``, a folder a verb works in; a usage error when it is not one."""
    if not path.is_dir():
        raise UsageError("no such folder", where=str(path))
    return path
