"""GitHub workflows as manifests: installs and pipes in ``run:`` steps, job images.

The ``uses:`` side of the same files lives in :mod:`workflows` (shared with the
action-pinning check, which does not need the command scanner).
"""

from __future__ import annotations

from chainward.core.yamlsafe import YamlError
from chainward.inventory.commands import scan_commands
from chainward.inventory.model import BaseImage, ManifestScan
from chainward.inventory.workflows import is_workflow_path, parse_workflow


def matches(rel: str) -> bool:
    """Workflow and composite-action files (see :func:`workflows.is_workflow_path`)."""
    return is_workflow_path(rel)


def parse(rel: str, text: str) -> ManifestScan:
    """Inventory a workflow: ``run:`` installs and pipes, container and service images."""
    out = ManifestScan()
    try:
        workflow = parse_workflow(rel, text)
    except YamlError as exc:
        out.unparsable(rel, exc.message, exc.line, exc.column)
        return out
    for step in workflow.runs:
        out.extend(scan_commands(rel, step.text, step.line, "workflow", group_prefix="run@"))
    for image in workflow.images:
        _, at, digest = image.image.partition("@")
        if "${{" in image.image:
            continue
        out.images.append(
            BaseImage(rel, image.line, image.column, image.image, digest if at else None)
        )
    return out
