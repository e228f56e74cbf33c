"""Options every subcommand shares, policy loading, and emitting findings."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chainward import __version__
from chainward.catalog import load_registry
from chainward.cli.startup import HelpFormatter
from chainward.core.errors import UsageError
from chainward.core.findings import Finding, Severity
from chainward.core.policy import Policy, load_policy
from chainward.core.registry import Registry

FORMATS = ("text", "json", "sarif", "github")


class _FormatAction(argparse.Action):
    """``--format`` appends a (format, output) pair; ``--output`` fills the latest one."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        outputs: list[list[str | None]] = list(getattr(namespace, "outputs", None) or [])
        if option_string == "--format":
            outputs.append([str(values), None])
        else:
            if not outputs:
                outputs.append(["text", None])
            if outputs[-1][1] is not None:
                parser.error(
                    "--output given twice for one --format; give --format before each --output"
                )
            outputs[-1][1] = str(values)
        namespace.outputs = outputs


def common_parser() -> argparse.ArgumentParser:
    """The parent parser with the global options of every subcommand."""
    parser = argparse.ArgumentParser(add_help=False, formatter_class=HelpFormatter)
    group = parser.add_argument_group("common options")
    group.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="policy file (default: chainward.toml or [tool.chainward] in pyproject.toml)",
    )
    group.add_argument(
        "--format",
        choices=FORMATS,
        action=_FormatAction,
        dest="outputs",
        metavar="{text,json,sarif,github}",
        help="output format; repeatable, each with its own --output",
    )
    group.add_argument(
        "--output",
        action=_FormatAction,
        dest="outputs",
        metavar="FILE",
        help="write the preceding --format to FILE instead of standard output",
    )
    group.add_argument(
        "--fail-on",
        choices=[s.label for s in Severity],
        default=None,
        help="lowest severity that makes the exit code 1 (default: the policy's fail-on, else low)",
    )
    group.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even with findings (to upload SARIF first)"
    )
    group.add_argument(
        "--offline",
        action="store_true",
        help="never open a network connection; network checks report 'not verified'",
    )
    group.add_argument("-q", "--quiet", action="store_true", help="print findings only, no summary")
    group.add_argument(
        "-v", "--verbose", action="store_true", help="show tracebacks and debug details"
    )
    group.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="colour in text output"
    )
    return parser


@dataclass(frozen=True)
class Loaded:
    """The registry and policy a command works with."""

    registry: Registry
    policy: Policy
    root: Path


def load(args: argparse.Namespace, root: Path) -> Loaded:
    """Load the registry and the policy for ``root`` (``--config`` wins)."""
    registry = load_registry()
    schemas = {name: family.policy for name, family in registry.families.items() if family.policy}
    policy = load_policy(root, schemas, registry.ids(), getattr(args, "config", None))
    return Loaded(registry, policy, root)


def add_scan_paths(parser: argparse.ArgumentParser, text: str) -> None:
    """Add a scanning verb's ``PATH`` arguments, which :func:`scan_paths` reads; ``text``
    is their help (what they may be, and what is scanned without them)."""
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help=text)


def scan_paths(args: argparse.Namespace) -> tuple[Loaded, list[Path]]:
    """A scanning verb's ``PATH`` arguments (``engine.scan_root``: one folder is the
    root, else the current folder is) with the policy loaded for the root: (loaded,
    the paths to scan in ``loaded.root``, none for all of it)."""
    from chainward.cli.commands import folder
    from chainward.engine import scan_root

    root, paths = scan_root(list(args.paths))
    return load(args, folder(root)), paths


def _use_color(args: argparse.Namespace, stream: Any) -> bool:
    if args.color == "always":
        return True
    if args.color == "never" or os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def fail_on(args: argparse.Namespace, policy: Policy) -> Severity:
    """The severity threshold for exit code 1."""
    if args.fail_on:
        return Severity.parse(args.fail_on)
    return policy.fail_on


def emit(
    findings: Sequence[Finding],
    args: argparse.Namespace,
    loaded: Loaded,
    *,
    scanned: int | None = None,
) -> int:
    """Write findings in every requested format and return the exit code (0 or 1)."""
    from chainward.report import Format, ReportInfo, render

    outputs = getattr(args, "outputs", None) or [["text", None]]
    anchor = None
    if loaded.policy.source is not None:
        try:
            anchor = loaded.policy.source.resolve().relative_to(loaded.root.resolve()).as_posix()
        except ValueError:
            anchor = None
    for fmt_name, target in outputs:
        fmt = Format(fmt_name)
        stream = sys.stdout
        info = ReportInfo(
            root=loaded.root,
            registry=loaded.registry,
            version=__version__,
            color=target is None and fmt is Format.TEXT and _use_color(args, stream),
            scanned=scanned,
            anchor=anchor,
        )
        text = render(fmt, findings, info)
        if fmt is Format.TEXT and args.quiet and not findings:
            text = ""
        elif fmt is Format.TEXT and args.quiet:
            text = text.rsplit("\n\n", 1)[0] + "\n"
        if target is None:
            stream.write(text)
            stream.flush()
        else:
            from chainward.core.atomic import write_atomic

            try:
                write_atomic(Path(target), text)
            except OSError as exc:
                raise UsageError(f"cannot write output: {exc.strerror}", where=target) from None
        if fmt is Format.GITHUB and (summary := os.environ.get("GITHUB_STEP_SUMMARY")):
            from chainward.report.github import render_summary

            try:
                with Path(summary).open("a", encoding="utf-8") as handle:
                    handle.write(render_summary(findings, info))
            except OSError as exc:
                raise UsageError(
                    f"cannot append the job summary: {exc.strerror}", where=summary
                ) from None
    threshold = fail_on(args, loaded.policy)
    if args.exit_zero:
        return 0
    return 1 if any(f.severity >= threshold for f in findings) else 0
