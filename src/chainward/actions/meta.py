"""Checks and policy keys of the actions family (standard library and core only)."""

from __future__ import annotations

from dataclasses import dataclass

from chainward.core.findings import CheckId, Severity
from chainward.core.registry import Family, check_maker
from chainward.core.schema import KeySpec, policy_keys, setting

UNPINNED_ACTION = CheckId("unpinned-action")

UNPINNED_ACTION_INFO = check_maker("actions")(
    UNPINNED_ACTION,
    "A workflow or action uses another action or reusable workflow by a movable ref "
    "instead of a full commit SHA.",
    Severity.HIGH,
)


@dataclass(frozen=True, slots=True)
class ActionsSettings:
    """``[tool.chainward.actions]``, typed."""

    allow: tuple[str, ...] = setting(
        KeySpec(
            "list[str]",
            [],
            "Actions (`owner/repo` or `owner/repo/path`, globs allowed) that may use a tag "
            "or branch, e.g. your own organisation's actions.",
        )
    )


FAMILY = Family(
    name="actions",
    summary="GitHub Actions pinned by commit SHA",
    checks=(UNPINNED_ACTION_INFO,),
    scanner="chainward.actions.scan:scan",
    policy=policy_keys(ActionsSettings),
)
