"""The shape of the house, from the code: the import graph of ``src/chainward``.

Every module is read with ``ast`` (never imported); every import counts, at the top,
inside functions and under ``if TYPE_CHECKING:`` alike (a type-only arrow is still an
arrow a reader follows). The rules (issue 19, docs/architecture.md):

(a) no import cycle (a strongly connected component of more than one module);
(b) no domain package (actions, commits, dependencies, models, typosquats,
    provenance) imports another: what several domains share lives below them, in
    ``chainward.core`` (floor 0) or ``chainward.inventory`` (floor 1);
(c) no ``from x import _private`` across modules: make it public or move it;
(d) no module over 500 lines without a sentence in its docstring, with the word
    "lines", that says why.

(e) the floors import upwards never: ``core`` imports no other part of the package,
    ``inventory`` only ``core``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = "chainward"
DOMAINS = ("actions", "commits", "dependencies", "models", "typosquats", "provenance")
MAX_LINES = 500


@dataclass
class Module:
    """One module of the package as read from its source."""

    name: str
    path: Path
    is_package: bool
    lines: int
    docstring: str
    imports: list[tuple[str, int]] = field(default_factory=list)
    """(imported module, line) for every import, resolved to a module of the package."""
    private: list[tuple[str, str, int]] = field(default_factory=list)
    """(module, private name, line) of every ``from module import _name``."""


def _module_name(path: Path) -> tuple[str, bool]:
    rel = path.relative_to(SRC).with_suffix("")
    parts = list(rel.parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


@cache
def modules() -> dict[str, Module]:
    """Every module of the package, with its imports resolved."""
    found: dict[str, Module] = {}
    trees: dict[str, ast.Module] = {}
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        name, is_package = _module_name(path)
        text = path.read_text("utf-8")
        tree = ast.parse(text, str(path))
        trees[name] = tree
        found[name] = Module(
            name, path, is_package, text.count("\n") + 1, ast.get_docstring(tree) or ""
        )
    for name, tree in trees.items():
        _resolve_imports(found[name], tree, found)
    return found


def _resolve_imports(module: Module, tree: ast.Module, known: dict[str, Module]) -> None:
    package = module.name if module.is_package else module.name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _longest_known(alias.name, known)
                if target:
                    module.imports.append((target, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                if node.level > 1:
                    base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if not base.startswith(PACKAGE):
                continue
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in known:
                    module.imports.append((submodule, node.lineno))
                    continue
                target = _longest_known(base, known)
                if target:
                    module.imports.append((target, node.lineno))
                    is_private = alias.name.startswith("_") and not alias.name.startswith("__")
                    if is_private and target != module.name:
                        module.private.append((target, alias.name, node.lineno))


def _longest_known(dotted: str, known: dict[str, Module]) -> str | None:
    parts = dotted.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in known:
            return candidate
        parts.pop()
    return None


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components (iterative), largest first."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return sorted(components, key=len, reverse=True)


def import_graph() -> dict[str, set[str]]:
    """Module → the modules it imports (self-imports dropped)."""
    return {
        name: {target for target, _ in m.imports if target != name} for name, m in modules().items()
    }


def cycles() -> list[list[str]]:
    """Every import cycle, as the modules of one strongly connected component."""
    return [c for c in strongly_connected(import_graph()) if len(c) > 1]


def domain_of(module: str) -> str | None:
    """The domain package a module belongs to, if any."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in DOMAINS else None


def cross_domain_imports() -> list[str]:
    """``module:line imports other.module`` for every arrow between two domains."""
    out = []
    for name, module in modules().items():
        own = domain_of(name)
        if own is None:
            continue
        for target, line in module.imports:
            other = domain_of(target)
            if other is not None and other != own:
                out.append(f"{name}:{line} imports {target} (domain {other})")
    return sorted(set(out))


def private_imports() -> list[str]:
    """``module:line imports _name from other`` for every private name taken across."""
    return sorted(
        f"{name}:{line} imports {private} from {target}"
        for name, module in modules().items()
        for target, private, line in module.private
    )


_REASON_WORDS = re.compile(r"\b(because|since|why|reason|so that|500)\b", re.IGNORECASE)


def has_size_reason(docstring: str) -> bool:
    """Whether a sentence of the docstring uses the word "lines" to say why it is long."""
    sentences = re.split(r"(?<=[.!?])\s+|\n\s*\n", docstring)
    return any(
        re.search(r"\blines\b", s, re.IGNORECASE) and _REASON_WORDS.search(s) for s in sentences
    )


def oversized_modules() -> list[str]:
    """``module (N lines)`` for every module over the limit without a reason."""
    return sorted(
        f"{name} ({m.lines} lines)"
        for name, m in modules().items()
        if m.lines > MAX_LINES and not has_size_reason(m.docstring)
    )


# -- the graph reader itself ---------------------------------------------------------


def test_the_reader_sees_function_level_and_type_checking_imports() -> None:
    graph = import_graph()
    # cli.common imports the reporters inside ``emit`` only.
    assert "chainward.report" in graph["chainward.cli.common"]
    # core.registry names ScanContext only for type checking (or not at all, rebuilt).
    assert "chainward.core.findings" in graph["chainward.core.registry"]
    assert len(modules()) > 100


def test_tarjan_finds_a_cycle_and_no_false_one() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert [c for c in strongly_connected(graph) if len(c) > 1] == [["a", "b", "c"]]
    assert [c for c in strongly_connected({"a": {"b"}, "b": set()}) if len(c) > 1] == []


def test_size_reason_needs_lines_and_why() -> None:
    assert has_size_reason("Parsers.\n\nIt is over 500 lines because the table is one unit.")
    assert not has_size_reason("Reads requirement lines and yields records.")
    assert not has_size_reason("")


# -- (a) cycles ----------------------------------------------------------------------


def test_no_import_cycle_anywhere() -> None:
    found = cycles()
    assert not found, "import cycles (break them):\n" + "\n".join(map(" -> ".join, found))


# -- (b) domains -----------------------------------------------------------------------


def test_no_domain_imports_another() -> None:
    found = cross_domain_imports()
    assert not found, "move what they share to chainward.core or chainward.inventory:\n" + (
        "\n".join(found)
    )


# -- (c) private names -----------------------------------------------------------------


def test_no_private_name_is_imported_across_modules() -> None:
    found = private_imports()
    assert not found, "make the name public or move it:\n" + "\n".join(found)


# -- (d) size ------------------------------------------------------------------------------


def test_every_module_is_small_or_says_why() -> None:
    found = oversized_modules()
    assert not found, (
        f"over {MAX_LINES} lines: split by responsibility, or say why in a docstring "
        "sentence with the word 'lines':\n" + "\n".join(found)
    )


# -- (e) floors ----------------------------------------------------------------------------


def upward_imports() -> list[str]:
    """``module:line imports target`` for every arrow from a floor to a part above it."""
    # "" is the package itself (its __version__).
    allowed = {"core": {"", "core"}, "inventory": {"", "core", "inventory"}}
    out = []
    for name, module in modules().items():
        parts = name.split(".")
        floor = parts[1] if len(parts) > 1 else ""
        if floor not in allowed:
            continue
        for target, line in module.imports:
            tparts = target.split(".")
            above = tparts[1] if len(tparts) > 1 else ""
            if above not in allowed[floor]:
                out.append(f"{name}:{line} imports {target}")
    return sorted(set(out))


def test_floors_import_nothing_above_them() -> None:
    found = upward_imports()
    assert not found, "a floor imports upwards (move the shared part down):\n" + "\n".join(found)
