"""Gather the inventory of a scan: every manifest kind, includes followed, problems kept."""

from __future__ import annotations

import importlib
import posixpath
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from chainward.core.context import ScanContext
from chainward.core.findings import Finding, Severity
from chainward.inventory.model import (
    Dependency,
    Inventory,
    ManifestScan,
    include_groups,
    location,
)
from chainward.inventory.paths import (
    LOCK_NAMES,
    PARSER_PATHS,
    is_requirements_path,
    parser_module,
)

if TYPE_CHECKING:
    from chainward.inventory.requirements import Include, RequirementsFile


class Parser(Protocol):
    """A manifest kind: which paths it reads, and what one file declares."""

    def matches(self, rel: str) -> bool: ...

    def parse(self, rel: str, text: str) -> ManifestScan: ...


def load_parser(module: str) -> Parser:
    """The parser module named by a row of :data:`chainward.inventory.paths.PARSER_PATHS`,
    imported on first use: a change that holds no manifest of a kind never loads its
    parser (issue 19, start-up)."""
    return cast("Parser", importlib.import_module(module))


def __getattr__(name: str) -> Any:
    # ``PARSERS``: every parser module, in the order a path is tried (the table of
    # ``inventory.paths``, imported in full only when asked for).
    if name == "PARSERS":
        return tuple(load_parser(module) for module, _ in PARSER_PATHS)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass
class InventoryBuilder(ManifestScan):
    """Every parser's :class:`ManifestScan` merged, plus what only the whole scan knows
    (includes, constraints, context locks); :meth:`build` freezes them."""

    constraints: list[Dependency] = field(default_factory=list)
    constraint_links: list[tuple[str, str]] = field(default_factory=list)
    include_edges: list[tuple[str, str]] = field(default_factory=list)
    context_locks: list[Dependency] = field(default_factory=list)

    def build(self) -> Inventory:
        return Inventory(
            dependencies=tuple(self.dependencies),
            images=tuple(self.images),
            problems=tuple(self.problems),
            options=tuple(self.options),
            pipes=tuple(self.pipes),
            constraints=tuple(self.constraints),
            constraint_links=tuple(self.constraint_links),
            include_edges=tuple(self.include_edges),
            context_locks=tuple(self.context_locks),
        )


def _include_problem(inc: Include, message: str, fix: str) -> Finding:
    from chainward.inventory.ids import BROKEN_REQUIREMENTS_INCLUDE  # only with a problem

    return Finding(
        BROKEN_REQUIREMENTS_INCLUDE,
        Severity.MEDIUM,
        message,
        **location(inc),
        fix=fix,
    )


def _is_file(path: Path) -> bool:
    # Path.is_file raises on a name too long for the file system (ENAMETOOLONG) and on
    # a NUL byte (ValueError); an include target is whatever a scanned file says.
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _collect_requirements(ctx: ScanContext, out: InventoryBuilder) -> None:
    roles: dict[str, str] = {}
    queue: list[str] = []
    for rel in ctx.files:
        if is_requirements_path(rel) or (
            ctx.explicit and rel.endswith((".txt", ".in")) and "requirements" in rel.lower()
        ):
            base = posixpath.basename(rel).lower()
            roles[rel] = "constraint" if base.startswith("constraints") else "requirement"
            queue.append(rel)
    parsed: dict[str, RequirementsFile] = {}
    while queue:
        rel = queue.pop(0)
        if rel in parsed:
            continue
        text = ctx.read_text(rel)
        if text is None:
            continue
        from chainward.inventory.requirements import parse_requirements  # only with one

        result = parse_requirements(rel, text)
        parsed[rel] = result
        for inc in result.includes:
            if "://" in inc.raw:
                out.problems.append(
                    _include_problem(
                        inc,
                        f"includes a remote file {inc.raw!r}: its content can change under "
                        "you and is not checked",
                        "vendor the file into the repository and include it by path",
                    )
                )
                continue
            if posixpath.isabs(inc.target) or inc.target.startswith(".."):
                out.problems.append(
                    _include_problem(
                        inc,
                        f"includes {inc.raw!r}, outside the repository; it is not checked",
                        "keep included requirement files inside the repository",
                    )
                )
                continue
            if not _is_file(ctx.root / inc.target):
                out.problems.append(
                    _include_problem(
                        inc,
                        f"includes {inc.raw!r}, which does not exist ({inc.target})",
                        "fix the path (it is relative to the including file) or remove the line",
                    )
                )
                continue
            if inc.kind == "requirement" or roles.get(inc.target) == "requirement":
                roles[inc.target] = "requirement"
            else:
                roles.setdefault(inc.target, "constraint")
            queue.append(inc.target)
    for rel, result in parsed.items():
        if roles.get(rel) == "constraint":
            out.constraints.extend(result.dependencies)
        else:
            out.dependencies.extend(result.dependencies)
        out.options.extend(result.options)
        out.problems.extend(result.problems)
    out.problems.extend(_cycles(parsed))
    out.constraint_links.extend(_constraint_links(parsed, roles))
    out.include_edges.extend(
        sorted(
            (rel, inc.target)
            for rel, result in parsed.items()
            for inc in result.includes
            if inc.target in parsed
        )
    )


