"""Find model and dataset downloads in Python code (AST only; the code is never run).

``scan_source(rel, text)`` returns one :class:`ModelCall` per call that fetches a
model, dataset or hub repository, with the model id and the revision resolved as far
as the file allows: literals, module-level constants, local assignments, defaults of
function parameters (fire, typer), argparse and click options, and dataclass or class
fields, all declared in the same file. Import aliases are followed.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

FULL_SHA_RE = re.compile(r"^[0-9a-f]{40}$")
SHORT_SHA_RE = re.compile(r"^[0-9a-fA-F]{7,39}$")

# Libraries whose classes download with ``from_pretrained`` (a subclass defined in the
# project inherits it).
FROM_PRETRAINED_ROOTS = (
    "transformers",
    "diffusers",
    "sentence_transformers",
    "huggingface_hub",
    "optimum",
    "peft",
    "setfit",
    "span_marker",
    "gliner",
)

# datasets' packaged builders read local (or explicit URL) files, not a hub repository.
PACKAGED_BUILDERS = frozenset(
    {
        "json",
        "csv",
        "parquet",
        "text",
        "arrow",
        "pandas",
        "sql",
        "xml",
        "generator",
        "imagefolder",
        "audiofolder",
        "videofolder",
        "webdataset",
        "spark",
    }
)

FILE_SUFFIXES = (
    ".bin",
    ".pt",
    ".pth",
    ".ckpt",
    ".pkl",
    ".safetensors",
    ".gguf",
    ".onnx",
    ".json",
    ".h5",
    ".msgpack",
    ".joblib",
    ".npz",
)

RepoState = Literal["hub", "local", "unresolved", "builder"]
RevisionState = Literal["absent", "resolved", "unresolved"]


@dataclass(frozen=True, slots=True)
class ModelCall:
    """One call that downloads a model, dataset or hub repository.

    ``repo_id`` is the resolved Hugging Face id (or ``owner/repo`` for torch.hub, or the
    open_clip pretrained tag), None when it cannot be resolved. ``revision`` is the
    resolved revision (also one written into the name: ``hf-hub:org/x@rev``,
    ``owner/repo:ref``), None when absent or unresolved; ``revision_state`` tells which.
    """

    path: str
    line: int
    column: int
    api: str
    repo_id: str | None
    revision: str | None
    repo_state: RepoState = "hub"
    revision_state: RevisionState = "absent"
    kind: str = "model"
    trust_remote_code: bool = False
    pinnable: bool = True
    """False where the API offers no way to pin a revision (open_clip tags, timm names)."""
    note: str = ""

    @property
    def pinned(self) -> bool:
        """Whether the download names a full 40-hex commit."""
        return self.revision is not None and bool(FULL_SHA_RE.match(self.revision))


@dataclass(frozen=True, slots=True)
class TrustRemoteCode:
    """A call that passes ``trust_remote_code=True``."""

    path: str
    line: int
    column: int
    api: str


@dataclass
class SourceScan:
    """Everything ``scan_source_full`` found in one file."""

    calls: list[ModelCall] = field(default_factory=list)
    remote_code: list[TrustRemoteCode] = field(default_factory=list)


class _Unresolved:
    """Marker for a value the file does not determine."""

    __slots__ = ()

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "UNRESOLVED"


UNRESOLVED = _Unresolved()
Value = str | bool | int | float | None | dict[str, "Value"] | _Unresolved


def _const(node: ast.AST) -> Value:
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bool, int, float)):
        return node.value
    if isinstance(node, ast.Constant) and node.value is None:
        return None
    return UNRESOLVED


@dataclass
class _Scope:
    """Names bound in one function (or the module): name → every value assigned."""

    values: dict[str, list[Value]] = field(default_factory=dict)
    params: dict[str, Value] = field(default_factory=dict)
    parent: _Scope | None = None

    def bind(self, name: str, value: Value) -> None:
        self.values.setdefault(name, []).append(value)

    def lookup(self, name: str, env: _Env) -> Value:
        if name in self.values:
            options = self.values[name]
            if name in self.params:
                options = [*options, self.params[name]]
            return _single(options)
        if name in self.params:
            return self.params[name]
        if self.parent is not None:
            return self.parent.lookup(name, env)
        return UNRESOLVED


def _single(options: list[Value]) -> Value:
    """The one value all assignments agree on, else unresolved."""
    if not options or any(isinstance(v, _Unresolved) for v in options):
        return UNRESOLVED
    first = options[0]
    if all(v == first and type(v) is type(first) for v in options[1:]):
        return first
    return UNRESOLVED


@dataclass
class _Env:
    """What the file declares: import aliases, attribute defaults, local subclasses."""

    aliases: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, list[Value]] = field(default_factory=dict)
    subclasses: dict[str, str] = field(default_factory=dict)
    instances: dict[str, str] = field(default_factory=dict)

    def qualify(self, node: ast.AST) -> str | None:
        """The dotted name a callee refers to, through import aliases."""
        if isinstance(node, ast.Name):
            if node.id in self.aliases:
                return self.aliases[node.id]
            if node.id in self.subclasses:
                return self.subclasses[node.id]
            if node.id in self.instances:
                return self.instances[node.id]
            return node.id
        if isinstance(node, ast.Attribute):
            base = self.qualify(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call):
            # HfApi().snapshot_download(...) and similar.
            return self.qualify(node.func)
        return None


def _collect_imports(tree: ast.Module, env: _Env) -> None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    env.aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    env.aliases.setdefault(top, top)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                if alias.name == "*":
                    continue
                env.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"


class _Resolver:
    """Evaluates the few expression forms a model id or revision is written in."""

    def __init__(self, env: _Env, module_scope: _Scope) -> None:
        self.env = env
        self.module = module_scope

    def value(self, node: ast.AST | None, scope: _Scope, depth: int = 0) -> Value:
        if node is None or depth > 20:
            return UNRESOLVED
        if isinstance(node, ast.Constant):
            return _const(node)
        if isinstance(node, ast.Name):
            return scope.lookup(node.id, self.env)
        if isinstance(node, ast.JoinedStr):
            parts: list[str] = []
            for part in node.values:
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    parts.append(part.value)
                elif isinstance(part, ast.FormattedValue) and part.format_spec is None:
                    inner = self.value(part.value, scope, depth + 1)
                    if not isinstance(inner, str):
                        return UNRESOLVED
                    parts.append(inner)
                else:
                    return UNRESOLVED
            return "".join(parts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left = self.value(node.left, scope, depth + 1)
            right = self.value(node.right, scope, depth + 1)
            if isinstance(left, str) and isinstance(right, str):
                return left + right
            return UNRESOLVED
        if isinstance(node, ast.IfExp):
            return _single(
                [self.value(node.body, scope, depth + 1), self.value(node.orelse, scope, depth + 1)]
            )
        if isinstance(node, ast.Attribute):
            options = self.env.attributes.get(node.attr)
            if options:
                return _single(options)
            return UNRESOLVED
        if isinstance(node, ast.Subscript):
            container = self.value(node.value, scope, depth + 1)
            key = self.value(node.slice, scope, depth + 1)
            if isinstance(container, dict) and isinstance(key, str):
                return container.get(key, UNRESOLVED)
            return UNRESOLVED
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
        if isinstance(node, ast.Call):
            callee = self.env.qualify(node.func) or ""
            # typer.Option("default") / typer.Argument("default") as a parameter default.
            if callee.split(".")[-1] in ("Option", "Argument") and callee.startswith("typer"):
                if node.args:
                    return self.value(node.args[0], scope, depth + 1)
                return _keyword_value(self, node, "default", scope)
            # dataclasses.field(default=...)
            if callee in ("field", "dataclasses.field"):
                return _keyword_value(self, node, "default", scope)
            return UNRESOLVED
        return UNRESOLVED


def _keyword_value(resolver: _Resolver, call: ast.Call, name: str, scope: _Scope) -> Value:
    for keyword in call.keywords:
        if keyword.arg == name:
            return resolver.value(keyword.value, scope)
    return UNRESOLVED


def _option_dest(call: ast.Call) -> str | None:
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


class _Collector(ast.NodeVisitor):
    """Second pass: function scopes, option defaults, class fields, local subclasses.

    Module-level constants are bound before this pass (``_bind_module``), so defaults
    that name a constant declared further down still resolve.
    """

    def __init__(self, env: _Env, module: _Scope) -> None:
        self.env = env
        self.module = module
        self.scopes: dict[ast.AST, _Scope] = {}
        self.stack: list[_Scope] = [module]
        self.resolver = _Resolver(env, module)

    @property
    def scope(self) -> _Scope:
        return self.stack[-1]

    def _note_instance(self, target: ast.AST, value: ast.AST | None) -> None:
        if isinstance(target, ast.Name) and isinstance(value, ast.Call):
            callee = self.env.qualify(value.func) or ""
            if callee.startswith("huggingface_hub") and callee.endswith("HfApi"):
                self.env.instances[target.id] = "huggingface_hub.HfApi"

    def _bind(self, target: ast.AST, value: ast.AST | None) -> None:
        self._note_instance(target, value)
        if self.scope is self.module:
            return
        if isinstance(target, ast.Name):
            self.scope.bind(
                target.id, UNRESOLVED if value is None else self.resolver.value(value, self.scope)
            )
        elif isinstance(target, (ast.Tuple, ast.List, ast.Starred)):
            for name in ast.walk(target):
                if isinstance(name, ast.Name):
                    self.scope.bind(name.id, UNRESOLVED)
        elif isinstance(target, ast.Attribute) and value is not None:
            # self.model_name = "org/x": an attribute default.
            self.env.attributes.setdefault(target.attr, []).append(
                self.resolver.value(value, self.scope)
            )

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._bind(target, node.value)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._bind(node.target, node.value)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._bind(node.target, None)
        self.generic_visit(node)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self._bind(node.target, node.value)
        self.generic_visit(node)

    def visit_For(self, node: ast.For) -> None:
        self._bind(node.target, None)
        self.generic_visit(node)

    def visit_With(self, node: ast.With) -> None:
        for item in node.items:
            if item.optional_vars is not None:
                self._bind(item.optional_vars, None)
        self.generic_visit(node)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        scope = _Scope(parent=self.module)
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
        defaults += list(args.defaults)
        pairs: list[tuple[ast.arg, ast.expr | None]] = list(zip(positional, defaults, strict=True))
        pairs += list(zip(args.kwonlyargs, args.kw_defaults, strict=True))
        options = {} if isinstance(node, ast.Lambda) else self._click_defaults(node)
        for arg, default in pairs:
            if arg.arg in options:
                scope.params[arg.arg] = options[arg.arg]
            elif default is not None:
                scope.params[arg.arg] = self.resolver.value(default, self.module)
            else:
                scope.params[arg.arg] = UNRESOLVED
        for extra in (args.vararg, args.kwarg):
            if extra is not None:
                scope.params[extra.arg] = UNRESOLVED
        self.scopes[node] = scope
        if not isinstance(node, ast.Lambda):
            for decorator in node.decorator_list:
                self.visit(decorator)
        self.stack.append(scope)
        body = [node.body] if isinstance(node, ast.Lambda) else node.body
        for child in body:
            self.visit(child)
        self.stack.pop()

    def _click_defaults(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, Value]:
        out: dict[str, Value] = {}
        for decorator in node.decorator_list:
            if not isinstance(decorator, ast.Call):
                continue
            callee = self.env.qualify(decorator.func) or ""
            if callee.split(".")[-1] not in ("option", "argument"):
                continue
            dest = _option_dest(decorator)
            if dest is None:
                continue
            if any(k.arg == "default" for k in decorator.keywords):
                out[dest] = _keyword_value(self.resolver, decorator, "default", self.module)
            else:
                out[dest] = None
        return out

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._function(node)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._function(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for base in node.bases:
            qualified = self.env.qualify(base) or ""
            if qualified.split(".")[0] in FROM_PRETRAINED_ROOTS:
                self.env.subclasses[node.name] = qualified
        for child in node.body:
            # Dataclass, pydantic and plain class fields: attribute defaults.
            if (
                isinstance(child, ast.AnnAssign)
                and isinstance(child.target, ast.Name)
                and child.value is not None
            ):
                self.env.attributes.setdefault(child.target.id, []).append(
                    self.resolver.value(child.value, self.module)
                )
            elif isinstance(child, ast.Assign):
                for target in child.targets:
                    if isinstance(target, ast.Name):
                        self.env.attributes.setdefault(target.id, []).append(
                            self.resolver.value(child.value, self.module)
                        )
            self.visit(child)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Attribute) and node.func.attr == "add_argument":
            dest = _option_dest(node)
            if dest is not None:
                has_default = any(k.arg == "default" for k in node.keywords)
                value: Value = (
                    _keyword_value(self.resolver, node, "default", self.scope)
                    if has_default
                    else None
                )
                self.env.attributes.setdefault(dest, []).append(value)
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "set_defaults":
            for keyword in node.keywords:
                if keyword.arg:
                    self.env.attributes.setdefault(keyword.arg, []).append(
                        self.resolver.value(keyword.value, self.scope)
                    )
        self.generic_visit(node)


def _bind_module(body: list[ast.stmt], scope: _Scope, resolver: _Resolver) -> None:
    """Bind module-level names in source order (into if/try/with blocks, not functions)."""
    for stmt in body:
        if isinstance(stmt, ast.Assign):
            value = resolver.value(stmt.value, scope)
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    scope.bind(target.id, value)
                else:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):
                            scope.bind(name.id, UNRESOLVED)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            if stmt.value is not None:
                scope.bind(stmt.target.id, resolver.value(stmt.value, scope))
        elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
            scope.bind(stmt.target.id, UNRESOLVED)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            for name in ast.walk(stmt.target):
                if isinstance(name, ast.Name):
                    scope.bind(name.id, UNRESOLVED)
            _bind_module(stmt.body, scope, resolver)
        elif isinstance(stmt, (ast.If, ast.While)):
            _bind_module(stmt.body, scope, resolver)
            _bind_module(stmt.orelse, scope, resolver)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                if item.optional_vars is not None:
                    for name in ast.walk(item.optional_vars):
                        if isinstance(name, ast.Name):
                            scope.bind(name.id, UNRESOLVED)
            _bind_module(stmt.body, scope, resolver)
        elif isinstance(stmt, ast.Try):
            for block in (stmt.body, stmt.orelse, stmt.finalbody):
                _bind_module(block, scope, resolver)
            for handler in stmt.handlers:
                _bind_module(handler.body, scope, resolver)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            scope.bind(stmt.name, UNRESOLVED)


# ---------------------------------------------------------------------------- APIs

ApiStyle = Literal["hf", "dataset", "timm", "open_clip", "torch_hub"]


@dataclass(frozen=True, slots=True)
class _Api:
    """Where a download API takes its repository and its revision."""

    repo_pos: int | None
    repo_kw: tuple[str, ...]
    style: ApiStyle = "hf"
    rev_pos: int | None = None
    rev_kw: tuple[str, ...] = ("revision",)


_FROM_PRETRAINED = _Api(0, ("pretrained_model_name_or_path",))
_PEFT_MODEL = _Api(1, ("model_id",))
_HUB = _Api(0, ("repo_id",))
_PIPELINE = _Api(1, ("model",))
_LOAD_DATASET = _Api(0, ("path",), style="dataset", rev_pos=12)
_DATASET_BUILDER = _Api(0, ("path",), style="dataset", rev_pos=9)
_SENTENCE = _Api(0, ("model_name_or_path",), rev_pos=8)
_CROSS = _Api(0, ("model_name_or_path", "model_name"))
_TIMM = _Api(0, ("model_name",), style="timm")
_OPEN_CLIP = _Api(0, ("model_name",), style="open_clip")
_TORCH_HUB = _Api(0, ("repo_or_dir", "github"), style="torch_hub")

_HUB_FUNCTIONS = (
    "hf_hub_download",
    "snapshot_download",
    "from_pretrained_keras",
    "from_pretrained_fastai",
)


def _match_api(qualified: str) -> _Api | None:
    parts = qualified.split(".")
    root, last = parts[0], parts[-1]
    if last == "from_pretrained" and root in FROM_PRETRAINED_ROOTS:
        if root == "peft" and len(parts) >= 3:
            owner = parts[-2]
            if owner.startswith(("PeftModel", "PeftMixedModel")):
                return _PEFT_MODEL
        return _FROM_PRETRAINED
    if root == "transformers" and last == "pipeline":
        return _PIPELINE
    if root == "huggingface_hub" and last in _HUB_FUNCTIONS:
        return _HUB
    if root == "datasets" and last == "load_dataset":
        return _LOAD_DATASET
    if root == "datasets" and last == "load_dataset_builder":
        return _DATASET_BUILDER
    if root == "sentence_transformers" and last == "SentenceTransformer":
        return _SENTENCE
    if root == "sentence_transformers" and last in ("CrossEncoder", "SparseEncoder"):
        return _CROSS
    if root == "timm" and last == "create_model":
        return _TIMM
    if root == "open_clip" and last in (
        "create_model",
        "create_model_and_transforms",
        "create_model_from_pretrained",
        "get_tokenizer",
    ):
        return _OPEN_CLIP
    if qualified in ("torch.hub.load", "torch.hub.list", "torch.hub.help"):
        return _TORCH_HUB
    return None


HF_ID_RE = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


def is_local_path(value: str, exists: Callable[[str], bool] | None = None) -> bool:
    """Whether a model argument names a local path rather than a hub id."""
    if not value or value in (".", ".."):
        return True
    if value.startswith(("./", "../", "/", "~", "\\", ".\\", "file:")):
        return True
    if re.match(r"^[A-Za-z]:[\\/]", value):
        return True
    if value.count("/") >= 2 or "\\" in value:
        return True
    if value.lower().endswith(FILE_SUFFIXES):
        return True
    if not HF_ID_RE.match(value):
        return True
    return exists is not None and exists(value)


@dataclass
class _CallArgs:
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


def _call_args(call: ast.Call, resolver: _Resolver, scope: _Scope) -> _CallArgs:
    keywords: dict[str, ast.expr] = {}
    splat: dict[str, Value] = {}
    opaque = False
    for keyword in call.keywords:
        if keyword.arg is not None:
            keywords[keyword.arg] = keyword.value
            continue
        mapping = resolver.value(keyword.value, scope)
        if isinstance(mapping, dict):
            splat.update(mapping)
        else:
            opaque = True
    star = any(isinstance(a, ast.Starred) for a in call.args)
    return _CallArgs(call, keywords, splat, opaque, star)


class _CallFinder(ast.NodeVisitor):
    """Third pass: every download call and every ``trust_remote_code=True``."""

    def __init__(
        self,
        rel: str,
        env: _Env,
        module: _Scope,
        scopes: dict[ast.AST, _Scope],
        exists: Callable[[str], bool] | None,
    ) -> None:
        self.rel = rel
        self.env = env
        self.scopes = scopes
        self.stack: list[_Scope] = [module]
        self.resolver = _Resolver(env, module)
        self.exists = exists
        self.result = SourceScan()

    def _enter(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        self.stack.append(self.scopes.get(node, self.stack[0]))
        self.generic_visit(node)
        self.stack.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._enter(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._enter(node)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._enter(node)

    def visit_Call(self, node: ast.Call) -> None:
        scope = self.stack[-1]
        qualified = self.env.qualify(node.func) or ""
        args = _call_args(node, self.resolver, scope)
        trust = args.keywords.get("trust_remote_code")
        trust_value = (
            self.resolver.value(trust, scope)
            if trust is not None
            else args.splat_values.get("trust_remote_code", False)
        )
        if trust_value is True:
            self.result.remote_code.append(
                TrustRemoteCode(self.rel, node.lineno, node.col_offset + 1, qualified or "call")
            )
        api = _match_api(qualified) if qualified else None
        offline = args.keywords.get("local_files_only")
        if offline is not None and self.resolver.value(offline, scope) is True:
            api = None  # reads the local cache only; nothing is fetched
        if api is not None:
            call = self._model_call(node, qualified, api, args, scope, trust_value is True)
            if call is not None:
                self.result.calls.append(call)
        self.generic_visit(node)

    def _revision(
        self, api: _Api, args: _CallArgs, scope: _Scope
    ) -> tuple[str | None, RevisionState]:
        node = args.get(api.rev_pos, api.rev_kw)
        if node is None:
            for name in api.rev_kw:
                if name in args.splat_values:
                    value = args.splat_values[name]
                    break
            else:
                if args.maybe_hidden(api.rev_pos):
                    return None, "unresolved"
                return None, "absent"
        else:
            value = self.resolver.value(node, scope)
        if value is None:
            return None, "absent"
        if isinstance(value, str):
            return value, "resolved"
        return None, "unresolved"

    def _model_call(
        self,
        node: ast.Call,
        qualified: str,
        api: _Api,
        args: _CallArgs,
        scope: _Scope,
        trust: bool,
    ) -> ModelCall | None:
        repo_node = args.get(api.repo_pos, api.repo_kw)
        if repo_node is None:
            # pipeline("task") with no model, SentenceTransformer() and the like.
            if api in (_PIPELINE, _SENTENCE, _CROSS) and not args.maybe_hidden(api.repo_pos):
                return None
            repo: Value = UNRESOLVED
        else:
            repo = self.resolver.value(repo_node, scope)
        revision, rev_state = self._revision(api, args, scope)
        base = ModelCall(
            self.rel,
            node.lineno,
            node.col_offset + 1,
            qualified,
            None,
            None,
            trust_remote_code=trust,
        )
        if api.style == "timm":
            return self._timm(base, repo, args, scope)
        if api.style == "open_clip":
            return self._open_clip(base, repo, args, scope)
        if api.style == "torch_hub":
            return self._torch_hub(base, repo, args, scope)
        kind = "dataset" if api.style == "dataset" else "model"
        repo_type = args.keywords.get("repo_type")
        if repo_type is not None:
            repo_type_value = self.resolver.value(repo_type, scope)
            if isinstance(repo_type_value, str):
                kind = repo_type_value
        if not isinstance(repo, str):
            return replace(
                base,
                repo_id=None,
                revision=revision,
                repo_state="unresolved",
                revision_state=rev_state,
                kind=kind,
            )
        if api.style == "dataset" and repo.lower() in PACKAGED_BUILDERS:
            return replace(
                base,
                repo_id=None,
                revision=revision,
                repo_state="builder",
                revision_state=rev_state,
                kind=kind,
            )
        state: RepoState = "local" if is_local_path(repo, self.exists) else "hub"
        return replace(
            base,
            repo_id=repo,
            revision=revision,
            repo_state=state,
            revision_state=rev_state,
            kind=kind,
        )

    def _hf_hub_name(self, name: str) -> tuple[str, str | None] | None:
        for prefix in ("hf-hub:", "hf_hub:"):
            if name.startswith(prefix):
                rest = name[len(prefix) :]
                repo, _, revision = rest.partition("@")
                return repo, (revision or None)
        return None

    def _timm(
        self, base: ModelCall, repo: Value, args: _CallArgs, scope: _Scope
    ) -> ModelCall | None:
        if not isinstance(repo, str):
            return replace(base, repo_id=None, revision=None, repo_state="unresolved")
        hub = self._hf_hub_name(repo)
        if hub is not None:
            repo_id, revision = hub
            return replace(
                base,
                repo_id=repo_id,
                revision=revision,
                repo_state="hub",
                revision_state="resolved" if revision else "absent",
            )
        pretrained_node = args.get(1, ("pretrained",))
        pretrained = self.resolver.value(pretrained_node, scope) if pretrained_node else False
        overlay = args.keywords.get("pretrained_cfg_overlay")
        if overlay is not None or "checkpoint_path" in args.keywords:
            return None  # weights from a local file
        if pretrained is False or pretrained is None:
            return None
        if not isinstance(pretrained, bool):
            return replace(base, repo_id=repo, revision=None, repo_state="unresolved")
        return replace(
            base,
            repo_id=repo,
            revision=None,
            repo_state="hub",
            pinnable=False,
            note="timm downloads the pretrained weights of this architecture from the hub",
        )

    def _open_clip(
        self, base: ModelCall, repo: Value, args: _CallArgs, scope: _Scope
    ) -> ModelCall | None:
        if not isinstance(repo, str):
            return replace(base, repo_id=None, revision=None, repo_state="unresolved")
        hub = self._hf_hub_name(repo)
        if hub is not None:
            return replace(
                base,
                repo_id=hub[0],
                revision=hub[1],
                repo_state="hub",
                pinnable=False,
                revision_state="resolved" if hub[1] else "absent",
                note="open_clip fetches hf-hub: models at the hub's current revision",
            )
        if base.api.endswith("get_tokenizer"):
            return None
        pretrained_node = args.get(1, ("pretrained",))
        if pretrained_node is None:
            return None
        pretrained = self.resolver.value(pretrained_node, scope)
        if pretrained is None:
            return None
        if not isinstance(pretrained, str):
            return replace(base, repo_id=None, revision=None, repo_state="unresolved")
        if is_local_path(pretrained, self.exists) and (
            "/" in pretrained or pretrained.lower().endswith(FILE_SUFFIXES)
        ):
            return None
        return replace(
            base,
            repo_id=f"{repo}:{pretrained}",
            revision=None,
            repo_state="hub",
            pinnable=False,
            note="open_clip downloads a pretrained tag's weights at the hub's current revision",
        )

    def _torch_hub(
        self, base: ModelCall, repo: Value, args: _CallArgs, scope: _Scope
    ) -> ModelCall | None:
        source_node = args.keywords.get("source")
        source = self.resolver.value(source_node, scope) if source_node is not None else "github"
        if source == "local":
            return None
        if not isinstance(repo, str) or not isinstance(source, str):
            return replace(base, repo_id=None, revision=None, repo_state="unresolved", kind="code")
        if repo.startswith(("./", "../", "/", "~")):
            return None
        name, _, ref = repo.partition(":")
        return replace(
            base,
            repo_id=name,
            revision=ref or None,
            repo_state="hub",
            kind="code",
            revision_state="resolved" if ref else "absent",
        )


def scan_source_full(
    rel: str, text: str, *, exists: Callable[[str], bool] | None = None
) -> SourceScan:
    """Every download call and ``trust_remote_code=True`` in one Python file.

    Raises SyntaxError (with ``lineno``/``offset``) when the file does not parse.
    """
    try:
        tree = ast.parse(text, filename=rel)
    except MemoryError:
        # CPython's parser raises MemoryError when its own stack overflows, on inputs of
        # a few kilobytes (1,000 repetitions of `'x', t `): too complex, not out of memory.
        raise SyntaxError("too complex for the Python parser", (rel, None, None, None)) from None
    env = _Env()
    _collect_imports(tree, env)
    module = _Scope()
    resolver = _Resolver(env, module)
    _bind_module(tree.body, module, resolver)
    collector = _Collector(env, module)
    collector.visit(tree)
    finder = _CallFinder(rel, env, module, collector.scopes, exists)
    finder.visit(tree)
    return finder.result


def scan_source(
    rel: str, text: str, *, exists: Callable[[str], bool] | None = None
) -> list[ModelCall]:
    """The model, dataset and hub downloads in one Python file (see :class:`ModelCall`)."""
    return scan_source_full(rel, text, exists=exists).calls
