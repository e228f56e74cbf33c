"""``chainward typosquats`` (names, a names file, or the repository) and ``data refresh``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainward.cli.commands import folder
from chainward.cli.common import emit, load
from chainward.core.atomic import write_atomic
from chainward.core.bounded import read_bounded
from chainward.core.errors import InputError, UsageError

if TYPE_CHECKING:
    from chainward.cli.commands import Commands
    from chainward.core.findings import Finding

MAX_NAMES_FILE = 256 * 1024 * 1024


def register(commands: Commands) -> None:
    """Add the ``typosquats`` and ``data`` subcommands."""
    parser = commands.add("typosquats", cmd_typosquats)
    parser.add_argument("names", nargs="*", metavar="NAME", help="package names to check")
    parser.add_argument(
        "--names-file",
        metavar="FILE",
        help="one name per line ('-' for standard input); a header line 'name', blank lines "
        "and '#' comment lines are skipped, and of tab-separated lines only the first field "
        "is read",
    )
    parser.add_argument(
        "--trusted-top",
        type=int,
        metavar="N",
        help="trust and compare against only the N most-downloaded PyPI projects "
        "(default: the policy's trusted-top, 15000)",
    )
    parser.add_argument(
        "--online",
        action="store_true",
        help="ask PyPI whether names exist, their age and releases (never in hooks)",
    )
    parser.add_argument("--root", type=Path, default=Path(), help="repository to scan (default: .)")

    verbs = commands.group("data", dest="data_command")
    refresh = verbs.add("refresh", cmd_data_refresh)
    refresh.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="FILE|URL",
        help="a file or https URL (hugovk top-pypi-packages JSON, rank<TAB>name, or names)",
    )
    refresh.add_argument(
        "--kind",
        choices=("pypi", "aliases", "hf-orgs", "images"),
        default="pypi",
        help="which list to replace (default: pypi)",
    )
    refresh.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="write a full copy of the data here instead of into the package "
        "(use it with CHAINWARD_TYPOSQUAT_DATA=DIR)",
    )


def read_names_file(source: str) -> list[str]:
    """Names from a file: one per line; header ``name``, blank and ``#`` comment lines skipped.

    No package name starts with ``#``, so a comment line is never a name to judge.
    """
    if source == "-":
        data = sys.stdin.buffer.read(MAX_NAMES_FILE + 1)
        if len(data) > MAX_NAMES_FILE:
            raise InputError(f"larger than {MAX_NAMES_FILE} bytes", where=source)
    else:
        data = read_bounded(source, MAX_NAMES_FILE)
    text = data.decode("utf-8-sig", "replace")  # a byte-order mark is not part of a name
    names: list[str] = []
    for number, raw_line in enumerate(text.split("\n"), start=1):
        line = raw_line.removesuffix("\r")
        if not line or line.lstrip().startswith("#"):
            continue
        first = line.split("\t", 1)[0]
        if number == 1 and first.strip().lower() == "name":
            continue
        names.append(first)
    return names


def _trusted_top(args: argparse.Namespace, settings: Any) -> int:
    top = args.trusted_top if args.trusted_top is not None else settings.get("trusted-top")
    if top is None:
        from chainward.typosquats.meta import DEFAULT_TRUSTED_TOP

        top = DEFAULT_TRUSTED_TOP
    if top < 1:
        raise UsageError("--trusted-top must be at least 1", where=str(top))
    return int(top)


def _result(verdict: Any) -> dict[str, Any]:
    return {
        "name": verdict.name,
        "flagged": verdict.flagged,
        "target": verdict.target,
        "technique": verdict.technique,
        "score": round(float(verdict.score), 3),
        "rank": verdict.target_rank,
        "detail": verdict.detail,
    }


def _text_line(verdict: Any) -> str:
    if not verdict.flagged:
        return f"ok       {verdict.name}"
    if verdict.target:
        rank = f" #{verdict.target_rank}" if verdict.target_rank else ""
        return (
            f"FLAGGED  {verdict.name} -> {verdict.target}{rank} "
            f"[{verdict.technique} {verdict.score:.2f}] {verdict.detail}"
        )
    return f"FLAGGED  {verdict.name!r} [{verdict.technique}] {verdict.detail}"


def _batch(args: argparse.Namespace, names: list[str]) -> int:
    from chainward.typosquats.detect import Detector, check_batch

    loaded = load(args, args.root)
    settings = loaded.policy.domain("typosquats")
    found = Detector(trusted_top=_trusted_top(args, settings), allow=settings.get("allow", []))
    verdicts = check_batch(found, names)
    if args.online:
        verdicts = _online(verdicts, found)
    outputs = getattr(args, "outputs", None) or [["text", None]]
    for fmt, target in outputs:
        if fmt == "json":
            # Plain data made of fresh dicts: no reference cycle to look for.
            text = json.dumps(
                {"version": 1, "results": [_result(v) for v in verdicts]},
                ensure_ascii=False,
                indent=None,
                check_circular=False,
            )
            text += "\n"
        elif fmt == "text":
            lines = [_text_line(v) for v in verdicts if v.flagged or not args.quiet]
            flagged = sum(v.flagged for v in verdicts)
            if not args.quiet:
                lines.append(f"\n{flagged} of {len(verdicts)} names flagged")
            text = "\n".join(lines) + "\n"
        else:
            raise UsageError(
                f"--format {fmt} is for findings; names are reported as text or json",
                hint="use --format json",
            )
        if target is None:
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            try:
                write_atomic(Path(target), text)
            except OSError as exc:
                raise UsageError(f"cannot write output: {exc.strerror}", where=target) from None
    if args.exit_zero:
        return 0
    return 1 if any(v.flagged for v in verdicts) else 0


def _online(verdicts: Iterable[Any], found: Any) -> list[Any]:
    from chainward.typosquats.online import apply_online, project_info

    out = []
    cache: dict[str, Any] = {}
    for verdict in verdicts:
        name = verdict.normalized
        if not name or verdict.technique == "invalid-name" or name in found.trusted:
            out.append(verdict)
            continue
        if name not in cache:
            cache[name] = project_info(name)
        out.append(apply_online(verdict, cache[name]))
    return out


def cmd_typosquats(args: argparse.Namespace) -> int:
    """Check names, a names file, or the repository."""
    if args.online and args.offline:
        raise UsageError("--online and --offline contradict each other")
    names = list(args.names)
    if args.names_file:
        names.extend(read_names_file(args.names_file))
    if names or args.names_file:
        return _batch(args, names)
    return _scan(args)


def _scan(args: argparse.Namespace) -> int:
    from chainward.engine import run_scan, scan_context

    root = folder(args.root)
    loaded = load(args, root)
    family = loaded.registry.families["typosquats"]
    ctx = scan_context(root, [], loaded.policy, offline=not args.online)
    extra: Iterable[Finding] = ()
    if args.online:
        from chainward.typosquats.scan import find_nonexistent

        extra = find_nonexistent(ctx)  # a generator: it runs after the scan
    findings = run_scan(ctx, [family], extra)
    return emit(findings, args, loaded, scanned=len(ctx.files))


def cmd_data_refresh(args: argparse.Namespace) -> int:
    """Replace one reference list and rebuild the index."""
    from chainward.typosquats.refresh import refresh

    done = refresh(args.kind, args.source, target_dir=args.data_dir, offline=args.offline)
    if not args.quiet:
        print(f"wrote {done.count} entries to {done.path} (from {done.source}); index rebuilt")
    return 0
