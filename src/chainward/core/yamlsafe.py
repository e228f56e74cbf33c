"""Safe YAML: compose to a node tree with line marks; never construct objects.

Scanned YAML is data. We compose with PyYAML's SafeLoader (no tags that build
objects), keep nodes with their positions, and walk them with depth bounds, so
alias "billion laughs" graphs cost nothing (aliases share nodes) and deep
nesting becomes a parse error instead of a crash.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = [
    "MappingNode",
    "Node",
    "ScalarNode",
    "SequenceNode",
    "YamlError",
    "compose_yaml",
    "get",
    "items",
    "line_of",
    "scalar",
]

_NODE_CLASSES = ("MappingNode", "Node", "ScalarNode", "SequenceNode")


def _yaml() -> ModuleType:
    """PyYAML, imported on first use: a commit that stages no YAML file never pays for it."""
    import yaml

    return yaml


def __getattr__(name: str) -> Any:
    # The node classes re-exported above, resolved (and PyYAML imported) when first asked.
    if name in _NODE_CLASSES:
        return getattr(_yaml().nodes, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True, slots=True)
class YamlError(Exception):
    """The YAML text cannot be parsed; line and column are 1-based when known."""

    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        return self.message


def _reject_cycles(root: Node) -> None:
    """Raise YamlError if an alias points into its own anchor (``&a [*a]``).

    libyaml composes such a document into a cyclic graph, which would send any
    recursive walker into endless recursion. Shared (non-cyclic) aliases are fine
    and are visited once, so this is linear in the number of distinct nodes.
    """
    nodes = _yaml().nodes
    done: set[int] = set()
    on_path: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        key = id(node)
        if leaving:
            on_path.discard(key)
            done.add(key)
            continue
        if key in done:
            continue
        if key in on_path:
            raise YamlError(
                "an alias refers to its own anchor (a recursive structure)",
                line_of(node),
                column_of(node),
            )
        on_path.add(key)
        stack.append((node, True))
        children: list[Node] = []
        if isinstance(node, nodes.SequenceNode):
            children = list(node.value)
        elif isinstance(node, nodes.MappingNode):
            for pair_key, pair_value in node.value:
                children += (pair_key, pair_value)
        for child in reversed(children):
            if id(child) in on_path:
                raise YamlError(
                    "an alias refers to its own anchor (a recursive structure)",
                    line_of(node),
                    column_of(node),
                )
            if id(child) not in done:
                stack.append((child, False))


def compose_yaml(text: str) -> Node | None:
    """Compose the first YAML document of ``text`` into a node tree (None if empty).

    Recursive aliases are refused (a YamlError), so the tree is acyclic.
    """
    yaml = _yaml()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        root: Node | None = yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if mark is not None:
            raise YamlError(problem, mark.line + 1, mark.column + 1) from None
        raise YamlError(problem) from None
    except yaml.reader.ReaderError as exc:
        # Unreadable characters (NUL, other controls): the error has an offset, not a mark.
        position = max(0, min(int(exc.position), len(text)))
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        char = exc.character
        code = char if isinstance(char, int) else ord(char[:1] or "\0")
        message = f"unacceptable character #x{code:04x}: {exc.reason}"
        raise YamlError(message, line, column) from None
    except yaml.YAMLError as exc:
        raise YamlError(str(exc).splitlines()[0] if str(exc) else "invalid YAML") from None
    except RecursionError:
        raise YamlError("nesting is too deep") from None
    if root is not None:
        _reject_cycles(root)
    return root


def line_of(node: Node) -> int:
    """The 1-based line where ``node`` starts."""
    return int(node.start_mark.line) + 1


def column_of(node: Node) -> int:
    """The 1-based column where ``node`` starts."""
    return int(node.start_mark.column) + 1


def scalar(node: Node | None) -> str | None:
    """The text of a scalar node, or None for any other node."""
    if node is not None and isinstance(node, _yaml().nodes.ScalarNode):
        return str(node.value)
    return None


def items(node: Node | None) -> Iterator[tuple[str, Node, Node]]:
    """(key text, key node, value node) of a mapping; duplicate keys all appear."""
    if node is None or not isinstance(node, _yaml().nodes.MappingNode):
        return
    for key, value in node.value:
        text = scalar(key)
        if text is not None:
            yield text, key, value


def values(node: Node | None, key: str) -> Iterator[Node]:
    """Every value of ``key`` in a mapping node, duplicate keys included, in order."""
    for text, _, value in items(node):
        if text == key:
            yield value


def get(node: Node | None, key: str) -> Node | None:
    """The value of the last ``key`` in a mapping node (YAML loaders keep the last)."""
    found = list(values(node, key))
    return found[-1] if found else None


def elements(node: Node | None) -> list[Node]:
    """The elements of a sequence node (empty for any other node)."""
    if node is not None and isinstance(node, _yaml().nodes.SequenceNode):
        return list(node.value)
    return []
