"""Module-level bindings, in source order (into ``if``/``try``/``with``/``for`` blocks,
not functions), and the block structure a statement's binding dominates."""

from __future__ import annotations

import ast

from chainward.core.pyflow.values import UNRESOLVED, Loop, Scope, Thunk


def bind_module(body: list[ast.stmt], scope: Scope) -> None:
    """Bind module-level names in source order (into if/try/with blocks, not functions)."""
    end = (body[-1].end_lineno or 0) if body else 0
    for stmt in body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                bind_module_target(target, stmt.value, scope, stmt.lineno, end)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            if stmt.value is not None:
                scope.bind(stmt.target.id, Thunk(stmt.value, scope), stmt.lineno, end)
        elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
            scope.bind(stmt.target.id, UNRESOLVED, stmt.lineno, end)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            bind_module_loop(stmt.target, stmt.iter, scope, end)
            bind_module(stmt.body, scope)
        elif isinstance(stmt, (ast.If, ast.While)):
            bind_module(stmt.body, scope)
            bind_module(stmt.orelse, scope)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                if item.optional_vars is not None:
                    for name in ast.walk(item.optional_vars):
                        if isinstance(name, ast.Name):
                            scope.bind(name.id, UNRESOLVED, stmt.lineno, end)
            bind_module(stmt.body, scope)
        elif isinstance(stmt, ast.Try):
            for block in (stmt.body, stmt.orelse, stmt.finalbody):
                bind_module(block, scope)
            for handler in stmt.handlers:
                bind_module(handler.body, scope)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            scope.bind(stmt.name, UNRESOLVED, stmt.lineno, end)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                if alias.name != "*":
                    scope.bind(
                        (alias.asname or alias.name).split(".")[0], UNRESOLVED, stmt.lineno, end
                    )


def bind_module_target(
    target: ast.expr, value: ast.expr, scope: Scope, line: int, end: int
) -> None:
    """``NAME = value`` and ``ORG, SIZE = "facebook", "125m"`` at module level."""
    if isinstance(target, ast.Name):
        scope.bind(target.id, Thunk(value, scope), line, end)
        return
    if (
        isinstance(target, (ast.Tuple, ast.List))
        and isinstance(value, (ast.Tuple, ast.List))
        and len(target.elts) == len(value.elts)
        and not any(isinstance(e, ast.Starred) for e in (*target.elts, *value.elts))
    ):
        for sub_target, sub_value in zip(target.elts, value.elts, strict=True):
            bind_module_target(sub_target, sub_value, scope, line, end)
        return
    for name in ast.walk(target):
        if isinstance(name, ast.Name):
            scope.bind(name.id, UNRESOLVED, line, end)


def tuple_names(target: ast.expr) -> list[ast.Name]:
    """The names of a flat tuple target (``a, b``); empty for any other target."""
    if not isinstance(target, ast.Tuple):
        return []
    names = [e for e in target.elts if isinstance(e, ast.Name)]
    return names if len(names) == len(target.elts) else []


def bind_module_loop(target: ast.expr, iterable: ast.expr, scope: Scope, end: int) -> None:
    """``for name in MODELS:`` at module level: the name is one of the elements."""
    if isinstance(target, ast.Name):
        scope.bind(target.id, Loop(iterable, scope), target.lineno, end)
    elif tuple_names(target):
        for index, element in enumerate(tuple_names(target)):
            scope.bind(element.id, Loop(iterable, scope, index), element.lineno, end)
    else:
        for name in ast.walk(target):
            if isinstance(name, ast.Name):
                scope.bind(name.id, UNRESOLVED, target.lineno, end)


def block_ends(tree: ast.Module) -> dict[int, int]:
    """The first line of every statement → the last line of the block it is in (the
    innermost, when two statements share a line). Only statements are visited."""
    out: dict[int, int] = {}
    blocks: list[list[ast.stmt]] = [tree.body]
    while blocks:
        block = blocks.pop()
        if not block:
            continue  # an empty module
        end = block[-1].end_lineno or 0
        for stmt in block:
            out[stmt.lineno] = end
            for name in _BLOCK_FIELDS:
                inner = getattr(stmt, name, None)
                if inner:
                    blocks.append(inner)
            for handler in getattr(stmt, "handlers", ()):
                blocks.append(handler.body)
            for case in getattr(stmt, "cases", ()):
                blocks.append(case.body)
    return out


_BLOCK_FIELDS = ("body", "orelse", "finalbody")
