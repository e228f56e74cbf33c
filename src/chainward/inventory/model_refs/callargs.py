"""A loader call's arguments as the finder reads them: by position or keyword, with the
``**mapping`` splats the file determines merged in (``**dict(revision=sha)``), and
whether an argument could hide in a ``*args``/``**kwargs`` that cannot be read."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from chainward.core.pyflow.values import FileValues, Scope, Value, mapping


@dataclass
class CallArgs:
    """A call's arguments with ``**mapping`` splats merged where they resolve."""

    call: ast.Call
    keywords: dict[str, ast.expr]
    splat_values: dict[str, Value]
    opaque_splat: bool
    opaque_star: bool

    def get(self, pos: int | None, names: tuple[str, ...]) -> ast.expr | None:
        for name in names:
            if name in self.keywords:
                return self.keywords[name]
        if pos is not None and not self.opaque_star and pos < len(self.call.args):
            arg = self.call.args[pos]
            return None if isinstance(arg, ast.Starred) else arg
        return None

    def maybe_hidden(self, pos: int | None) -> bool:
        """Whether the argument could hide in ``*args``/``**kwargs`` we cannot see."""
        if self.opaque_splat:
            return True
        return pos is not None and self.opaque_star


def call_args(call: ast.Call, values: FileValues, scope: Scope) -> CallArgs:
    """The arguments of ``call``, with the ``**mapping`` splats the file determines read."""
    keywords: dict[str, ast.expr] = {}
    splat: dict[str, Value] = {}
    opaque = False
    for keyword in call.keywords:
        if keyword.arg is not None:
            keywords[keyword.arg] = keyword.value
            continue
        splatted = mapping(values.value(keyword.value, scope))
        if splatted is not None:
            splat.update(splatted)
        else:
            opaque = True
    star = any(isinstance(a, ast.Starred) for a in call.args)
    return CallArgs(call, keywords, splat, opaque, star)
