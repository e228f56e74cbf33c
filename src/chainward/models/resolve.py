"""Intra-file data flow over a Python AST: which string a name or an attribute holds.

Nothing is imported or executed. :func:`analyse` reads one module and returns a
:class:`FileValues` that answers "what does this expression hold at this point?" for
the forms a model id or a revision is written in: literals, f-strings and ``+``,
module constants, local assignments, class and dataclass fields (also
``field(default=...)``), attributes assigned as ``self.x = ...``, argparse
``add_argument``/``set_defaults`` defaults (``HfArgumentParser`` reads dataclass
fields, which are class fields), click options, typer ``Option``/``Argument``
defaults, function parameter defaults (fire), ``os.environ.get``/``os.getenv``
defaults, dict/list/tuple literals indexed by a
constant (or by an unknown key: then every value is a candidate), ``dict.get`` and
``for x in [...]`` loops, and the values passed to a function at its call sites
inside the file (``load(args.model)`` → the parameter of ``def load(name)``).

A value the file does not determine is :data:`UNRESOLVED`. A value with several
possible resolved outcomes (``"a" if big else "b"``, a parameter called with two
ids) is a :class:`Many`; consumers decide how to judge it. Nothing here knows about
models: the loader table (``models.loaders``) and the check (``models.downloads``)
build on it. Issue 19 moves this module to ``core`` unchanged.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_DEPTH = 24
MAX_OPTIONS = 32


class _Unresolved:
    """Marker for a value the file does not determine."""

    __slots__ = ()

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "UNRESOLVED"


UNRESOLVED = _Unresolved()


@dataclass(frozen=True, slots=True)
class Many:
    """Several resolved values, one of which the expression holds at run time."""

    options: tuple[Scalar, ...]


Scalar = str | bool | int | float | None | dict[str, "Value"] | tuple["Value", ...]
Value = Scalar | _Unresolved | Many


def merge(options: list[Value]) -> Value:
    """One value from alternatives: equal ones collapse; any unknown makes it unknown."""
    flat: list[Scalar] = []
    for option in options:
        if isinstance(option, _Unresolved):
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


@dataclass(frozen=True, slots=True)
class _Thunk:
    """An expression evaluated lazily, in the scope where it was written."""

    node: ast.expr
    scope: Scope


@dataclass(frozen=True, slots=True)
class _Loop:
    """The loop variable of ``for x in <node>``: one of its elements (a dict's keys)."""

    node: ast.expr
    scope: Scope


Binding = Value | _Thunk | _Loop


@dataclass(eq=False)
class Scope:
    """Names bound in one function (or the module): name → every binding."""

    values: dict[str, list[Binding]] = field(default_factory=dict)
    lines: dict[str, list[int]] = field(default_factory=dict)
    """The line of each binding in ``values`` (same order)."""
    params: dict[str, list[Binding]] = field(default_factory=dict)
    parent: Scope | None = None

    def bind(self, name: str, binding: Binding, line: int) -> None:
        self.values.setdefault(name, []).append(binding)
        self.lines.setdefault(name, []).append(line)


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


class FileValues:
    """Evaluates expressions of one file (see the module docstring)."""

    def __init__(self, env: Env, module: Scope) -> None:
        self.env = env
        self.module = module
        self.scopes: dict[ast.AST, Scope] = {}
        self.calls: list[tuple[ast.Call, Scope]] = []
        """Every call in the file, in source order, with the scope it is written in."""
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
        finally:
            self._busy.discard(key)
        out = merge(values)
        self._memo[key] = out
        return out

    def _binding(self, binding: Binding, depth: int) -> Value:
        if isinstance(binding, _Thunk):
            return self.value(binding.node, binding.scope, depth)
        if isinstance(binding, _Loop):
            container = self.value(binding.node, binding.scope, depth)
            if isinstance(container, tuple) and container:
                return merge(list(container))
            if isinstance(container, dict) and container:
                return merge(list(container))  # iterating a dict yields its keys
            return UNRESOLVED
        return binding

    def lookup(self, name: str, scope: Scope, depth: int = 0, at_line: int = 0) -> Value:
        """The value of a bare name read in ``scope`` (on ``at_line``, when known).

        A name read in the scope that binds it sees only the bindings written above the
        reading line (or the parameter, when there are none): ``revision =
        str(revision)`` reads the parameter, and a module that reassigns ``repo_id``
        between two downloads gives each download its own value. Loops are ignored.
        """
        owner: Scope | None = scope
        while owner is not None and name not in owner.values and name not in owner.params:
            owner = owner.parent
        if owner is None:
            return UNRESOLVED
        bindings = owner.values.get(name, [])
        count = len(bindings)
        if owner is scope and at_line and bindings:
            count = sum(1 for line in owner.lines[name] if line < at_line)
            if count == 0 and name not in owner.params:
                count = len(bindings)  # read above every binding: a loop, or a global
        chosen = [*bindings[:count], *owner.params.get(name, [])]
        return self._resolve_bindings((id(owner), f"{name}#{count}"), chosen, depth)

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
                    return UNRESOLVED
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
        if isinstance(value, (_Unresolved, Many)):
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

    def _subscript(self, node: ast.Subscript, scope: Scope, depth: int) -> Value:
        container = self.value(node.value, scope, depth + 1)
        if isinstance(node.slice, ast.Slice):
            return UNRESOLVED
        key = self.value(node.slice, scope, depth + 1)
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
        if isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args:
            # {"a": "org/x"}.get(key, default) on a dict literal the file holds.
            container = self.value(node.func.value, scope, depth + 1)
            if not isinstance(container, dict):
                return UNRESOLVED
            key = self.value(node.args[0], scope, depth + 1)
            default: Value = None
            if len(node.args) > 1:
                default = self.value(node.args[1], scope, depth + 1)
            if isinstance(key, str):
                return container.get(key, default)
            return merge([*container.values(), default])
        return UNRESOLVED

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


FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass
class _Function:
    node: FunctionNode
    scope: Scope
    params: list[str]
    defaults: dict[str, Binding]
    is_method: bool


class _Collector(ast.NodeVisitor):
    """Function scopes, local bindings, option defaults, class fields."""

    def __init__(self, values: FileValues) -> None:
        self.values = values
        self.env = values.env
        self.module = values.module
        self.stack: list[Scope] = [self.module]
        self.functions: dict[str, list[_Function]] = {}
        self.class_depth = 0
        self.calls: list[tuple[ast.Call, Scope]] = []
        self.globals: list[set[str]] = [set()]
        """Names each open function declares ``global`` (assigned into the module)."""

    def visit_Global(self, node: ast.Global) -> None:
        self.globals[-1].update(node.names)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.env.aliases[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                self.env.aliases.setdefault(top, top)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and node.level == 0:
            for alias in node.names:
                if alias.name != "*":
                    self.env.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    @property
    def scope(self) -> Scope:
        return self.stack[-1]

    def visit(self, node: ast.AST) -> None:
        # NodeVisitor.visit with the method looked up once per node class.
        kind = type(node)
        method = _DISPATCH.get(kind)
        if method is None:
            method = getattr(type(self), f"visit_{kind.__name__}", _Collector.generic_visit)
            _DISPATCH[kind] = method
        method(self, node)

    def generic_visit(self, node: ast.AST) -> None:
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    def _bind(self, target: ast.AST, value: ast.expr | None) -> None:
        if isinstance(target, ast.Name) and isinstance(value, ast.Call):
            callee = self.env.qualify(value.func) or ""
            if callee in self.env.instance_classes:
                self.env.instances[target.id] = callee
        if isinstance(target, ast.Name):
            if self.scope is self.module:
                return  # module names were bound in source order by _bind_module
            if target.id in self.globals[-1]:
                # `global st_model; st_model = ...`: a module binding (seen by every
                # function, so no line order applies).
                self.module.bind(
                    target.id,
                    UNRESOLVED if value is None else _Thunk(value, self.scope),
                    0,
                )
                return
            self.scope.bind(
                target.id,
                UNRESOLVED if value is None else _Thunk(value, self.scope),
                target.lineno,
            )
        elif isinstance(target, (ast.Tuple, ast.List)):
            elts = target.elts
            if (
                isinstance(value, (ast.Tuple, ast.List))
                and len(value.elts) == len(elts)
                and not any(isinstance(e, ast.Starred) for e in (*elts, *value.elts))
            ):
                for sub_target, sub_value in zip(elts, value.elts, strict=True):
                    self._bind(sub_target, sub_value)
                return
            for name in ast.walk(target):
                if isinstance(name, ast.Name) and self.scope is not self.module:
                    self.scope.bind(name.id, UNRESOLVED, name.lineno)
        elif isinstance(target, ast.Starred):
            self._bind(target.value, None)
        elif isinstance(target, ast.Attribute) and value is not None:
            # self.model_name = "org/x": an attribute binding.
            self.env.attributes.setdefault(target.attr, []).append(_Thunk(value, self.scope))

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._bind(target, node.value)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._bind(node.target, node.value)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Attribute):
            self.env.attributes.setdefault(node.target.attr, []).append(UNRESOLVED)
        else:
            self._bind(node.target, None)
        self.generic_visit(node)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self._bind(node.target, node.value)
        self.generic_visit(node)

    def _loop_target(self, target: ast.expr, iterable: ast.expr) -> None:
        if self.scope is self.module:
            return
        if isinstance(target, ast.Name) and isinstance(iterable, (ast.List, ast.Tuple)):
            for element in iterable.elts:
                if isinstance(element, ast.Starred):
                    self.scope.bind(target.id, UNRESOLVED, target.lineno)
                    return
                self.scope.bind(target.id, _Thunk(element, self.scope), target.lineno)
            return
        if isinstance(target, ast.Name):
            self.scope.bind(target.id, _Loop(iterable, self.scope), target.lineno)
            return
        self._bind(target, None)

    def visit_For(self, node: ast.For) -> None:
        self._loop_target(node.target, node.iter)
        self.generic_visit(node)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        self._loop_target(node.target, node.iter)
        self.generic_visit(node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        self._loop_target(node.target, node.iter)
        self.generic_visit(node)

    def visit_With(self, node: ast.With) -> None:
        for item in node.items:
            if item.optional_vars is not None:
                self._bind(item.optional_vars, None)
        self.generic_visit(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name and self.scope is not self.module:
            self.scope.bind(node.name, UNRESOLVED, node.lineno)
        self.generic_visit(node)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        scope = Scope(parent=self.module)
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
        defaults += list(args.defaults)
        pairs: list[tuple[ast.arg, ast.expr | None]] = list(zip(positional, defaults, strict=True))
        pairs += list(zip(args.kwonlyargs, args.kw_defaults, strict=True))
        options = {} if isinstance(node, ast.Lambda) else self._click_defaults(node)
        own_defaults: dict[str, Binding] = {}
        for arg, default in pairs:
            if arg.arg in options:
                own_defaults[arg.arg] = options[arg.arg]
            elif default is not None:
                own_defaults[arg.arg] = _Thunk(default, self.scope)
            scope.params[arg.arg] = [own_defaults.get(arg.arg, UNRESOLVED)]
        for extra in (args.vararg, args.kwarg):
            if extra is not None:
                scope.params[extra.arg] = [UNRESOLVED]
        self.values.scopes[node] = scope
        if not isinstance(node, ast.Lambda):
            for decorator in node.decorator_list:
                self.visit(decorator)
            for default_node in (*args.defaults, *(d for d in args.kw_defaults if d)):
                self.visit(default_node)
            is_method = self.class_depth > 0 and self.stack[-1] is self.module
            names = [a.arg for a in positional]
            self.functions.setdefault(node.name, []).append(
                _Function(node, scope, names, own_defaults, is_method)
            )
        self.stack.append(scope)
        self.globals.append(set())
        saved = self.class_depth
        self.class_depth = 0
        body = [node.body] if isinstance(node, ast.Lambda) else node.body
        for child in body:
            self.visit(child)
        self.class_depth = saved
        self.globals.pop()
        self.stack.pop()

    def _click_defaults(self, node: FunctionNode) -> dict[str, Binding]:
        out: dict[str, Binding] = {}
        for decorator in node.decorator_list:
            if not isinstance(decorator, ast.Call):
                continue
            callee = self.env.qualify(decorator.func) or ""
            if callee.split(".")[-1] not in ("option", "argument"):
                continue
            dest = option_dest(decorator)
            if dest is None:
                continue
            default = next((k.value for k in decorator.keywords if k.arg == "default"), None)
            out[dest] = None if default is None else _Thunk(default, self.module)
        return out

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._function(node)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._function(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.env.local_classes.setdefault(node.name, []).extend(
            q for q in (self.env.qualify(b) for b in node.bases) if q
        )
        for base in (*node.bases, *node.keywords, *node.decorator_list):
            self.visit(base)
        self.class_depth += 1
        for child in node.body:
            # Dataclass, pydantic and plain class fields: attribute bindings.
            if (
                isinstance(child, ast.AnnAssign)
                and isinstance(child.target, ast.Name)
                and child.value is not None
            ):
                self.env.attributes.setdefault(child.target.id, []).append(
                    _Thunk(child.value, self.module)
                )
            elif isinstance(child, ast.Assign):
                for target in child.targets:
                    if isinstance(target, ast.Name):
                        self.env.attributes.setdefault(target.id, []).append(
                            _Thunk(child.value, self.module)
                        )
            self.visit(child)
        self.class_depth -= 1

    def visit_Call(self, node: ast.Call) -> None:
        self.calls.append((node, self.scope))
        if isinstance(node.func, ast.Attribute) and node.func.attr == "add_argument":
            dest = option_dest(node)
            if dest is not None:
                default = next((k.value for k in node.keywords if k.arg == "default"), None)
                binding: Binding = None if default is None else _Thunk(default, self.scope)
                self.env.options.setdefault(dest, []).append(binding)
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "set_defaults":
            for keyword in node.keywords:
                if keyword.arg:
                    self.env.options.setdefault(keyword.arg, []).append(
                        _Thunk(keyword.value, self.scope)
                    )
        self.generic_visit(node)


_DISPATCH: dict[type[ast.AST], Callable[[_Collector, ast.AST], None]] = {}


def _skip(self: _Collector, node: ast.AST) -> None:
    """Leaves (names, constants, contexts, operators) bind nothing and call nothing."""


# The collector walks every node of every analysed file; skipping the leaves' generic
# visit (and their ctx/operator children) saves a third of the walk.
for _leaf in (
    ast.Name,
    ast.Constant,
    *ast.expr_context.__subclasses__(),
    *ast.operator.__subclasses__(),
    *ast.cmpop.__subclasses__(),
    *ast.boolop.__subclasses__(),
    *ast.unaryop.__subclasses__(),
):
    setattr(_Collector, f"visit_{_leaf.__name__}", _skip)


def _bind_module(body: list[ast.stmt], scope: Scope) -> None:
    """Bind module-level names in source order (into if/try/with blocks, not functions)."""
    for stmt in body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    scope.bind(target.id, _Thunk(stmt.value, scope), stmt.lineno)
                else:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):
                            scope.bind(name.id, UNRESOLVED, stmt.lineno)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            if stmt.value is not None:
                scope.bind(stmt.target.id, _Thunk(stmt.value, scope), stmt.lineno)
        elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
            scope.bind(stmt.target.id, UNRESOLVED, stmt.lineno)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            for name in ast.walk(stmt.target):
                if isinstance(name, ast.Name):
                    scope.bind(name.id, UNRESOLVED, stmt.lineno)
            _bind_module(stmt.body, scope)
        elif isinstance(stmt, (ast.If, ast.While)):
            _bind_module(stmt.body, scope)
            _bind_module(stmt.orelse, scope)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                if item.optional_vars is not None:
                    for name in ast.walk(item.optional_vars):
                        if isinstance(name, ast.Name):
                            scope.bind(name.id, UNRESOLVED, stmt.lineno)
            _bind_module(stmt.body, scope)
        elif isinstance(stmt, ast.Try):
            for block in (stmt.body, stmt.orelse, stmt.finalbody):
                _bind_module(block, scope)
            for handler in stmt.handlers:
                _bind_module(handler.body, scope)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            scope.bind(stmt.name, UNRESOLVED, stmt.lineno)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                if alias.name != "*":
                    scope.bind((alias.asname or alias.name).split(".")[0], UNRESOLVED, stmt.lineno)


def _bind_call_sites(values: FileValues, functions: dict[str, list[_Function]]) -> None:
    """Parameters take the values passed at the file's own call sites (and their default)."""
    targets = {name: fs[0] for name, fs in functions.items() if len(fs) == 1}
    if not targets:
        return
    sites: dict[str, list[tuple[ast.Call, Scope]]] = {}
    for call, scope in values.calls:
        func = call.func
        if isinstance(func, ast.Name) and func.id in targets and not targets[func.id].is_method:
            sites.setdefault(func.id, []).append((call, scope))
        elif (
            isinstance(func, ast.Attribute)
            and func.attr in targets
            and targets[func.attr].is_method
            and isinstance(func.value, ast.Name)
            and func.value.id in ("self", "cls")
        ):
            sites.setdefault(func.attr, []).append((call, scope))
    for name, calls in sites.items():
        function = targets[name]
        params = function.params[1:] if function.is_method else function.params
        collected: dict[str, list[Binding]] = {p: [] for p in params}
        for call, scope in calls:
            opaque = any(isinstance(a, ast.Starred) for a in call.args) or any(
                k.arg is None for k in call.keywords
            )
            given: dict[str, ast.expr] = {k.arg: k.value for k in call.keywords if k.arg}
            for index, arg in enumerate(call.args):
                if index < len(params) and not isinstance(arg, ast.Starred):
                    given.setdefault(params[index], arg)
            for param in params:
                if param in given:
                    collected[param].append(_Thunk(given[param], scope))
                elif opaque:
                    collected[param].append(UNRESOLVED)
                elif param in function.defaults:
                    collected[param].append(function.defaults[param])
                else:
                    collected[param].append(UNRESOLVED)
        for param, bindings in collected.items():
            if bindings:
                function.scope.params[param] = bindings
    values.reset()


def analyse(tree: ast.Module, instance_classes: frozenset[str] = frozenset()) -> FileValues:
    """Bind every name, attribute and parameter of one parsed module.

    ``instance_classes`` are qualified class names whose instances are tracked, so a
    method called on ``api = HfApi()`` qualifies as ``huggingface_hub.HfApi.<method>``.
    """
    env = Env(instance_classes=instance_classes)
    module = Scope()
    values = FileValues(env, module)
    _bind_module(tree.body, module)
    collector = _Collector(values)
    collector.visit(tree)
    values.calls = sorted(collector.calls, key=lambda cs: (cs[0].lineno, cs[0].col_offset))
    _bind_call_sites(values, collector.functions)
    return values
