"""The dependency inventory: one typed record per declared dependency, image and
installer option, from every manifest kind. Other families (typosquats, provenance)
read dependencies through this module only.

Each manifest kind has its own module with ``matches(rel)`` and ``parse(rel, text) ->
ManifestScan``; ``collect`` runs them from its table ``PARSERS`` and follows
requirements files' includes. No parser imports the collector.

The names are loaded on first use (PEP 562), so that importing one parser, such as
``workflows`` for the action-pinning hook, does not import every other parser.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chainward.inventory.collect import collect_inventory
    from chainward.inventory.model import (
        BaseImage,
        Dependency,
        InstallOption,
        Inventory,
        ManifestScan,
        PipeToShell,
    )

__all__ = [
    "BaseImage",
    "Dependency",
    "InstallOption",
    "Inventory",
    "ManifestScan",
    "PipeToShell",
    "collect_inventory",
]

_HOMES = {
    "collect_inventory": "chainward.inventory.collect",
    "BaseImage": "chainward.inventory.model",
    "Dependency": "chainward.inventory.model",
    "InstallOption": "chainward.inventory.model",
    "Inventory": "chainward.inventory.model",
    "ManifestScan": "chainward.inventory.model",
    "PipeToShell": "chainward.inventory.model",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
