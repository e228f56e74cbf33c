"""Checks and policy keys of the actions family (standard library only)."""

from __future__ import annotations

from chainward.core.findings import CheckId, Severity
from chainward.core.registry import CheckInfo, Family
from chainward.core.schema import KeySpec

UNPINNED_ACTION = CheckId("unpinned-action")

FAMILY = Family(
    name="actions",
    summary="GitHub Actions pinned by commit SHA",
    checks=(
        CheckInfo(
            UNPINNED_ACTION,
            "A workflow or action uses another action or reusable workflow by a movable ref "
            "instead of a full commit SHA.",
            Severity.HIGH,
            family="actions",
            stages=("pre-commit", "ci"),
        ),
    ),
    scanner="chainward.actions.scan:scan",
    policy={
        "allow": KeySpec(
            "list[str]",
            [],
            "Actions (`owner/repo` or `owner/repo/path`, globs allowed) that may use a tag "
            "or branch, e.g. your own organisation's actions.",
        ),
    },
)