def _constraint_links(
    parsed: dict[str, RequirementsFile], roles: dict[str, str]
) -> list[tuple[str, str]]:
    """Pair every requirements file with the constraint files of its include graph."""
    group_of = include_groups(
        (rel, inc.target)
        for rel, result in parsed.items()
        for inc in result.includes
        if inc.target in parsed
    )
    groups: dict[str, list[str]] = {}
    for rel in parsed:
        groups.setdefault(group_of.get(rel, rel), []).append(rel)
    links: list[tuple[str, str]] = []
    for members in groups.values():
        constraint_files = [m for m in members if roles.get(m) == "constraint"]
        for member in members:
            if roles.get(member) != "constraint":
                links.extend((member, c) for c in constraint_files)
    return sorted(links)


def _cycles(parsed: dict[str, RequirementsFile]) -> list[Finding]:
    """One finding per include that closes a cycle."""
    found: list[Finding] = []
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(rel: str) -> None:
        state[rel] = 1
        stack.append(rel)
        for inc in parsed[rel].includes:
            if inc.target not in parsed:
                continue
            if state.get(inc.target) == 1:
                cycle = [*stack[stack.index(inc.target) :], inc.target]
                found.append(
                    _include_problem(
                        inc,
                        "include cycle: " + " -> ".join(cycle),
                        "remove one of the -r/-c lines so that no file includes itself",
                    )
                )
            elif state.get(inc.target) is None:
                visit(inc.target)
        stack.pop()
        state[rel] = 2

    for rel in sorted(parsed):
        if state.get(rel) is None:
            visit(rel)
    return found


def parser_for(rel: str) -> Parser | None:
    """The parser that reads ``rel`` (requirements files aside), or None; matched by
    name in :mod:`chainward.inventory.paths`, the module imported only then."""
    module = parser_module(rel)
    return None if module is None else load_parser(module)


# One inventory per scan: `chainward check` runs the dependency and typosquat families
# over the same context, and both read the inventory.
_MEMO: dict[int, tuple[weakref.ref[ScanContext], tuple[str, ...], Inventory]] = {}


def collect_inventory(ctx: ScanContext) -> Inventory:
    """Parse every manifest among ``ctx.files`` into one :class:`Inventory`.

    Unparsable files and broken includes become findings in ``problems``; nothing
    raises for bad input. The result is remembered for the life of ``ctx`` (while its
    file list is unchanged), so families that share a scan parse each file once.
    """
    key = id(ctx)
    files = tuple(ctx.files)
    memo = _MEMO.get(key)
    if memo is not None and memo[0]() is ctx and memo[1] == files:
        return memo[2]
    inventory = _collect(ctx)
    _MEMO[key] = (weakref.ref(ctx, lambda _ref: _MEMO.pop(key, None)), files, inventory)
    return inventory


def _collect(ctx: ScanContext) -> Inventory:
    out = InventoryBuilder()
    _collect_requirements(ctx, out)
    for rel in ctx.files:
        parser = parser_for(rel)
        if parser is None:
            continue
        text = ctx.read_text(rel)
        if text is None:
            continue
        out.extend(parser.parse(rel, text))
    if ctx.explicit:
        _collect_context_locks(ctx, out)
    return out.build()


def _collect_context_locks(ctx: ScanContext, out: InventoryBuilder) -> None:
    """Lock files beside (or above) the named manifests, for coverage only.

    When only some files are scanned (pre-commit passes the changed ones), a
    pyproject.toml must still be judged with the uv.lock next to it.
    """
    scanned = set(ctx.files)
    folders: set[str] = set()
    for dependency in out.dependencies:
        if dependency.manifest in ("pyproject", "setup.cfg", "setup.py", "pipfile") or (
            dependency.manifest == "requirements" and dependency.path.endswith(".in")
        ):
            folder = posixpath.dirname(dependency.path)
            while True:
                folders.add(folder)
                if not folder:
                    break
                folder = posixpath.dirname(folder)
    scratch = ManifestScan()
    for folder in sorted(folders):
        for name in LOCK_NAMES:
            rel = posixpath.join(folder, name) if folder else name
            if rel in scanned or not (ctx.root / rel).is_file():
                continue
            parser = parser_for(rel)
            text = ctx.read_text(rel)
            if parser is not None and text is not None:
                scratch.extend(parser.parse(rel, text))
    out.context_locks.extend(d for d in scratch.dependencies if d.locked)
