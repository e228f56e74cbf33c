"""Intra-file data flow over a Python AST: which string a name or an attribute holds.

Nothing is imported or executed. :func:`analyse` reads one module and returns a
:class:`FileValues` that answers "what does this expression hold at this point?" for
the forms a model id or a revision is written in: literals, f-strings and ``+``,
module constants, local assignments, class and dataclass fields (also
``field(default=...)``), attributes assigned as ``self.x = ...``, argparse
``add_argument``/``set_defaults`` defaults (``HfArgumentParser`` reads dataclass
fields, which are class fields), click options, typer ``Option``/``Argument``
defaults, function parameter defaults (fire), ``os.environ.get``/``os.getenv``
defaults, dict/list/tuple literals and ``dict(...)`` indexed by a
constant (or by an unknown key: then every value is a candidate), ``dict.get``,
``"%s" %``, ``str.format`` and ``str.join`` (:mod:`.formatting`), ``for x in [...]``
loops (also ``for a, b in ...`` over ``.items()``, ``enumerate``, ``zip``), and the
values passed to a function at its call sites inside the file (``load(args.model)`` →
the parameter of ``def load(name)``). Callers may add the value of calls of their own
callees (``evaluators``).

A value the file does not determine is :data:`UNRESOLVED`. A value with several
possible resolved outcomes (``"a" if big else "b"``, a parameter called with two
ids) is a :class:`Many`; consumers decide how to judge it. Nothing here knows about
models: the hub-loader table and the model references of ``chainward.inventory``
build on it. The walk that fills a :class:`FileValues` is :mod:`.collect`.

The module runs past 500 lines because :class:`FileValues` is one recursive evaluator:
its methods (names, attributes, subscripts, calls, formatting) call each other through
``value`` with one memo and one depth bound, and split across modules they would only
pass that state around.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from chainward.core.pyflow.formatting import format_fields, percent

MAX_DEPTH = 24
MAX_OPTIONS = 32


class Unresolved:
    """Marker for a value the file does not determine."""

    __slots__ = ()

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "UNRESOLVED"


UNRESOLVED = Unresolved()


@dataclass(frozen=True, slots=True)
class Many:
    """Several resolved values, one of which the expression holds at run time."""

    options: tuple[Scalar, ...]


Scalar = str | bool | int | float | None | dict[str, "Value"] | tuple["Value", ...]
Value = Scalar | Unresolved | Many


def merge(options: list[Value]) -> Value:
    """One value from alternatives: equal ones collapse; any unknown makes it unknown."""
    flat: list[Scalar] = []
    for option in options:
        if isinstance(option, Unresolved):
            return UNRESOLVED
        if isinstance(option, Many):
            candidates: tuple[Scalar, ...] = option.options
        else:
            candidates = (option,)
        for candidate in candidates:
            if not any(candidate == f and type(candidate) is type(f) for f in flat):
                flat.append(candidate)
    if not flat:
        return UNRESOLVED
    if len(flat) == 1:
        return flat[0]
    return Many(tuple(flat))


def strings(value: Value) -> list[str] | None:
    """The possible strings of a value; None when any outcome is not a string."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Many) and all(isinstance(v, str) for v in value.options):
        return [str(v) for v in value.options]
    return None


def mapping(value: Value) -> dict[str, Value] | None:
    """The mapping a value holds: one dict, or several (a dict changed in one branch) as
    one whose keys hold every option (None where an option lacks the key); None when it
    is not a mapping."""
    if isinstance(value, dict):
        return value
    if not isinstance(value, Many) or not all(isinstance(o, dict) for o in value.options):
        return None
    options = [o for o in value.options if isinstance(o, dict)]
    keys = list(dict.fromkeys(k for o in options for k in o))
    return {k: merge([o.get(k) for o in options]) for k in keys}


