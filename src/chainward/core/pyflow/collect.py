"""The walk that fills a :class:`~chainward.core.pyflow.values.FileValues`: imports,
function scopes and parameters, local bindings, option defaults, class fields, and the
values passed to each function at its call sites in the file.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping

from chainward.core.pyflow.callsites import Found, Function, FunctionNode, bind_call_sites
from chainward.core.pyflow.module import bind_module, block_ends, tuple_names
from chainward.core.pyflow.values import (
    UNRESOLVED,
    Binding,
    Env,
    Evaluator,
    FileValues,
    Loop,
    Scope,
    Thunk,
    option_dest,
)


class _Collector(ast.NodeVisitor):
    """Function scopes, local bindings, option defaults, class fields."""

    def __init__(self, values: FileValues) -> None:
        self.values = values
        self.env = values.env
        self.module = values.module
        self.stack: list[Scope] = [self.module]
        self.functions: dict[str, list[Function]] = {}
        self.class_depth = 0
        self.calls: list[tuple[ast.Call, Scope]] = []
        self.globals: list[set[str]] = [set()]
        self.class_stack: list[str] = []
        self.methods: dict[tuple[str, str], list[Function]] = {}
        """Methods by (class, name), for calls on the class or its instances."""
        self.local_instances: dict[str, str | None] = {}
        """Names bound to an instance of a class of the file (None: also to another)."""
        self.rebound: set[str] = set()
        """Names bound anywhere so far (a partial is kept only for a name bound once)."""
        self.lambda_names: dict[int, str] = {}
        """``get = lambda name: ...``: the lambda node's id → the name it is bound to."""
        self.end = 0
        """The last line of the block of the statement being visited (0: none)."""
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
        if isinstance(node, ast.stmt):
            saved = self.end
            self.end = self.values.block_ends.get(node.lineno, 0)
            method(self, node)
            self.end = saved
            return
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
            if isinstance(value.func, ast.Name) and value.func.id in self.env.local_classes:
                known = self.local_instances.get(target.id, value.func.id)
                self.local_instances[target.id] = known if known == value.func.id else None
            first = target.id not in self.rebound
            if callee == "functools.partial" and value.args and first:
                self.env.partials[target.id] = value
                self.rebound.add(target.id)
                self._bind_plain(target, value)
                return
        if isinstance(target, ast.Name):
            self.rebound.add(target.id)
            self.env.partials.pop(target.id, None)  # bound to something else too
        self._bind_plain(target, value)

    def _bind_plain(self, target: ast.AST, value: ast.expr | None) -> None:
        if isinstance(target, ast.Name):
            if self.scope is self.module:
                return  # module names were bound in source order by bind_module
            if target.id in self.globals[-1]:
                # `global st_model; st_model = ...`: a module binding (seen by every
                # function, so no line order applies).
                self.module.bind(
                    target.id,
                    UNRESOLVED if value is None else Thunk(value, self.scope),
                    0,
                )
                return
            self.scope.bind(
                target.id,
                UNRESOLVED if value is None else Thunk(value, self.scope),
                target.lineno,
                self.end,
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
                    self.scope.bind(name.id, UNRESOLVED, name.lineno, self.end)
        elif isinstance(target, ast.Starred):
            self._bind(target.value, None)
        elif isinstance(target, ast.Attribute) and value is not None:
            # self.model_name = "org/x": an attribute binding.
            self.env.attributes.setdefault(target.attr, []).append(Thunk(value, self.scope))
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            # kwargs["revision"] = sha: the mapping with that key set.
            if value is None or isinstance(target.slice, ast.Slice):
                self._forget(target.value)
            else:
                self._mutate(target.value, [target.slice], [value])

    def _mutate(self, name: ast.Name, keys: list[ast.expr | None], values: list[ast.expr]) -> None:
        """``name`` rebound to ``{**name, key: value, **splat}`` (a dict changed in place)."""
        if self.scope is self.module or name.id in self.globals[-1]:
            return  # module names keep their source-order bindings
        before = ast.Name(id=name.id, ctx=ast.Load(), lineno=name.lineno, col_offset=0)
        merged = ast.Dict(keys=[None, *keys], values=[before, *values])
        self.scope.bind(name.id, Thunk(merged, self.scope), name.lineno, self.end)

    def _forget(self, name: ast.Name) -> None:
        """``name`` changed in a way not followed: unresolved from here."""
        if self.scope is not self.module and name.id not in self.globals[-1]:
            self.scope.bind(name.id, UNRESOLVED, name.lineno, self.end)

    def _dict_method(self, node: ast.Call) -> None:
        """``kwargs.update(revision=sha)`` and other in-place changes of a local mapping."""
        func = node.func
        if not isinstance(func, ast.Attribute) or not isinstance(func.value, ast.Name):
            return
        if func.attr != "update" or len(node.args) > 1:
            self._forget(func.value)
            return
        keys: list[ast.expr | None] = [None for _ in node.args]
        keys += [None if k.arg is None else ast.Constant(k.arg) for k in node.keywords]
        self._mutate(func.value, keys, [*node.args, *(k.value for k in node.keywords)])

    def visit_Assign(self, node: ast.Assign) -> None:
        if (
            isinstance(node.value, ast.Lambda)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            self.lambda_names[id(node.value)] = node.targets[0].id
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
        saved, self.end = self.end, 0  # an operand of an expression may not run
        self._bind(node.target, node.value)
        self.end = saved
        self.generic_visit(node)

    def _loop_target(self, target: ast.expr, iterable: ast.expr, end: int) -> None:
        if self.scope is self.module:
            return
        if isinstance(target, ast.Name) and isinstance(iterable, (ast.List, ast.Tuple)):
            for element in iterable.elts:
                if isinstance(element, ast.Starred):
                    self.scope.bind(target.id, UNRESOLVED, target.lineno, end)
                    return
                self.scope.bind(target.id, Thunk(element, self.scope), target.lineno, end)
            return
        if isinstance(target, ast.Name):
            self.scope.bind(target.id, Loop(iterable, self.scope), target.lineno, end)
            return
        names = tuple_names(target)
        if names:
            # for model_id, revision in PAIRS: each name takes its item of every element.
            for index, element in enumerate(names):
                self.scope.bind(element.id, Loop(iterable, self.scope, index), element.lineno, end)
            return
        saved, self.end = self.end, end
        self._bind(target, None)
        self.end = saved

    def visit_For(self, node: ast.For) -> None:
        self._loop_target(node.target, node.iter, self.end)
        self.generic_visit(node)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        self._loop_target(node.target, node.iter, self.end)
        self.generic_visit(node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        self._loop_target(node.target, node.iter, 0)
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
                own_defaults[arg.arg] = Thunk(default, self.scope)
            scope.params[arg.arg] = [own_defaults.get(arg.arg, UNRESOLVED)]
        for extra in (args.vararg, args.kwarg):
            if extra is not None:
                scope.params[extra.arg] = [UNRESOLVED]
        self.values.scopes[node] = scope
        if isinstance(node, ast.Lambda) and id(node) in self.lambda_names:
            # A named lambda takes the values passed where the file calls it, as a def does.
            self.functions.setdefault(self.lambda_names[id(node)], []).append(
                Function(node, scope, [a.arg for a in positional], own_defaults, False)
            )
        if not isinstance(node, ast.Lambda):
            for decorator in node.decorator_list:
                self.visit(decorator)
            for default_node in (*args.defaults, *(d for d in args.kw_defaults if d)):
                self.visit(default_node)
            is_method = self.class_depth > 0 and self.stack[-1] is self.module
            names = [a.arg for a in positional]
            function = Function(node, scope, names, own_defaults, is_method)
            self.functions.setdefault(node.name, []).append(function)
            if is_method and self.class_stack:
                self.methods.setdefault((self.class_stack[-1], node.name), []).append(function)
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
            out[dest] = None if default is None else Thunk(default, self.module)
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
        self.class_stack.append(node.name)
        for child in node.body:
            # Dataclass, pydantic and plain class fields: attribute bindings.
            if (
                isinstance(child, ast.AnnAssign)
                and isinstance(child.target, ast.Name)
                and child.value is not None
            ):
                self.env.attributes.setdefault(child.target.id, []).append(
                    Thunk(child.value, self.module)
                )
            elif isinstance(child, ast.Assign):
                for target in child.targets:
                    if isinstance(target, ast.Name):
                        self.env.attributes.setdefault(target.id, []).append(
                            Thunk(child.value, self.module)
                        )
            self.visit(child)
        self.class_stack.pop()
        self.class_depth -= 1

    def visit_Call(self, node: ast.Call) -> None:
        self.calls.append((node, self.scope))
        if isinstance(node.func, ast.Attribute) and node.func.attr in _DICT_METHODS:
            self._dict_method(node)
        if isinstance(node.func, ast.Attribute) and node.func.attr == "add_argument":
            dest = option_dest(node)
            if dest is not None:
                default = next((k.value for k in node.keywords if k.arg == "default"), None)
                binding: Binding = None if default is None else Thunk(default, self.scope)
                self.env.options.setdefault(dest, []).append(binding)
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "set_defaults":
            for keyword in node.keywords:
                if keyword.arg:
                    self.env.options.setdefault(keyword.arg, []).append(
                        Thunk(keyword.value, self.scope)
                    )
        self.generic_visit(node)


_DICT_METHODS = frozenset({"update", "pop", "popitem", "clear", "setdefault"})

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


def analyse(
    tree: ast.Module,
    instance_classes: frozenset[str] = frozenset(),
    evaluators: Mapping[str, Evaluator] | None = None,
) -> FileValues:
    """Bind every name, attribute and parameter of one parsed module.

    ``instance_classes`` are qualified class names whose instances are tracked, so a
    method called on ``api = HfApi()`` qualifies as ``huggingface_hub.HfApi.<method>``.
    ``evaluators`` give the value of calls of the named callees.
    """
    env = Env(instance_classes=instance_classes)
    module = Scope()
    values = FileValues(env, module, evaluators)
    values.block_ends = block_ends(tree)
    bind_module(tree.body, module)
    collector = _Collector(values)
    collector.visit(tree)
    values.calls = sorted(collector.calls, key=lambda cs: (cs[0].lineno, cs[0].col_offset))
    found = Found(
        collector.functions,
        collector.methods,
        collector.local_instances,
        frozenset(env.local_classes),
    )
    bind_call_sites(values, found)
    return values


def through_partial(partial: ast.Call, call: ast.Call) -> ast.Call:
    """``load = partial(AutoModel.from_pretrained, "org/x"); load()`` as the call it makes
    (at the line of ``load()``, where the download happens)."""
    merged = ast.Call(
        func=partial.args[0],
        args=[*partial.args[1:], *call.args],
        keywords=[*partial.keywords, *call.keywords],
    )
    return ast.copy_location(merged, call)
