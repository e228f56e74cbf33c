"""The command line: one dispatching ``main`` and the single error boundary.

Exit codes: 0 clean, 1 findings at or above ``--fail-on``, 2 usage or input
error, 3 internal error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any

from chainward import __version__
from chainward.cli.startup import HelpFormatter, OnlyCommands
from chainward.core.errors import Error

# Each module has ``register(commands)`` (``cli.commands.Commands``). Only the module of the command
# being run is imported (hooks start faster); help and unknown commands import all.
COMMAND_MODULES: dict[str, str] = {
    "check": "chainward.cli.check",
    "explain": "chainward.cli.check",
    "init": "chainward.cli.check",
    "install-hooks": "chainward.cli.install",
    "commits": "chainward.cli.commits",
    "attest": "chainward.cli.provenance",
    "verify-attestation": "chainward.cli.provenance",
    "bom": "chainward.cli.release",
    "verify-release": "chainward.cli.release",
    "models": "chainward.cli.models",
    "deps": "chainward.cli.deps",
    "pin": "chainward.cli.deps",
    "typosquats": "chainward.cli.typosquats",
    "data": "chainward.cli.typosquats",
}


def _command_for(argv: Sequence[str] | None) -> str | None:
    """The command named by the first positional argument, if it is one."""
    for token in argv or ():
        if token.startswith("-"):
            continue
        return token if token in COMMAND_MODULES else None
    return None


def _modules_for(argv: Sequence[str] | None) -> list[str]:
    """The command modules to import: the one named by the first positional argument."""
    command = _command_for(argv)
    if command is not None:
        return [COMMAND_MODULES[command]]
    return list(dict.fromkeys(COMMAND_MODULES.values()))


_OWNER = "_chainward_parser"


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)
        # The innermost (sub)command parser that parsed argv ends up in the namespace, so
        # that an unknown option is reported with that command's usage, not the top one's.
        self.set_defaults(**{_OWNER: self})

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"chainward: error: {message}\n")
        raise SystemExit(2)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser, with the subcommands that ``argv`` can need (all by default)."""
    from chainward.cli.commands import Commands
    from chainward.cli.common import common_parser

    parser = _Parser(prog="chainward", description="Guards the AI software supply chain.")
    parser.add_argument("--version", action="version", version=f"chainward {__version__}")
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_Parser, action=OnlyCommands
    )
    # A module registers all its commands; only the one argv names is built (its
    # siblings cannot be reached from this argv).
    sub.wanted = _command_for(argv)  # type: ignore[attr-defined]
    commands = Commands(sub, common_parser())
    for name in _modules_for(argv):
        importlib.import_module(name).register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse, run one command, and map errors to exit codes."""
    if argv is None:
        argv = sys.argv[1:]
    parser = build_parser(argv)
    args, unknown = parser.parse_known_args(argv)
    owner: argparse.ArgumentParser = getattr(args, _OWNER, parser)
    if unknown:
        owner.error(f"unrecognized arguments: {' '.join(unknown)}")
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    verbose = bool(getattr(args, "verbose", False))
    try:
        code: int = args.func(args)
    except Error as exc:
        if verbose:
            import traceback

            traceback.print_exc()
        sys.stderr.write(f"chainward: error: {exc.diagnostics()}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("chainward: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if verbose:
            import traceback

            traceback.print_exc()
        sys.stderr.write(
            f"chainward: internal error: {type(exc).__name__}: {exc}\n"
            "  rerun with -v for a traceback, and please report it\n"
        )
        return 3
    return code


def run() -> None:
    """Console-script entry point."""
    from chainward.cli.startup import compile_patterns_on_first_use, defer, finish, pace_collector

    defer()  # standard-library modules the hook path never uses load on first use
    compile_patterns_on_first_use()
    pace_collector()
    raise SystemExit(finish(main()))  # no teardown unless a thread, pool or tracer needs it
