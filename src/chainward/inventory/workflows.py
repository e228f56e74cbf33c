"""GitHub workflow and composite-action YAML: ``uses:`` references, ``run:`` steps, images.

Shared by the action-pinning check and the dependency checks. The YAML is composed,
never constructed, and nothing in it is run.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from chainward.core.yamlsafe import (
    Node,
    ScalarNode,
    column_of,
    compose_yaml,
    elements,
    get,
    items,
    line_of,
    scalar,
)
from chainward.inventory.paths import is_workflow_path

# The records are named tuples, not frozen dataclasses: they are defined on every run of
# the all-in-one hook, and a named tuple costs a sixth of a slotted dataclass to define
# (issue 19, start-up). They are built, compared and read by attribute only.

__all__ = [
    "ImageRef",
    "RunStep",
    "UsesRef",
    "WorkflowFile",
    "is_workflow_path",
    "parse_workflow",
]


class UsesRef(NamedTuple):
    """One ``uses:`` value: a step's action or a job's reusable workflow."""

    path: str
    line: int
    column: int
    value: str
    kind: str
    """``step`` or ``job``."""


class RunStep(NamedTuple):
    """One ``run:`` script; ``line`` is the line of its first script line."""

    path: str
    line: int
    text: str


class ImageRef(NamedTuple):
    """A container image named by a job's ``container`` or ``services``."""

    path: str
    line: int
    column: int
    image: str


class WorkflowFile(NamedTuple):
    """What a workflow or action file declares."""

    path: str
    uses: tuple[UsesRef, ...]
    runs: tuple[RunStep, ...]
    images: tuple[ImageRef, ...]


def _run_line(node: Node) -> int:
    # A block scalar (`run: |`) starts on the indicator's line; its text on the next.
    if isinstance(node, ScalarNode) and node.style in ("|", ">"):
        return line_of(node) + 1
    return line_of(node)


def _first_visit(node: Node | None, seen: set[int]) -> bool:
    # YAML aliases make one node appear many times; walking it once per appearance
    # turns a small file (N jobs aliasing N steps) into N*N records.
    if node is None or id(node) in seen:
        return False
    seen.add(id(node))
    return True


def _steps(
    path: str, steps: Node | None, uses: list[UsesRef], runs: list[RunStep], seen: set[int]
) -> None:
    if not _first_visit(steps, seen):
        return
    for step in elements(steps):
        if not _first_visit(step, seen):
            continue
        for key, _, value in items(step):
            text = scalar(value)
            if text is None:
                continue
            if key == "uses":
                uses.append(UsesRef(path, line_of(value), column_of(value), text.strip(), "step"))
            elif key == "run":
                runs.append(RunStep(path, _run_line(value), text))


def _image(path: str, node: Node | None, images: list[ImageRef]) -> None:
    text = scalar(node)
    if text is None:
        text_node = get(node, "image")
        text = scalar(text_node)
        node = text_node
    if text is not None and node is not None and text.strip():
        images.append(ImageRef(path, line_of(node), column_of(node), text.strip()))


# A workflow is read by several families of one scan (action pinning, the installs of
# its ``run:`` steps, the model downloads in them): parsed once per process for each
# (path, text), whichever asks first. The result is frozen, so sharing it is safe; the
# cache is large enough that a scan's families, which each walk every workflow in
# turn, never evict one another's entries (an LRU smaller than the workflows of a
# repository would miss on every look-up).
@lru_cache(maxsize=1024)
def parse_workflow(path: str, text: str) -> WorkflowFile:
    """Parse a workflow or ``action.yml``; raises YamlError on invalid YAML."""
    root = compose_yaml(text)
    uses: list[UsesRef] = []
    runs: list[RunStep] = []
    images: list[ImageRef] = []
    seen: set[int] = set()
    for _, _, job in items(get(root, "jobs")):
        if not _first_visit(job, seen):
            continue
        for key, _, value in items(job):
            if key == "uses" and (ref := scalar(value)) is not None:
                uses.append(UsesRef(path, line_of(value), column_of(value), ref.strip(), "job"))
            elif key == "steps":
                _steps(path, value, uses, runs, seen)
            elif key == "container":
                _image(path, value, images)
            elif key == "services" and _first_visit(value, seen):
                for _, _, service in items(value):
                    if _first_visit(service, seen):
                        _image(path, service, images)
    runs_node = get(root, "runs")
    _steps(path, get(runs_node, "steps"), uses, runs, seen)
    if scalar(get(runs_node, "using")) == "docker":
        image = get(runs_node, "image")
        if (ref := scalar(image)) is not None and image is not None:
            images.append(ImageRef(path, line_of(image), column_of(image), ref.strip()))
    return WorkflowFile(path, tuple(uses), tuple(runs), tuple(images))
