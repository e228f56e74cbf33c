"""``chainward deps`` (dependency checks and index verification) and ``chainward pin``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainward.cli.commands import add_switches
from chainward.cli.common import add_scan_paths, emit, scan_paths
from chainward.core.atomic import write_atomic
from chainward.core.context import ScanContext
from chainward.core.errors import InputError, UsageError
from chainward.core.findings import Finding

if TYPE_CHECKING:
    from chainward.cli.commands import Commands
    from chainward.cli.common import Loaded
    from chainward.core.registry import Scanner
    from chainward.inventory import Inventory
    from chainward.inventory.model import Dependency

_IMAGE_CHECKS = frozenset({"unpinned-base-image", "untrusted-base-image"})


def register(commands: Commands) -> None:
    """Add the ``deps`` and ``pin`` subcommands."""
    deps = commands.add("deps", cmd_deps)
    add_scan_paths(deps, "files or folders (default: .)")
    add_switches(
        deps,
        (
            (
                "--verify",
                "check pinned hashes against PyPI, and the publisher lock and release "
                "cooldown of [release-trust] (network)",
            ),
            ("--audit", "report known vulnerabilities of pins (network)"),
        ),
    )
    deps.add_argument(
        "--only",
        choices=("pins", "images", "index"),
        help="run one group of checks: pins (offline manifest checks), images (base "
        "images), index (--verify and --audit only)",
    )
    add_switches(
        deps,
        (
            ("--list", "print the inventory instead of checking it"),
            (
                "--lock-publishers",
                "record each pinned AI dependency's PEP 740 publisher (repository, "
                "workflow, environment) in pylock.toml or the publisher lock (network)",
            ),
        ),
    )

    pin = commands.add("pin", cmd_pin)
    add_scan_paths(pin, "requirements files or folders (default: every requirements file under .)")
    add_switches(
        pin,
        (
            ("--write", "rewrite the files (atomically)"),
            (
                "--publishers",
                "also record the PEP 740 publisher of each pin in the publisher lock (network)",
            ),
        ),
    )
    pin.add_argument(
        "--find-links",
        type=Path,
        metavar="DIR",
        help="resolve transitive dependencies from this folder of wheels only (no index; "
        "works with --offline)",
    )
    pin.add_argument(
        "--models",
        action="store_true",
        help='pin hub downloads in Python code instead: write revision="<40-hex>" into '
        "the calls and the matching entries into chainward.lock (asks the hub)",
    )


def _context(args: argparse.Namespace) -> tuple[ScanContext, Loaded]:
    from chainward.engine import scan_context

    loaded, paths = scan_paths(args)
    return scan_context(loaded.root, paths, loaded.policy, args.offline), loaded


def cmd_deps(args: argparse.Namespace) -> int:
    """Run the dependency checks (and, when asked, the index checks) and report."""
    from chainward.engine import run_scanners
    from chainward.inventory import collect_inventory

    ctx, loaded = _context(args)
    if args.list:
        _print_inventory(collect_inventory(ctx), args)
        return 0
    if args.lock_publishers:
        inventory = collect_inventory(ctx)
        return _lock_publishers(
            ctx, inventory, args, [(d, d.version or "") for d in _pins_of(inventory)]
        )
    findings = run_scanners(ctx, _deps_scanners(args, loaded))
    return emit(findings, args, loaded, scanned=len(ctx.files))


def _deps_scanners(args: argparse.Namespace, loaded: Loaded) -> list[Scanner]:
    """The scanners ``deps`` runs: the offline checks (or the ``--only`` group of them),
    and with ``--verify``/``--audit`` the index checks and the release-trust family."""
    from chainward.dependencies.scan import scan, scan_index

    scanners: list[Scanner] = []
    if args.only != "index":
        only = args.only

        def offline_checks(ctx: ScanContext) -> Iterator[Finding]:
            for finding in scan(ctx):
                is_image = finding.check_id in _IMAGE_CHECKS
                if not (only == "images" and not is_image) and not (only == "pins" and is_image):
                    yield finding

        scanners.append(offline_checks)
    verify = args.verify or args.only == "index"
    audit = args.audit or args.only == "index"
    if verify or audit:
        if args.offline and not args.quiet:
            sys.stderr.write("chainward: --offline: index verification and audit skipped\n")
        scanners.append(partial(scan_index, hashes=verify, vulnerabilities=audit))
    if verify:
        trust = loaded.registry.families["release-trust"].load_scanner()
        if trust is not None:
            scanners.append(trust)
    return scanners


def _print_inventory(inventory: Inventory, args: argparse.Namespace) -> None:
    from dataclasses import asdict

    outputs = getattr(args, "outputs", None) or [["text", None]]
    if outputs[0][0] == "json":
        document = {
            "version": 1,
            "dependencies": [asdict(d) for d in inventory.dependencies],
            "images": [asdict(i) for i in inventory.images],
            "options": [asdict(o) for o in inventory.options],
        }
        sys.stdout.write(json.dumps(document, indent=2, sort_keys=True) + "\n")
        return
    for dep in inventory.dependencies:
        what = f"{dep.raw_name}{dep.specifier}" if dep.source == "index" else (dep.url or "")
        flags = [dep.manifest, dep.source]
        if dep.hashes:
            flags.append(f"{len(dep.hashes)} hashes")
        if dep.locked:
            flags.append("locked")
        print(f"{dep.path}:{dep.line}: {what}  [{', '.join(flags)}]")
    for image in inventory.images:
        print(f"{image.path}:{image.line}: image {image.image}")


def cmd_pin(args: argparse.Namespace) -> int:
    """Print (or write) exact pins with hashes for AI requirements."""
    from chainward.dependencies.index import PyPIClient
    from chainward.dependencies.pin import Pinner, pin_requirements
    from chainward.dependencies.pin_closure import ResolveError, pip_resolver
    from chainward.dependencies.pin_intent import render_table
    from chainward.inventory import collect_inventory
    from chainward.inventory.requirements import is_requirements_path

    if getattr(args, "models", False):
        return cmd_pin_models(args)
    ctx, _ = _context(args)
    if ctx.explicit:
        targets = list(ctx.files)
        for rel in targets:
            if not is_requirements_path(rel) and not rel.endswith((".txt", ".in")):
                raise InputError(
                    "only requirements files can be pinned",
                    where=rel,
                    hint="for pyproject.toml, setup.cfg and Pipfile commit a lock file "
                    "(uv lock, poetry lock, pipenv lock)",
                )
    else:
        targets = [rel for rel in ctx.files if is_requirements_path(rel)]
    policy = dict(ctx.policy.domain("dependencies"))
    # Lock files anywhere in the repository give versions (and hashes) first.
    inventory = collect_inventory(ctx)
    client = PyPIClient.from_policy(policy, offline=args.offline)
    pinner = Pinner(client, inventory.dependencies, cooldown=_cooldown(ctx, args))
    resolver = pip_resolver(offline=args.offline, find_links=args.find_links)
    failed = False
    results = []
    pins: list[tuple[Dependency, str]] = []
    for rel in targets:
        text = ctx.read_text(rel)
        if text is None:
            continue
        try:
            result = pin_requirements(rel, text, pinner, policy, resolver, offline=args.offline)
        except ResolveError as exc:
            exc.where = exc.where or rel
            raise
        results.append(result)
    # Nothing is written unless every file resolved: a half-pinned set is worse than none.
    changes = [change for result in results for change in result.changes]
    if changes and not args.quiet:
        sys.stderr.write("changes:\n" + render_table(changes))
        crossed = [c for c in changes if c.note.startswith("crosses")]
        if crossed:
            sys.stderr.write(
                f"! {len(crossed)} pin(s) leave the major version of their range: review "
                "them before committing\n"
            )
    for result in results:
        rel = result.path
        by_line = {d.line: d for d in inventory.dependencies if d.path == rel}
        for line, name, choice in result.pinned:
            if line in by_line:
                pins.append((replace(by_line[line], hashes=choice.hashes), choice.version))
            if choice.skipped:
                sys.stderr.write(
                    f"{rel}:{line}: {name}: skipped {', '.join(choice.skipped)}: uploaded "
                    "within min-release-age ([tool.chainward.release-trust])\n"
                )
        for line, name, why in result.notes:
            sys.stderr.write(f"{rel}:{line}: {name}: {why}\n")
        for line, name, why in result.skipped:
            failed = True
            label = f"{name}: " if name else ""
            sys.stderr.write(f"{rel}:{line}: not pinned: {label}{why}\n")
        if result.withheld:
            sys.stderr.write(f"{rel}: {result.withheld}\n")
        if not result.changed:
            continue
        if args.write:
            try:
                write_atomic(ctx.root / rel, result.new)
            except OSError as exc:
                raise UsageError(f"cannot write: {exc.strerror}", where=rel) from None
            if not args.quiet:
                print(f"pinned {rel}")
        else:
            sys.stdout.write(result.diff())
    for note in ctx.notes:
        sys.stderr.write(f"{note.path}: {note.message}\n")
    if args.publishers:
        pins += [(d, d.version or "") for d in _pins_of(inventory) if d.path in targets]
        if args.write:
            code = _lock_publishers(ctx, inventory, args, pins)
            failed = failed or code != 0
        elif not args.quiet:
            sys.stderr.write("chainward: --publishers records the publishers with --write\n")
    return 1 if failed else 0


def _pins_of(inventory: Inventory) -> list[Dependency]:
    """Pinned PyPI dependencies of the inventory (what the publisher lock covers)."""
    from chainward.dependencies.verify import pinned

    return pinned(inventory.dependencies)


def _cooldown(ctx: ScanContext, args: argparse.Namespace) -> Callable[[str], dict[str, Any]] | None:
    """Young releases by name for ``pin`` (None when no cooldown is configured)."""
    from chainward.dependencies.cooldown import CooldownPolicy, release_times, young_releases
    from chainward.dependencies.release_trust_edge import now_utc
    from chainward.dependencies.simple import SimpleClient

    cooldown = CooldownPolicy.from_policy(ctx.policy.domain("release-trust"))
    if not cooldown.active:
        return None
    client = SimpleClient.from_policy(ctx.policy.domain("dependencies"), offline=args.offline)
    now = now_utc()

    def young(name: str) -> dict[str, Any]:
        if not cooldown.applies_to(name):
            return {}
        project = client.project(name)  # NetworkError: the requirement is not pinned
        times = release_times((f.version, f.upload_time, f.yanked) for f in project.files)
        return dict(young_releases(times, cooldown, now))

    return young


def _lock_publishers(
    ctx: ScanContext,
    inventory: Inventory,
    args: argparse.Namespace,
    pins: list[tuple[Dependency, str]],
) -> int:
    """Record verified publisher identities; exit 1 if some could not be recorded."""
    from chainward.dependencies.release_trust import (
        in_publisher_scope,
        read_locks,
        record_publishers,
    )
    from chainward.dependencies.release_trust_edge import attestation_verifier
    from chainward.dependencies.simple import SimpleClient
    from chainward.dependencies.trust_meta import DEFAULT_PUBLISHER_LOCK

    if args.offline:
        raise UsageError(
            "recording publishers needs the network (PyPI's simple and integrity APIs)",
            hint="run without --offline",
        )
    trust = ctx.policy.domain("release-trust")
    deps = ctx.policy.domain("dependencies")

    def read(rel: str) -> str | None:
        return ctx.read_text(rel) if (ctx.root / rel).is_file() else None

    locks, problems = read_locks(
        read, inventory, str(trust.get("publisher-lock", DEFAULT_PUBLISHER_LOCK))
    )
    if problems:
        raise InputError(problems[0].message, where=problems[0].path)
    client = SimpleClient.from_policy(deps)
    scoped = [(d, v) for d, v in pins if in_publisher_scope(d.name, trust, deps)]
    update = record_publishers(scoped, locks, read, client=client, verifier=attestation_verifier())
    for rel, new in sorted(update.files.items()):
        try:
            write_atomic(ctx.root / rel, new)
        except OSError as exc:
            raise UsageError(f"cannot write: {exc.strerror}", where=rel) from None
    for where, pin, shown in update.recorded:
        if not args.quiet:
            sys.stderr.write(f"{where}: {pin}: {shown}\n")
    for pin, why in update.skipped:
        sys.stderr.write(f"not recorded: {pin}: {why}\n")
    if not scoped and not args.quiet:
        sys.stderr.write("chainward: no pinned dependency in publisher-scope\n")
    return 1 if update.skipped else 0


def cmd_pin_models(args: argparse.Namespace) -> int:
    """Pin unpinned hub downloads in Python files and record them in chainward.lock."""
    from chainward.inventory.model_lock import LockError, ModelLock, parse_lock
    from chainward.inventory.model_refs.python import scan_source
    from chainward.models.hubapi import HubClient
    from chainward.models.pin_downloads import lock_entries, pin_source, updated_lock

    ctx, _ = _context(args)
    settings = ctx.policy.domain("models")
    lock_rel = str(settings.get("lock", "chainward.lock"))
    lock_text = ctx.read_text(lock_rel) if (ctx.root / lock_rel).is_file() else None
    try:
        lock = parse_lock(lock_text, lock_rel) if lock_text is not None else ModelLock()
    except LockError as exc:
        raise InputError(exc.message, where=lock_rel, hint="fix the lock first") from None
    locked = {k: m.revision for k, m in lock.by_hf_id().items() if m.revision}
    client = HubClient(offline=args.offline)
    pins = []
    kinds: dict[str, str] = {}
    failed = False
    for rel in ctx.files:
        if not rel.endswith(".py"):
            continue
        text = ctx.read_text(rel)
        if text is None:
            continue
        try:
            calls = scan_source(rel, text)
        except (SyntaxError, RecursionError, ValueError):
            continue
        kinds.update({c.repo_id: c.kind for c in calls if c.repo_id})
        result = pin_source(rel, text, calls, client.commit, locked)
        for line, repo_id, sha in result.pinned:
            if not args.quiet:
                sys.stderr.write(f"{rel}:{line}: {repo_id} pinned at {sha}\n")
        for line, why in result.skipped:
            failed = True
            sys.stderr.write(f"{rel}:{line}: not pinned: {why}\n")
        if result.new != result.old:
            pins.append(result)
    new_lock, new_text = updated_lock(lock, lock_entries(pins, kinds))
    changes = [(p.path, p.old, p.new) for p in pins]
    if new_lock != lock:
        changes.append((lock_rel, lock_text or "", new_text))
    for rel, old, new in changes:
        if args.write:
            try:
                write_atomic(ctx.root / rel, new)
            except OSError as exc:
                raise UsageError(f"cannot write: {exc.strerror}", where=rel) from None
            if not args.quiet:
                print(f"pinned {rel}")
        else:
            import difflib

            sys.stdout.write(
                "".join(
                    difflib.unified_diff(
                        old.splitlines(keepends=True),
                        new.splitlines(keepends=True),
                        f"a/{rel}",
                        f"b/{rel}",
                    )
                )
            )
    return 1 if failed else 0
