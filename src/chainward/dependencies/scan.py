"""Scanners of the dependencies family: collect the inventory, run the checks.

``scan`` is what ``chainward check`` and the offline hooks run; it never opens a
socket. ``scan_index`` (hash and vulnerability verification) runs only when asked
for: ``chainward deps --verify``, the ``audit-dependencies`` hook, or
``chainward check --select unpublished-hash``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields

from chainward.core.context import ScanContext
from chainward.core.findings import Finding
from chainward.inventory import Inventory, collect_inventory


def check_inventory(
    inventory: Inventory, policy: dict[str, object] | None = None
) -> Iterator[Finding]:
    """Every offline check over an inventory (``policy``: the dependencies table)."""
    if not any(getattr(inventory, field.name) for field in fields(inventory)):
        # Every check reads these records and nothing else: with none, there is nothing
        # to find, and the checks are not even imported (a change without manifests).
        return
    from chainward.dependencies.checks.coverage import build_coverage
    from chainward.dependencies.checks.hashmode import find_hash_mode_refusals
    from chainward.dependencies.checks.pinning import (
        find_missing_hashes,
        find_unhashed_urls,
        find_unpinned_ai_dependencies,
        find_unpinned_vcs,
    )
    from chainward.dependencies.checks.sources import (
        find_extra_indexes,
        find_pipes_to_shell,
        find_unpinned_images,
        find_untrusted_images,
    )

    table = policy or {}
    coverage = build_coverage(
        (*inventory.dependencies, *inventory.context_locks),
        inventory.constraints,
        inventory.constraint_links,
    )
    deps = inventory.dependencies
    yield from inventory.problems
    yield from find_unpinned_ai_dependencies(deps, coverage, table, inventory.options)
    yield from find_missing_hashes(deps, coverage, table)
    # A constraints file that pins an AI package is where its hash belongs.
    yield from find_missing_hashes(inventory.constraints, coverage, table)
    yield from find_unpinned_vcs(deps, coverage)
    yield from find_unhashed_urls(deps, coverage)
    yield from find_hash_mode_refusals(deps, inventory.options, inventory.include_edges)
    lock_paths = {d.path for d in deps if d.locked}
    yield from find_extra_indexes(
        deps, inventory.options, table, lock_paths, inventory.include_edges
    )
    yield from find_pipes_to_shell(inventory.pipes)
    yield from find_unpinned_images(inventory.images, table)
    yield from find_untrusted_images(inventory.images, table)


def scan(ctx: ScanContext) -> Iterator[Finding]:
    """The offline dependency checks over ``ctx.files``."""
    inventory = collect_inventory(ctx)
    yield from check_inventory(inventory, dict(ctx.policy.domain("dependencies")))


def scan_index(
    ctx: ScanContext, *, hashes: bool = True, vulnerabilities: bool = True
) -> Iterator[Finding]:
    """Hash verification against PyPI (``hashes``) and the vulnerability audit
    (``vulnerabilities``); network unless ``ctx.offline``."""
    from chainward.dependencies.verify import verify_inventory

    inventory = collect_inventory(ctx)
    yield from verify_inventory(
        inventory,
        ctx.policy.domain("dependencies"),
        offline=ctx.offline,
        hashes=hashes,
        vulnerabilities=vulnerabilities,
    )
