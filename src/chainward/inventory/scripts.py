"""Shell scripts as manifests: the packages their install commands take."""

from __future__ import annotations

from chainward.inventory.commands import scan_commands
from chainward.inventory.model import ManifestScan


def matches(rel: str) -> bool:
    """Shell scripts whose install commands are inventoried."""
    return rel.endswith((".sh", ".bash"))


def parse(rel: str, text: str) -> ManifestScan:
    """Installs, options and pipes of a shell script."""
    return scan_commands(rel, text, 1, "script")
