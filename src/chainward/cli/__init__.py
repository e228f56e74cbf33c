"""The command line: one dispatching ``main`` and the single error boundary.

Exit codes: 0 clean, 1 findings at or above ``--fail-on``, 2 usage or input
error, 3 internal error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from chainward import __version__
from chainward.core.errors import Error

# Each module has ``register(subparsers, common)``; later families add theirs here.
COMMAND_MODULES: tuple[str, ...] = (
    "chainward.cli.check",
    "chainward.cli.install",
    "chainward.cli.commits",
    "chainward.cli.provenance",
    "chainward.cli.models",
    "chainward.cli.deps",
    "chainward.cli.typosquats",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"chainward: error: {message}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser."""
    from chainward.cli.common import common_parser

    parser = _Parser(prog="chainward", description="Guards the AI software supply chain.")
    parser.add_argument("--version", action="version", version=f"chainward {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    common = common_parser()
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse, run one command, and map errors to exit codes."""
    parser = build_parser()
    args = parser.parse_args(argv)
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
    raise SystemExit(main())
