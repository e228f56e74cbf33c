"""conda ``environment.yml``: conda match specs, the ``pip:`` section, channels.

The YAML is composed (never constructed) through :mod:`chainward.core.yamlsafe`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from chainward.core.yamlsafe import (
    YamlError,
    compose_yaml,
    elements,
    get,
    line_of,
    scalar,
    values,
)
from chainward.inventory.commands import conda_dependency
from chainward.inventory.documents import document_parser
from chainward.inventory.model import InstallOption, ManifestScan
from chainward.inventory.paths import is_conda_path
from chainward.inventory.requirements import parse_requirements

if TYPE_CHECKING:
    from chainward.core.yamlsafe import Node


def matches(rel: str) -> bool:
    """``environment.yml`` and friends (``environment-gpu.yml``, ``conda-env.yaml``)."""
    return is_conda_path(rel)


def _load_yaml(rel: str, text: str, out: ManifestScan) -> Node | None:
    """The composed YAML (None when empty), or None with a finding at the error."""
    try:
        return compose_yaml(text)
    except YamlError as exc:
        out.unparsable(rel, f"invalid YAML: {exc.message}", exc.line, exc.column)
        return None


@document_parser(_load_yaml)
def parse(rel: str, _text: str, root: Node, out: ManifestScan) -> None:
    """Inventory a conda environment file."""
    for node in elements(get(root, "channels")):
        if (channel := scalar(node)) is not None:
            out.options.append(InstallOption(rel, line_of(node), "channel", channel))
    for node in elements(get(root, "dependencies")):
        spec = scalar(node)
        if spec is not None:
            dependency = conda_dependency(rel, line_of(node), spec, "conda")
            if dependency is not None and dependency.name != "pip":
                out.dependencies.append(dependency)
            continue
        for value in values(node, "pip"):
            for entry in elements(value):
                pip_line = scalar(entry)
                if pip_line is None:
                    continue
                line = line_of(entry)
                parsed = parse_requirements(rel, pip_line, manifest="conda")
                for dependency in parsed.dependencies:
                    out.dependencies.append(replace(dependency, line=line))
                for option in parsed.options:
                    out.options.append(InstallOption(rel, line, option.option, option.value))
                for problem in parsed.problems:
                    out.problems.append(replace(problem, line=line))
