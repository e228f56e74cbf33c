"""The dependency inventory: one typed record per declared dependency, image and
installer option, from every manifest kind. Other families (typosquats, provenance)
read dependencies through this module only.
"""

from __future__ import annotations

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
