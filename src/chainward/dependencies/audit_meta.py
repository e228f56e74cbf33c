"""The network family (hash verification and vulnerability audit), for the catalog."""

from __future__ import annotations

from chainward.dependencies.meta import AUDIT_FAMILY as FAMILY

__all__ = ["FAMILY"]
