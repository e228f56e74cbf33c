"""``chainward check``, ``explain`` and ``init``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from chainward.catalog import load_registry
from chainward.cli.common import add_scan_paths, emit, load, scan_paths
from chainward.core.errors import UsageError
from chainward.core.schema import suggest

if TYPE_CHECKING:
    from chainward.cli.commands import Commands
    from chainward.core.schema import KeySpec


def register(commands: Commands) -> None:
    """Add the check, explain and init subcommands."""
    check = commands.add("check", cmd_check)
    add_scan_paths(check, "files or folders (default: the current folder)")
    check.add_argument(
        "--select",
        action="append",
        default=[],
        metavar="CHECK_ID",
        help="run only these checks (repeatable or comma-separated)",
    )

    explain = commands.add("explain", cmd_explain)
    explain.add_argument("check_id", nargs="?", metavar="CHECK_ID")
    explain.add_argument("--list", action="store_true", help="list every check id with its summary")

    init = commands.add("init", cmd_init)
    init.add_argument(
        "--path",
        type=Path,
        default=Path("chainward.toml"),
        help="where to write it (default: chainward.toml)",
    )
    init.add_argument("--force", action="store_true", help="overwrite an existing file")


def cmd_check(args: argparse.Namespace) -> int:
    """Run the selected (or all default) families and report."""
    loaded, paths = scan_paths(args)
    registry = loaded.registry
    selected = {s.strip() for item in args.select for s in item.split(",") if s.strip()}
    for check_id in selected:
        if check_id not in registry.checks:
            hint = suggest(check_id, registry.ids())
            raise UsageError(
                f"unknown check id {check_id!r}", hint=hint or "see `chainward explain --list`"
            )
    families = [
        f
        for f in registry.families.values()
        if (f.in_check and not selected) or any(c.id in selected for c in f.checks)
    ]
    from chainward.engine import run_scan, scan_context

    ctx = scan_context(loaded.root, paths, loaded.policy, args.offline)
    findings = run_scan(ctx, families)
    if selected:
        core = {c.id for c in registry.families["core"].checks}
        findings = [f for f in findings if f.check_id in selected or f.check_id in core]
    return emit(findings, args, loaded, scanned=len(ctx.files))


def check_doc(check_id: str) -> str:
    """The Markdown documentation page of a check, shipped inside the package."""
    from importlib import resources

    page = (
        resources.files("chainward").joinpath("docs").joinpath("checks").joinpath(f"{check_id}.md")
    )
    return page.read_text("utf-8")


def cmd_explain(args: argparse.Namespace) -> int:
    """Print a check's documentation, or the list of checks."""
    registry = load_registry()
    if args.list or not args.check_id:
        width = max(len(c) for c in registry.ids())
        for info in sorted(registry, key=lambda c: c.id):
            network = " (network)" if info.needs_network else ""
            print(f"{info.id:<{width}}  {info.default_severity.label:<8}  {info.summary}{network}")
        return 0
    check = registry.get(args.check_id)
    if check is None:
        hint = suggest(args.check_id, registry.ids())
        raise UsageError(
            f"unknown check id {args.check_id!r}", hint=hint or "see `chainward explain --list`"
        )
    sys.stdout.write(check_doc(check.id))
    return 0


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{}"
    return str(value)


def _commented_keys(lines: list[str], keys: dict[str, KeySpec]) -> None:
    for key, spec in keys.items():
        lines.append(f"# {spec.doc}")
        if spec.kind == "list[table]":
            lines.append(f"# {key} = [{{ ... }}]")
        elif spec.default is None:
            lines.append(f"# {key} = ...")
        else:
            lines.append(f"# {key} = {_toml_value(spec.default)}")


def starter_policy() -> str:
    """A commented chainward.toml listing every key with its default, all commented out."""
    from chainward.core.policy import TOP_LEVEL

    registry = load_registry()
    lines = [
        "# chainward policy. Every key is shown with its default, commented out.",
        "# Docs: docs/configuration.md; check ids: `chainward explain --list`.",
        "",
    ]
    _commented_keys(lines, dict(TOP_LEVEL))
    for name, family in registry.families.items():
        if not family.policy:
            continue
        lines += ["", f"[{name}]"]
        _commented_keys(lines, dict(family.policy))
    lines += [
        "",
        "# Per check: enabled, severity, exclude (path globs). For example:",
        "# [checks.unpinned-action]",
        '# severity = "medium"',
        '# exclude = ["examples/**"]',
        "",
    ]
    return "\n".join(lines)


def cmd_init(args: argparse.Namespace) -> int:
    """Write the starter policy; never overwrite without --force."""
    target: Path = args.path
    if target.exists() and not args.force:
        raise UsageError(
            "file exists; not overwritten", where=str(target), hint="pass --force to replace it"
        )
    from chainward.cli.init_policy import reference_without, render, summary, survey
    from chainward.core.atomic import write_atomic

    loaded = load(args, Path())
    found = survey(Path(), loaded.policy.exclude)
    text = render(found, reference_without(starter_policy(), found))
    write_atomic(target, text)
    if not args.quiet:
        print(summary(found, target))
    return 0
