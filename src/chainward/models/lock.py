"""Building the model lock: new locked models merged into an existing lock.

The lock's file format (records, parsing, the deterministic writer) is
:mod:`chainward.inventory.model_lock`, shared with the domains that read the lock.
"""

from __future__ import annotations

from collections.abc import Iterable

from chainward.inventory.model_lock import LockedModel, ModelLock


def merge_models(lock: ModelLock, models: Iterable[LockedModel]) -> ModelLock:
    """A lock with ``models`` added, replacing any existing model of the same name."""
    by_name = {m.name: m for m in lock.models}
    for model in models:
        by_name[model.name] = model
    return ModelLock(tuple(sorted(by_name.values(), key=lambda m: m.name)))
