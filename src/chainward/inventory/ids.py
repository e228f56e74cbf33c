"""Check ids of the problems the inventory itself reports while it reads manifests.

Kept apart from ``model`` (core.findings only) so that ``dependencies.meta``, which
declares the check and is read on every start-up, stays cheap to import.
"""

from __future__ import annotations

from chainward.core.findings import CheckId

# The collector follows ``-r``/``-c`` includes and reports the broken ones itself.
BROKEN_REQUIREMENTS_INCLUDE = CheckId("broken-requirements-include")
