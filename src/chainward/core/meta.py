"""Checks that belong to the core itself: unreadable files and bad suppressions."""

from __future__ import annotations

from chainward.core.context import FILE_TOO_LARGE, UNPARSABLE_FILE
from chainward.core.findings import Severity
from chainward.core.registry import CheckInfo, Family
from chainward.core.suppress import INVALID_SUPPRESSION

FAMILY = Family(
    name="core",
    summary="Files chainward could not read or parse, and invalid suppressions",
    checks=(
        CheckInfo(
            FILE_TOO_LARGE,
            "A file was not scanned because it is larger than the configured limit.",
            Severity.LOW,
            family="core",
            stages=("pre-commit", "ci"),
        ),
        CheckInfo(
            UNPARSABLE_FILE,
            "A manifest, workflow or lock file could not be parsed, so it was not checked.",
            Severity.MEDIUM,
            family="core",
            stages=("pre-commit", "ci"),
        ),
        CheckInfo(
            INVALID_SUPPRESSION,
            "An inline `# chainward: ignore[...]` comment has no reason, so it is not honoured.",
            Severity.LOW,
            family="core",
            stages=("pre-commit", "ci"),
        ),
    ),
)
