"""The workflow and action files of a scan, each read and parsed once: what every reader
of workflows (action pinning, the AI BOM's GitHub Actions) iterates over.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from chainward.core.yamlsafe import YamlError
from chainward.inventory.workflows import WorkflowFile, is_workflow_path, parse_workflow

if TYPE_CHECKING:
    from chainward.core.context import ScanContext


def read_workflows(
    ctx: ScanContext, files: Iterable[str]
) -> Iterator[tuple[str, WorkflowFile | YamlError]]:
    """``(path, parsed workflow)`` for each workflow file among ``files`` that can be read,
    or ``(path, the YAML error)`` when it does not parse."""
    for rel in files:
        if not is_workflow_path(rel):
            continue
        text = ctx.read_text(rel)
        if text is None:
            continue
        try:
            yield rel, parse_workflow(rel, text)
        except YamlError as exc:
            yield rel, exc
