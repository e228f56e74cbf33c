"""The dependency inventory: one typed record per declared dependency, image and
installer option, from every manifest kind. Other families (typosquats, provenance)
read dependencies through this module only.

The names are loaded on first use (PEP 562), so that importing one parser, such as
``workflows`` for the action-pinning hook, does not import every other parser.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chainward.dependencies.inventory.collect import collect_inventory
    from chainward.dependencies.inventory.model import (
        BaseImage,
        Dependency,
        InstallOption,
        Inventory,
        PipeToShell,
    )

__all__ = [
    "BaseImage",
    "Dependency",
    "InstallOption",
    "Inventory",
    "PipeToShell",
    "collect_inventory",
]

_HOMES = {
    "collect_inventory": "chainward.dependencies.inventory.collect",
    "BaseImage": "chainward.dependencies.inventory.model",
    "Dependency": "chainward.dependencies.inventory.model",
    "InstallOption": "chainward.dependencies.inventory.model",
    "Inventory": "chainward.dependencies.inventory.model",
    "PipeToShell": "chainward.dependencies.inventory.model",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
