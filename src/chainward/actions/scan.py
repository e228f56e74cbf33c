"""Scanner of the actions family: parse workflow files, run the pinning check."""

from __future__ import annotations

from collections.abc import Iterator

from chainward.actions.meta import ActionsSettings
from chainward.actions.pinning import find_unpinned_actions
from chainward.core.context import ScanContext
from chainward.core.findings import Finding
from chainward.core.yamlsafe import YamlError
from chainward.inventory.workflow_files import read_workflows


def scan(ctx: ScanContext) -> Iterator[Finding]:
    """Yield findings for every workflow and action file among ``ctx.files``."""
    allow = ctx.policy.settings_of("actions", ActionsSettings).allow
    for rel, workflow in read_workflows(ctx, ctx.files):
        if isinstance(workflow, YamlError):
            yield ctx.unparsable(rel, workflow.message, workflow.line, workflow.column)
        else:
            yield from find_unpinned_actions(workflow.uses, allow)