@dataclass(frozen=True, slots=True)
class Thunk:
    """An expression evaluated lazily, in the scope where it was written."""

    node: ast.expr
    scope: Scope


@dataclass(frozen=True, slots=True)
class Loop:
    """The loop variable of ``for x in <node>``: one of its elements (a dict's keys);
    with ``index``, the target ``x`` of ``for ..., x, ... in <node>`` (that item of each
    element)."""

    node: ast.expr
    scope: Scope
    index: int | None = None


@dataclass(frozen=True, slots=True)
class Optional:
    """A binding that adds its value only when it resolves (a class's ``__init__``
    argument beside the default that any other caller gets)."""

    thunk: Thunk


Binding = Value | Thunk | Loop | Optional


@dataclass(eq=False)
class Scope:
    """Names bound in one function (or the module): name → every binding."""

    values: dict[str, list[Binding]] = field(default_factory=dict)
    lines: dict[str, list[int]] = field(default_factory=dict)
    """The line of each binding in ``values`` (same order)."""
    ends: dict[str, list[int]] = field(default_factory=dict)
    """The last line of the block each binding is a statement of (0: none; a loop,
    branch or comprehension binding does not replace the ones before it)."""
    params: dict[str, list[Binding]] = field(default_factory=dict)
    parent: Scope | None = None

    def bind(self, name: str, binding: Binding, line: int, end: int = 0) -> None:
        self.values.setdefault(name, []).append(binding)
        self.lines.setdefault(name, []).append(line)
        self.ends.setdefault(name, []).append(end)


@dataclass
class Env:
    """What the file declares: import aliases and attribute bindings."""

    aliases: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, list[Binding]] = field(default_factory=dict)
    """Class fields and ``self.x = ...`` assignments, by attribute name."""
    options: dict[str, list[Binding]] = field(default_factory=dict)
    """argparse/click dests and ``set_defaults``, by attribute name."""
    local_classes: dict[str, list[str]] = field(default_factory=dict)
    """Classes defined in the file: name → the qualified names of its bases."""
    instances: dict[str, str] = field(default_factory=dict)
    """Names bound to an instance of a tracked class (``api = HfApi()``)."""
    instance_classes: frozenset[str] = frozenset()
    partials: dict[str, ast.Call] = field(default_factory=dict)
    """Names bound (once) to ``functools.partial(f, ...)``: name → that call."""

    def qualify(self, node: ast.AST) -> str | None:
        """The dotted name an expression refers to, through import aliases."""
        if isinstance(node, ast.Name):
            if node.id in self.aliases:
                return self.aliases[node.id]
            return self.instances.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualify(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call):
            # HfApi().snapshot_download(...) and similar.
            return self.qualify(node.func)
        return None


Evaluator = Callable[["FileValues", ast.Call, Scope, int], Value]
"""The value of a call of one qualified callee (``hf_hub_url(...)`` → its URL)."""


