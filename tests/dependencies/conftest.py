"""Helpers for the dependency tests: scan a fixture folder the way `chainward check` does."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from chainward.core.context import ScanContext
from chainward.core.files import list_tree
from chainward.core.findings import Finding
from chainward.core.policy import Policy
from chainward.dependencies.scan import check_inventory
from chainward.inventory import Inventory, collect_inventory
from tests.conftest import DATA

DEPS_DATA = DATA / "dependencies"
MANIFESTS = DEPS_DATA / "manifests"
PYPI_DATA = DEPS_DATA / "pypi"


def context(root: Path, policy: Mapping[str, Any] | None = None) -> ScanContext:
    """A scan context over every file below ``root``."""
    domains = {"dependencies": dict(policy or {})}
    return ScanContext(root=root, files=list_tree(root), policy=Policy(None, {}, domains))


def inventory_of(root: Path, policy: Mapping[str, Any] | None = None) -> Inventory:
    """The inventory of every file below ``root``."""
    return collect_inventory(context(root, policy))


def findings_of(root: Path, policy: Mapping[str, Any] | None = None) -> list[Finding]:
    """The offline dependency findings for every file below ``root``."""
    ctx = context(root, policy)
    return [*check_inventory(collect_inventory(ctx), dict(policy or {})), *ctx.notes]


def triples(findings: list[Finding]) -> set[tuple[str, str | None, int | None]]:
    """(check id, path, line) of each finding."""
    return {(f.check_id, f.path, f.line) for f in findings}
