"""Scanner of the actions family: parse workflow files, run the pinning check."""

from __future__ import annotations

from collections.abc import Iterator

from chainward.actions.meta import ActionsSettings
from chainward.actions.pinning import find_unpinned_actions
from chainward.core.context import ScanContext
from chainward.core.findings import Finding
from chainward.core.yamlsafe import YamlError
from chainward.inventory.workflows import is_workflow_path, parse_workflow


def scan(ctx: ScanContext) -> Iterator[Finding]:
    """Yield findings for every workflow and action file among ``ctx.files``."""
    allow = ctx.policy.settings_of("actions", ActionsSettings).allow
    for rel in ctx.files:
        if not is_workflow_path(rel):
            continue
        text = ctx.read_text(rel)
        if text is None:
            continue
        try:
            workflow = parse_workflow(rel, text)
        except YamlError as exc:
            yield ctx.unparsable(rel, exc.message, exc.line, exc.column)
            continue
        yield from find_unpinned_actions(workflow.uses, allow)
