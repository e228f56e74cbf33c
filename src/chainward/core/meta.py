"""Checks that belong to the core itself: unreadable files and bad suppressions.

Declared here, below ``context`` and ``suppress``, which build their findings from these
infos (``info.finding(...)``).
"""

from __future__ import annotations

from chainward.core.findings import CheckId, Severity
from chainward.core.registry import Family, check_maker

FILE_TOO_LARGE = CheckId("file-too-large")
UNPARSABLE_FILE = CheckId("unparsable-file")
INVALID_SUPPRESSION = CheckId("invalid-suppression")

_check = check_maker("core")

FILE_TOO_LARGE_INFO = _check(
    FILE_TOO_LARGE,
    "A file was not scanned because it is larger than the configured limit.",
    Severity.LOW,
)
UNPARSABLE_FILE_INFO = _check(
    UNPARSABLE_FILE,
    "A manifest, workflow or lock file could not be parsed, so it was not checked.",
    Severity.MEDIUM,
)
INVALID_SUPPRESSION_INFO = _check(
    INVALID_SUPPRESSION,
    "An inline `# chainward: ignore[...]` comment has no reason, so it is not honoured.",
    Severity.LOW,
)

FAMILY = Family(
    name="core",
    summary="Files chainward could not read or parse, and invalid suppressions",
    checks=(FILE_TOO_LARGE_INFO, UNPARSABLE_FILE_INFO, INVALID_SUPPRESSION_INFO),
)
