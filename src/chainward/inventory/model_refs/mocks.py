"""Loaders a test replaces with a mock: ``@mock.patch("transformers.AutoModel.from_pretrained")``
on the test function, ``with patch.object(AutoModel, "from_pretrained"):`` or
``monkeypatch.setattr(...)`` inside it. A call of the replaced loader in that function
fetches nothing, so it is not a download."""

from __future__ import annotations

import ast

from chainward.core.pyflow.values import Env, FileValues, Scope

_PATCHERS = frozenset({"patch", "object", "setattr"})


def _target(call: ast.Call, env: Env) -> str | None:
    """The dotted name a patch call replaces, None when it is not one."""
    callee = env.qualify(call.func) or ""
    last = callee.rsplit(".", 1)[-1]
    if last not in _PATCHERS or not call.args:
        return None
    first = call.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        if last == "object":
            return None
        return first.value  # patch("transformers.AutoModel.from_pretrained")
    owner = env.qualify(first)
    if owner is None or len(call.args) < 2:
        return None
    attr = call.args[1]
    if isinstance(attr, ast.Constant) and isinstance(attr.value, str):
        return f"{owner}.{attr.value}"  # patch.object(AutoModel, "from_pretrained")
    return None


def mocked_scopes(values: FileValues) -> dict[int, set[str]]:
    """Function scope (by id) → the dotted names patched for that function's calls: by
    its decorators, or by a patch call written in it."""
    out: dict[int, set[str]] = {}
    for call, scope in values.calls:
        target = _target(call, values.env)
        if target:
            out.setdefault(id(scope), set()).add(target)
    for node, scope in values.scopes.items():
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                target = _target(decorator, values.env) if isinstance(decorator, ast.Call) else None
                if target:
                    out.setdefault(id(scope), set()).add(target)
    return out


def is_mocked(qualified: str, scope: Scope, mocked: dict[int, set[str]]) -> bool:
    """Whether ``qualified`` (or its class) is patched for calls written in ``scope``."""
    targets = mocked.get(id(scope))
    if not targets or not qualified:
        return False
    tail = ".".join(qualified.split(".")[-2:])
    return any(
        qualified == t or qualified.startswith(t + ".") or t.endswith("." + tail) or t == tail
        for t in targets
    )