class FileValues:
    """Evaluates expressions of one file (see the module docstring)."""

    def __init__(
        self, env: Env, module: Scope, evaluators: Mapping[str, Evaluator] | None = None
    ) -> None:
        self.env = env
        self.module = module
        self.evaluators: Mapping[str, Evaluator] = evaluators or {}
        """Callers' own evaluation of calls the data flow knows nothing of, by callee."""
        self.scopes: dict[ast.AST, Scope] = {}
        self.calls: list[tuple[ast.Call, Scope]] = []
        """Every call in the file, in source order, with the scope it is written in."""
        self.block_ends: dict[int, int] = {}
        """A statement's first line → the last line of its block."""
        self._memo: dict[tuple[int, str], Value] = {}
        self._busy: set[tuple[int, str]] = set()

    def scope_of(self, node: ast.AST) -> Scope:
        """The scope of a function node (the module scope for anything else)."""
        return self.scopes.get(node, self.module)

    def _resolve_bindings(self, key: tuple[int, str], bindings: list[Binding], depth: int) -> Value:
        if key in self._memo:
            return self._memo[key]
        if key in self._busy:
            return UNRESOLVED  # x = x + "a": a cycle is not a value
        self._busy.add(key)
        try:
            values = [self._binding(b, depth + 1) for b in bindings]
            kept = [
                v
                for b, v in zip(bindings, values, strict=True)
                if not (isinstance(b, Optional) and isinstance(v, Unresolved))
            ]
            values = kept or values
        finally:
            self._busy.discard(key)
        out = merge(values)
        self._memo[key] = out
        return out

    def _binding(self, binding: Binding, depth: int) -> Value:
        if isinstance(binding, Optional):
            binding = binding.thunk
        if isinstance(binding, Thunk):
            return self.value(binding.node, binding.scope, depth)
        if isinstance(binding, Loop):
            container = self.value(binding.node, binding.scope, depth)
            if isinstance(container, dict):
                container = tuple(container)  # iterating a dict yields its keys
            if not isinstance(container, tuple) or not container:
                return UNRESOLVED
            if binding.index is None:
                return merge(list(container))
            index = binding.index
            return merge(
                [
                    e[index] if isinstance(e, tuple) and index < len(e) else UNRESOLVED
                    for e in container
                ]
            )
        return binding

    def lookup(self, name: str, scope: Scope, depth: int = 0, at_line: int = 0) -> Value:
        """The value of a bare name read in ``scope`` (on ``at_line``, when known).

        A name read in the scope that binds it sees only the bindings written above the
        reading line (or the parameter, when there are none): ``revision =
        str(revision)`` reads the parameter, and a module that reassigns ``repo_id``
        between two downloads gives each download its own value. A statement that
        binds the name in a block enclosing the read replaces every binding before it
        (``rev = "main"; rev = SHA`` reads the SHA; a binding in one branch of an ``if``
        adds to them). Loops are ignored.
        """
        owner: Scope | None = scope
        while owner is not None and name not in owner.values and name not in owner.params:
            owner = owner.parent
        if owner is None:
            return UNRESOLVED
        bindings = owner.values.get(name, [])
        count = len(bindings)
        start = 0
        params = owner.params.get(name, [])
        if owner is scope and at_line and bindings:
            lines = owner.lines[name]
            count = sum(1 for line in lines if line < at_line)
            if count == 0 and name not in owner.params:
                count = len(bindings)  # read above every binding: a loop, or a global
            ends = owner.ends[name]
            for index in range(count - 1, -1, -1):
                if lines[index] < at_line <= ends[index]:
                    # The latest statement binding it on every path to the read (with
                    # the other bindings of that line: the elements of a loop).
                    start = lines.index(lines[index])
                    params = []
                    break
        chosen = [*bindings[start:count], *params]
        return self._resolve_bindings((id(owner), f"{name}#{start}:{count}"), chosen, depth)

    def attribute(self, name: str, depth: int = 0, receiver: str = "") -> Value:
        """The value of ``<receiver>.name``.

        ``self.x``/``cls.x`` read class fields and ``self.x = ...`` assignments; any
        other receiver (``args.x``, ``model_args.x``) reads command-line option
        defaults first, then class fields (dataclasses parsed by HfArgumentParser).
        """
        if receiver in ("self", "cls"):
            bindings = self.env.attributes.get(name)
            key = "." + name
        else:
            bindings = self.env.options.get(name) or self.env.attributes.get(name)
            key = ":" + name
        if not bindings:
            return UNRESOLVED
        return self._resolve_bindings((0, key), bindings, depth)

    def value(self, node: ast.AST | None, scope: Scope, depth: int = 0) -> Value:
        """The value of an expression written in ``scope``."""
        if node is None or depth > MAX_DEPTH:
            return UNRESOLVED
        if isinstance(node, ast.Constant):
            if node.value is None or isinstance(node.value, (str, bool, int, float)):
                return node.value
            return UNRESOLVED
        if isinstance(node, ast.Name):
            return self.lookup(node.id, scope, depth + 1, node.lineno)
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node, scope, depth)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            lefts = strings(self.value(node.left, scope, depth + 1))
            rights = strings(self.value(node.right, scope, depth + 1))
            if lefts is None or rights is None or len(lefts) * len(rights) > MAX_OPTIONS:
                return UNRESOLVED
            return merge([a + b for a in lefts for b in rights])
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            return self._percent(node, scope, depth)
        if isinstance(node, ast.IfExp):
            test = self._none_test(node.test, scope, depth)
            if test is not None:
                return self.value(node.body if test else node.orelse, scope, depth + 1)
            return merge(
                [self.value(node.body, scope, depth + 1), self.value(node.orelse, scope, depth + 1)]
            )
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            # `name or "org/default"`: the first truthy operand.
            first = self.value(node.values[0], scope, depth + 1)
            if isinstance(first, str) and first:
                return first
            if first is None or first == "":
                return self.value(
                    ast.BoolOp(op=ast.Or(), values=node.values[1:])
                    if len(node.values) > 2
                    else node.values[1],
                    scope,
                    depth + 1,
                )
            return UNRESOLVED
        if isinstance(node, ast.Attribute):
            receiver = node.value.id if isinstance(node.value, ast.Name) else ""
            return self.attribute(node.attr, depth + 1, receiver)
        if isinstance(node, ast.Subscript):
            return self._subscript(node, scope, depth)
        if isinstance(node, ast.Dict):
            out: dict[str, Value] = {}
            for key_node, value_node in zip(node.keys, node.values, strict=True):
                if key_node is None:
                    # {**base, "revision": sha}: the keys of a mapping the file holds.
                    splat = mapping(self.value(value_node, scope, depth + 1))
                    if splat is None:
                        return UNRESOLVED
                    out.update(splat)
                    continue
                key_value = self.value(key_node, scope, depth + 1)
                if not isinstance(key_value, str):
                    return UNRESOLVED
                out[key_value] = self.value(value_node, scope, depth + 1)
            return out
        if isinstance(node, (ast.List, ast.Tuple)):
            if any(isinstance(e, ast.Starred) for e in node.elts):
                return UNRESOLVED
            return tuple(self.value(e, scope, depth + 1) for e in node.elts)
        if isinstance(node, ast.Call):
            return self._call(node, scope, depth)
        return UNRESOLVED

    def _none_test(self, test: ast.expr, scope: Scope, depth: int) -> bool | None:
        """The outcome of ``x is None`` / ``x is not None`` when x is known, else None."""
        if not (
            isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and isinstance(test.ops[0], (ast.Is, ast.IsNot))
            and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value is None
        ):
            return None
        value = self.value(test.left, scope, depth + 1)
        if isinstance(value, (Unresolved, Many)):
            return None
        return (value is None) == isinstance(test.ops[0], ast.Is)

    def _fstring(self, node: ast.JoinedStr, scope: Scope, depth: int) -> Value:
        # Several possible parts give several strings (at most MAX_OPTIONS of them).
        texts: list[str] = [""]
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                texts = [t + part.value for t in texts]
            elif isinstance(part, ast.FormattedValue) and part.format_spec is None:
                options = strings(self.value(part.value, scope, depth + 1))
                if options is None or len(texts) * len(options) > MAX_OPTIONS:
                    return UNRESOLVED
                texts = [t + o for t in texts for o in options]
            else:
                return UNRESOLVED
        return merge(list(texts))

    def _percent(self, node: ast.BinOp, scope: Scope, depth: int) -> Value:
        """``"%s/opt-%s" % (org, size)``: plain ``%s`` placeholders only."""
        formats = strings(self.value(node.left, scope, depth + 1))
        right = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
        parts: list[list[str]] = []
        for element in right:
            options = strings(self.value(element, scope, depth + 1))
            if options is None:
                return UNRESOLVED
            parts.append(options)
        out = None if formats is None else percent(formats, parts, MAX_OPTIONS)
        return UNRESOLVED if out is None else merge(list(out))

    def _format(self, node: ast.Call, text: Value, scope: Scope, depth: int) -> Value:
        """``"{}/opt-{}".format(org, size)``: plain ``{}``, ``{0}`` and ``{name}`` fields."""
        formats = strings(text)
        if formats is None or any(isinstance(a, ast.Starred) for a in node.args):
            return UNRESOLVED
        positional = [strings(self.value(a, scope, depth + 1)) for a in node.args]
        if any(k.arg is None for k in node.keywords):
            return UNRESOLVED
        named = {str(k.arg): strings(self.value(k.value, scope, depth + 1)) for k in node.keywords}
        out = format_fields(formats, positional, named, MAX_OPTIONS)
        return UNRESOLVED if out is None else merge(list(out))

    def _subscript(self, node: ast.Subscript, scope: Scope, depth: int) -> Value:
        container = self.value(node.value, scope, depth + 1)
        if isinstance(node.slice, ast.Slice):
            return UNRESOLVED
        key = self.value(node.slice, scope, depth + 1)
        if (
            isinstance(container, Many)
            and isinstance(key, str)
            and all(isinstance(o, dict) for o in container.options)
        ):
            # for spec in [{"model": ...}, ...]: spec["model"] of every element (one
            # lacking the key raises KeyError there, and fetches nothing).
            found = [o[key] for o in container.options if isinstance(o, dict) and key in o]
            return merge(found) if found else UNRESOLVED
        if isinstance(container, dict):
            if isinstance(key, str):
                return container.get(key, UNRESOLVED)
            keys = strings(key)
            if keys is not None:
                return merge([container.get(k, UNRESOLVED) for k in keys])
            # MODELS[args.size]: any of the dict's values.
            return merge(list(container.values()))
        if isinstance(container, tuple) and container:
            if isinstance(key, int) and not isinstance(key, bool):
                if -len(container) <= key < len(container):
                    return container[key]
                return UNRESOLVED
            return merge(list(container))
        return UNRESOLVED

    def _call(self, node: ast.Call, scope: Scope, depth: int) -> Value:
        callee = self.env.qualify(node.func) or ""
        last = callee.rsplit(".", 1)[-1]
        evaluator = self.evaluators.get(callee)
        if evaluator is not None:
            return evaluator(self, node, scope, depth + 1)
        if callee in ("os.environ.get", "os.getenv"):
            # The default applies wherever the variable is unset: that is the value the
            # file itself chooses (no default: unknown).
            if len(node.args) >= 2:
                return self.value(node.args[1], scope, depth + 1)
            return self.keyword(node, "default", scope, depth)
        if callee == "str" and len(node.args) == 1 and not node.keywords:
            inner = self.value(node.args[0], scope, depth + 1)
            return inner if strings(inner) is not None else UNRESOLVED
        # typer.Option("default") / typer.Argument("default") as a parameter default.
        if last in ("Option", "Argument") and callee.startswith("typer"):
            if node.args:
                return self.value(node.args[0], scope, depth + 1)
            return self.keyword(node, "default", scope, depth)
        # dataclasses.field(default=...), pydantic Field(default=...)
        if callee in ("field", "dataclasses.field", "pydantic.Field", "Field"):
            if callee.endswith("Field") and node.args:
                return self.value(node.args[0], scope, depth + 1)
            return self.keyword(node, "default", scope, depth)
        if callee == "vars" and len(node.args) == 1 and self.env.options:
            # vars(args) of parsed command-line options: each option's default.
            return {dest: self.attribute(dest, depth + 1) for dest in self.env.options}
        if callee == "dict" and not node.args:
            # dict(revision="main", torch_dtype="auto")
            out: dict[str, Value] = {}
            for keyword in node.keywords:
                if keyword.arg is None:
                    return UNRESOLVED
                out[keyword.arg] = self.value(keyword.value, scope, depth + 1)
            return out
        if callee in ("enumerate", "zip") and node.args and not node.keywords:
            return self._pairs(callee, node.args, scope, depth)
        if isinstance(node.func, ast.Attribute):
            method = node.func.attr
            if method == "format":
                return self._format(
                    node, self.value(node.func.value, scope, depth + 1), scope, depth
                )
            if method == "join" and len(node.args) == 1 and not node.keywords:
                separators = strings(self.value(node.func.value, scope, depth + 1))
                items = self.value(node.args[0], scope, depth + 1)
                if separators is None or len(separators) != 1 or not isinstance(items, tuple):
                    return UNRESOLVED
                if not all(isinstance(i, str) for i in items):
                    return UNRESOLVED
                return separators[0].join(str(i) for i in items)
            if method in ("items", "keys", "values") and not node.args and not node.keywords:
                container = self.value(node.func.value, scope, depth + 1)
                if not isinstance(container, dict):
                    return UNRESOLVED
                if method == "keys":
                    return tuple(container)
                if method == "values":
                    return tuple(container.values())
                return tuple((k, v) for k, v in container.items())
        if isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args:
            # {"a": "org/x"}.get(key, default) on a dict literal the file holds.
            container = self.value(node.func.value, scope, depth + 1)
            key = self.value(node.args[0], scope, depth + 1)
            default: Value = None
            if len(node.args) > 1:
                default = self.value(node.args[1], scope, depth + 1)
            if isinstance(container, Many) and isinstance(key, str):
                # spec.get("revision") for every spec of a loop over dict literals
                options = [
                    o.get(key, default) if isinstance(o, dict) else UNRESOLVED
                    for o in container.options
                ]
                return merge(options)
            if not isinstance(container, dict):
                return UNRESOLVED
            if isinstance(key, str):
                return container.get(key, default)
            return merge([*container.values(), default])
        return UNRESOLVED

    def _pairs(self, callee: str, args: list[ast.expr], scope: Scope, depth: int) -> Value:
        """``enumerate(xs)`` and ``zip(xs, ys)`` over containers the file holds."""
        containers: list[tuple[Value, ...]] = []
        for arg in args:
            if isinstance(arg, ast.Starred):
                return UNRESOLVED
            container = self.value(arg, scope, depth + 1)
            if isinstance(container, dict):
                container = tuple(container)
            if not isinstance(container, tuple):
                return UNRESOLVED
            containers.append(container)
        if callee == "enumerate":
            if len(containers) != 1:
                return UNRESOLVED
            return tuple((i, e) for i, e in enumerate(containers[0]))
        return tuple(zip(*containers, strict=False))

    def keyword(self, call: ast.Call, name: str, scope: Scope, depth: int = 0) -> Value:
        """The value of a keyword argument of a call, UNRESOLVED when absent."""
        for keyword in call.keywords:
            if keyword.arg == name:
                return self.value(keyword.value, scope, depth + 1)
        return UNRESOLVED

    def reset(self) -> None:
        """Forget memoised values (after parameters gained call-site bindings)."""
        self._memo.clear()


def option_dest(call: ast.Call) -> str | None:
    """The attribute an argparse ``add_argument`` or a click option binds."""
    for keyword in call.keywords:
        if keyword.arg == "dest" and isinstance(keyword.value, ast.Constant):
            return str(keyword.value.value)
    names = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    if not names:
        return None
    plain = [n for n in names if not n.startswith("-")]
    if plain:
        return plain[0].replace("-", "_")
    longs = [n for n in names if n.startswith("--")]
    chosen = longs[0] if longs else names[0]
    return chosen.lstrip("-").replace("-", "_")
