"""Shell scripts as manifests: the packages their install commands take."""

from __future__ import annotations

from chainward.inventory.commands import scan_commands
from chainward.inventory.model import ManifestScan
from chainward.inventory.paths import is_script_path


def matches(rel: str) -> bool:
    """Shell scripts whose install commands are inventoried."""
    return is_script_path(rel)


def parse(rel: str, text: str) -> ManifestScan:
    """Installs, options and pipes of a shell script."""
    return scan_commands(rel, text, 1, "script")
