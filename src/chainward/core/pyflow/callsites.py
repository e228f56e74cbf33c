"""Values passed to the file's own functions at their call sites: a parameter takes every
argument given for it in the file (and its default where a call leaves it out), through
calls by name, ``self.method(...)``, ``Class(...)`` (its ``__init__``) and methods of a
name bound to an instance of a class of the file."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from chainward.core.pyflow.values import (
    UNRESOLVED,
    Binding,
    FileValues,
    Optional,
    Scope,
    Thunk,
)

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass
class Function:
    """A function (or method, or named lambda) of the file and its parameters."""

    node: FunctionNode | ast.Lambda
    scope: Scope
    params: list[str]
    defaults: dict[str, Binding]
    is_method: bool


@dataclass
class Found:
    """The functions of a file, as the walk found them."""

    functions: dict[str, list[Function]] = field(default_factory=dict)
    methods: dict[tuple[str, str], list[Function]] = field(default_factory=dict)
    """Methods by (class, name), for calls on the class or its instances."""
    local_instances: dict[str, str | None] = field(default_factory=dict)
    """Names bound to an instance of a class of the file (None: also to another)."""
    classes: frozenset[str] = frozenset()


def _callee(func: ast.expr, targets: dict[str, Function], found: Found) -> Function | None:
    """The file's own function a call calls: a function by name, a method through
    ``self``/``cls``, a class's ``__init__`` (``Embedder("org/x")``), or a method of a
    name bound to an instance of a class of the file (``emb = Embedder(); emb.load(x)``)."""
    methods = found.methods
    if isinstance(func, ast.Name):
        if func.id in targets and not targets[func.id].is_method:
            return targets[func.id]
        inits = methods.get((func.id, "__init__"), [])
        return inits[0] if len(inits) == 1 else None
    if not isinstance(func, ast.Attribute):
        return None
    receiver = func.value
    if isinstance(receiver, ast.Name) and receiver.id in ("self", "cls"):
        function = targets.get(func.attr)
        return function if function is not None and function.is_method else None
    owner: str | None = None
    if isinstance(receiver, ast.Name):
        owner = found.local_instances.get(receiver.id)
    elif isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Name):
        owner = receiver.func.id if receiver.func.id in found.classes else None
    matches = methods.get((owner, func.attr), []) if owner else []
    return matches[0] if len(matches) == 1 else None


def bind_call_sites(values: FileValues, found: Found) -> None:
    """Parameters take the values passed at the file's own call sites (and their default);
    keywords given to a class of the file without ``__init__`` (a dataclass) are its fields."""
    functions = found.functions
    targets = {name: fs[0] for name, fs in functions.items() if len(fs) == 1}
    sites: dict[int, tuple[Function, list[tuple[ast.Call, Scope]]]] = {}
    for call, scope in values.calls:
        function = _callee(call.func, targets, found)
        if function is not None:
            sites.setdefault(id(function), (function, []))[1].append((call, scope))
        elif isinstance(call.func, ast.Name) and call.func.id in values.env.local_classes:
            for keyword in call.keywords:
                if keyword.arg:
                    values.env.attributes.setdefault(keyword.arg, []).append(
                        Thunk(keyword.value, scope)
                    )
    for function, calls in sites.values():
        params = function.params[1:] if function.is_method else function.params
        collected: dict[str, list[Binding]] = {p: [] for p in params}
        # A class is also built elsewhere (other modules, configs): its defaults stay, and
        # the file's own arguments add to them where they resolve.
        init = not isinstance(function.node, ast.Lambda) and function.node.name == "__init__"
        if init:
            for param in params:
                if param in function.defaults:
                    collected[param].append(function.defaults[param])
        for call, scope in calls:
            starred = any(isinstance(a, ast.Starred) for a in call.args)
            splats = [k.value for k in call.keywords if k.arg is None]
            given: dict[str, ast.expr] = {k.arg: k.value for k in call.keywords if k.arg}
            for index, arg in enumerate(call.args):
                if index < len(params) and not isinstance(arg, ast.Starred):
                    given.setdefault(params[index], arg)
            for param in params:
                optional = init and param in function.defaults
                thunk: Thunk | None = None
                if param in given:
                    thunk = Thunk(given[param], scope)
                elif len(splats) == 1 and not starred:
                    # f(**vars(args)), f(**config): the mapping's item, read when needed.
                    item = ast.Subscript(value=splats[0], slice=ast.Constant(param), ctx=ast.Load())
                    thunk = Thunk(item, scope)
                if thunk is not None:
                    collected[param].append(Optional(thunk) if optional else thunk)
                elif optional:
                    continue
                elif starred or splats:
                    collected[param].append(UNRESOLVED)
                elif param in function.defaults:
                    collected[param].append(function.defaults[param])
                else:
                    collected[param].append(UNRESOLVED)
        for param, bindings in collected.items():
            if bindings:
                function.scope.params[param] = bindings
    values.reset()
