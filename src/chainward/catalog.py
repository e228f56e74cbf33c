"""Every family of checks, gathered from the domains' light ``meta`` modules.

To add a family, add its meta module here; the module must import only the
standard library and ``chainward.core``.
"""

from __future__ import annotations

import importlib
from functools import lru_cache

from chainward.core.registry import Family, Registry

FAMILY_MODULES: tuple[str, ...] = (
    "chainward.core.meta",
    "chainward.actions.meta",
    "chainward.commits.meta",
    "chainward.provenance.meta",
    "chainward.provenance.release_meta",
    "chainward.models.meta",
    "chainward.dependencies.meta",
    "chainward.dependencies.audit_meta",
    "chainward.dependencies.trust_meta",
    "chainward.typosquats.meta",
)


@lru_cache(maxsize=1)
def load_registry() -> Registry:
    """The registry of every family and check."""
    families: list[Family] = []
    for name in FAMILY_MODULES:
        module = importlib.import_module(name)
        families.append(module.FAMILY)
    return Registry(families)
