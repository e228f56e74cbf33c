"""Model references in Python code (AST only; the code is never run).

:func:`scan_source` returns one :class:`~.records.ModelCall` per call that fetches a
model, dataset or hub repository. The callee is matched against the hub-loader table
(:mod:`.loaders`, data in ``inventory/data/hub-loaders.toml``); the model id and the
revision are resolved as far as the file allows by the intra-file data flow of
:mod:`chainward.core.pyflow`. ``from_pretrained`` of the project's own subclasses of
hub classes is found with ``hub_classes`` (see :func:`project_hub_classes`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace

from chainward.core.pyflow.collect import analyse, through_partial
from chainward.core.pyflow.parse import parse_source
from chainward.core.pyflow.values import (
    UNRESOLVED,
    FileValues,
    Many,
    Scope,
    Value,
    strings,
)
from chainward.inventory.model_refs.callargs import CallArgs, call_args
from chainward.inventory.model_refs.loaders import (
    INSTANCE_CLASSES,
    SUBCLASS_LOADER,
    Loader,
    is_hub_base,
    match_loader,
)
from chainward.inventory.model_refs.mocks import is_mocked, mocked_scopes
from chainward.inventory.model_refs.records import (
    FILE_SUFFIXES,
    PACKAGED_BUILDERS,
    ModelCall,
    RepoState,
    RevisionState,
    SourceScan,
    TrustRemoteCode,
    is_local_path,
    judge_revision,
    merge_strings,
)
from chainward.inventory.model_refs.urls import EVALUATORS, file_url_call


def project_hub_classes(classes: Iterable[Mapping[str, list[str]]]) -> frozenset[str]:
    """Names of project classes that derive, directly or through other project classes,
    from a hub-loading class (so their ``from_pretrained`` downloads)."""
    bases: dict[str, set[str]] = {}
    for per_file in classes:
        for name, qualified_bases in per_file.items():
            bases.setdefault(name, set()).update(qualified_bases)
    hub = {n for n, qs in bases.items() if any(is_hub_base(q) for q in qs)}
    changed = True
    while changed:
        changed = False
        for name, qualified in bases.items():
            if name not in hub and any(q.rsplit(".", 1)[-1] in hub for q in qualified):
                hub.add(name)
                changed = True
    return frozenset(hub)


_WRITERS = frozenset(
    {"save_pretrained", "save_model", "save_adapter", "save_to_disk", "makedirs", "mkdir"}
)
_OUTPUT_KEYWORDS = frozenset({"output_dir", "save_dir", "output_path", "logging_dir"})


class _CallFinder:
    """Every download call and every ``trust_remote_code=True`` in one module."""

    def __init__(
        self,
        rel: str,
        values: FileValues,
        exists: Callable[[str], bool] | None,
        hub_classes: frozenset[str],
        imported_roots: frozenset[str],
        assume_subclasses: bool = False,
    ) -> None:
        self.rel = rel
        self.values = values
        self.exists = exists
        self.hub_classes = hub_classes
        self.imported_roots = imported_roots
        self.assume_subclasses = assume_subclasses
        self.result = SourceScan()
        self.written: set[str] = set()

    def _match(self, qualified: str) -> tuple[Loader | None, str | None]:
        """The loader row of a callee, and the class it is assumed to derive from a hub
        class (``assume_subclasses``), if any."""
        loader = match_loader(qualified, self.imported_roots)
        if loader is not None:
            return loader, None
        parts = qualified.split(".")
        if len(parts) >= 2 and parts[-1] == "from_pretrained":
            if parts[-2] in self.hub_classes:
                return SUBCLASS_LOADER, None
            if self.assume_subclasses:
                return SUBCLASS_LOADER, parts[-2]
        return None, None

    def _revision_keyword(self, node: ast.Call) -> bool:
        """``<unknown>.from_pretrained(..., revision=...)``: only hub loaders take one."""
        return (
            isinstance(node.func, ast.Attribute)
            and node.func.attr == "from_pretrained"
            and any(k.arg == "revision" for k in node.keywords)
        )

    def _written_paths(self) -> set[str]:
        """Values the file saves into or creates (``save_pretrained(out)``,
        ``output_dir=out``): loading them later reads a local folder, not the hub."""
        out: set[str] = set()
        for node, scope in self.values.calls:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            targets: list[ast.expr] = []
            if name in _WRITERS and node.args:
                targets.append(node.args[0])
            targets += [k.value for k in node.keywords if k.arg in _OUTPUT_KEYWORDS]
            for target in targets:
                out.update(strings(self.values.value(target, scope)) or ())
        return out

    def visit(self) -> None:
        self.written = self._written_paths()
        mocked = mocked_scopes(self.values)
        for node, scope in self.values.calls:
            if not is_mocked(self.values.env.qualify(node.func) or "", scope, mocked):
                self.visit_call(node, scope)

    def visit_call(self, node: ast.Call, scope: Scope) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in self.values.env.partials:
            node = through_partial(self.values.env.partials[node.func.id], node)
        qualified = self.values.env.qualify(node.func) or ""
        args = call_args(node, self.values, scope)
        trust = args.keywords.get("trust_remote_code")
        trust_value = (
            self.values.value(trust, scope)
            if trust is not None
            else args.splat_values.get("trust_remote_code", False)
        )
        if trust_value is True:
            self.result.remote_code.append(
                TrustRemoteCode(self.rel, node.lineno, node.col_offset + 1, qualified or "call")
            )
        loader, condition = self._match(qualified) if qualified else (None, None)
        if self._revision_keyword(node):
            condition = None  # a hub loader whatever the class derives from
            loader = loader or SUBCLASS_LOADER
        offline = args.keywords.get("local_files_only")
        if offline is not None and self.values.value(offline, scope) is True:
            loader = None  # reads the local cache only; nothing is fetched
        if loader is not None:
            call = self._model_call(node, qualified, loader, args, scope, trust_value is True)
            if call is not None:
                if condition is not None:
                    self.result.conditions[len(self.result.calls)] = condition
                self.result.calls.append(call)

    def _revision(
        self, api: Loader, args: CallArgs, scope: Scope
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
            value = self.values.value(node, scope)
        return judge_revision(value)

    def _repo(self, value: Value) -> tuple[str | None, RepoState, str]:
        """The hub id a value names (the first of several), its state and a note."""
        options = strings(value)
        if options is None:
            if isinstance(value, Many) and all(
                v is None or isinstance(v, str) for v in value.options
            ):
                options = [str(v) for v in value.options if isinstance(v, str)]
            else:
                return None, "unresolved", ""
        hub = [o for o in options if not is_local_path(o, self.exists) and o not in self.written]
        if not hub:
            return (options[0] if options else None), "local", ""
        others = hub[1:]
        note = "or " + ", ".join(repr(o) for o in others[:3]) if others else ""
        return hub[0], "hub", note

    def _model_call(
        self,
        node: ast.Call,
        qualified: str,
        api: Loader,
        args: CallArgs,
        scope: Scope,
        trust: bool,
    ) -> ModelCall | None:
        repo_node = args.get(api.repo_pos, api.repo_kw)
        if repo_node is None:
            # pipeline("task") with no model, SentenceTransformer() and the like.
            if api.optional_repo and not args.maybe_hidden(api.repo_pos):
                return None
            for name in api.repo_kw:
                if name in args.splat_values:
                    repo: Value = args.splat_values[name]
                    break
            else:
                repo = UNRESOLVED
        else:
            repo = self.values.value(repo_node, scope)
        revision, rev_state = self._revision(api, args, scope)
        base = ModelCall(
            self.rel,
            node.lineno,
            node.col_offset + 1,
            qualified,
            None,
            None,
            trust_remote_code=trust,
            pinnable=api.pinnable,
            note=api.note,
            hub=api.hub,
            kind=api.kind,
            style=api.style,
            revision_keyword=api.rev_kw[0],
        )
        if api.style in ("timm", "open_clip"):
            if not isinstance(repo, str):
                return _unresolved(base)
            hub = self._hf_hub_name(repo)
            if hub is None:
                own = self._timm if api.style == "timm" else self._open_clip
                return own(base, repo, args, scope)
            if api.style == "timm":
                return _hf_hub_call(base, *hub)
            note = "open_clip fetches hf-hub: models at the hub's current revision"
            return replace(_hf_hub_call(base, *hub), pinnable=False, note=note)
        if api.style == "torch_hub":
            return self._torch_hub(base, repo, args, scope)
        if api.style == "hf_url":
            return self._hf_url(base, repo)
        if api.style == "hffs":
            return self._hffs(base, repo)
        if api.style in ("file_url", "fetch"):
            return file_url_call(base, repo, fetch=api.style == "fetch")
        kind = api.kind
        repo_type = args.keywords.get("repo_type")
        if repo_type is not None:
            repo_type_value = self.values.value(repo_type, scope)
            if isinstance(repo_type_value, str):
                kind = repo_type_value
        base = replace(base, kind=kind, revision=revision, revision_state=rev_state)
        if isinstance(repo, str) and api.style == "dataset" and repo.lower() in PACKAGED_BUILDERS:
            return replace(base, repo_state="builder")
        if api.style == "dataset" and isinstance(repo, Many):
            options = [o for o in repo.options if isinstance(o, str)]
            repo = merge_strings([o for o in options if o.lower() not in PACKAGED_BUILDERS])
        repo_id, state, note = self._repo(repo)
        if repo_id is None:
            return replace(base, repo_state="unresolved")
        if state == "hub" and api.default_org and "/" not in repo_id:
            repo_id = f"{api.default_org}/{repo_id}"
        return replace(
            base,
            repo_id=repo_id,
            repo_state=state,
            note="; ".join(n for n in (base.note, note) if n),
        )

    def _hf_hub_name(self, name: str) -> tuple[str, str | None] | None:
        for prefix in ("hf-hub:", "hf_hub:", "hf://"):
            if name.startswith(prefix):
                rest = name[len(prefix) :]
                repo, _, revision = rest.partition("@")
                return repo, (revision or None)
        return None

    def _hf_url(self, base: ModelCall, repo: Value) -> ModelCall | None:
        options = strings(repo)
        if options is None:
            return replace(base, repo_state="unresolved")
        for option in options:
            hub = self._hf_hub_name(option)
            if hub is not None:
                return replace(base, repo_id=hub[0], repo_state="hub")
        return None  # a preset name (Kaggle) or a local folder

    def _hffs(self, base: ModelCall, repo: Value) -> ModelCall | None:
        options = strings(repo)
        if options is None:
            return replace(base, repo_state="unresolved")
        path = options[0].removeprefix("hf://")
        kind = "model"
        for prefix, name in (("datasets/", "dataset"), ("spaces/", "space")):
            if path.startswith(prefix):
                path, kind = path[len(prefix) :], name
        parts = path.split("/")
        if len(parts) < 2:
            return replace(base, repo_state="unresolved")
        # "gpt2@<rev>/config.json" names a repository without an organisation.
        repo_id = parts[0] if "@" in parts[0] else "/".join(parts[:2])
        repo_id, _, written = repo_id.partition("@")
        revision, state = judge_revision(written or None)
        return replace(
            base,
            repo_id=repo_id,
            repo_state="hub",
            kind=kind,
            revision=revision,
            revision_state=state,
        )

    def _timm(self, base: ModelCall, repo: str, args: CallArgs, scope: Scope) -> ModelCall | None:
        """A timm architecture name (``hf-hub:`` ids are handled by the caller)."""
        pretrained_node = args.get(1, ("pretrained",))
        pretrained = self.values.value(pretrained_node, scope) if pretrained_node else False
        overlay = args.keywords.get("pretrained_cfg_overlay")
        if overlay is not None or "checkpoint_path" in args.keywords:
            return None  # weights from a local file
        if pretrained is False or pretrained is None:
            return None
        if not isinstance(pretrained, bool):
            return replace(base, repo_id=repo, revision=None, repo_state="unresolved")
        return _unpinnable(
            base, repo, "timm downloads the pretrained weights of this architecture from the hub"
        )

    def _open_clip(
        self, base: ModelCall, repo: str, args: CallArgs, scope: Scope
    ) -> ModelCall | None:
        """An open_clip architecture and pretrained tag (``hf-hub:`` ids: the caller)."""
        if base.api.endswith("get_tokenizer"):
            return None
        pretrained_node = args.get(1, ("pretrained",))
        if pretrained_node is None:
            return None
        pretrained = self.values.value(pretrained_node, scope)
        if pretrained is None:
            return None
        if not isinstance(pretrained, str):
            return _unresolved(base)
        if is_local_path(pretrained, self.exists) and (
            "/" in pretrained or pretrained.lower().endswith(FILE_SUFFIXES)
        ):
            return None
        return _unpinnable(
            base,
            f"{repo}:{pretrained}",
            "open_clip downloads a pretrained tag's weights at the hub's current revision",
        )

    def _torch_hub(
        self, base: ModelCall, repo: Value, args: CallArgs, scope: Scope
    ) -> ModelCall | None:
        source_node = args.keywords.get("source")
        source = self.values.value(source_node, scope) if source_node is not None else "github"
        if source == "local":
            return None
        if not isinstance(repo, str) or not isinstance(source, str):
            return _unresolved(base)
        if repo.startswith(("./", "../", "/", "~")):
            return None
        name, _, ref = repo.partition(":")
        return replace(
            base,
            repo_id=name,
            revision=ref or None,
            repo_state="hub",
            revision_state="resolved" if ref else "absent",
        )


def _unresolved(base: ModelCall) -> ModelCall:
    """The call with an id this file does not determine."""
    return replace(base, repo_id=None, revision=None, repo_state="unresolved")


def _hf_hub_call(base: ModelCall, repo_id: str, revision: str | None) -> ModelCall:
    """The call of an ``hf-hub:org/name[@revision]`` name."""
    return replace(
        base,
        repo_id=repo_id,
        revision=revision,
        repo_state="hub",
        revision_state="resolved" if revision else "absent",
    )


def _unpinnable(base: ModelCall, repo_id: str, note: str) -> ModelCall:
    """A hub download through an API that takes no revision (timm names, open_clip tags)."""
    return replace(
        base, repo_id=repo_id, revision=None, repo_state="hub", pinnable=False, note=note
    )


def analyse_file(tree: ast.Module) -> FileValues:
    """The data flow of one module (hub client classes tracked, ``hf_hub_url`` URLs built)."""
    return analyse(tree, INSTANCE_CLASSES, EVALUATORS)


def find_calls(
    rel: str,
    values: FileValues,
    *,
    exists: Callable[[str], bool] | None = None,
    hub_classes: frozenset[str] = frozenset(),
    assume_subclasses: bool = False,
) -> SourceScan:
    """Every download call and ``trust_remote_code=True`` of an analysed module.

    ``hub_classes`` names the repository's classes that derive from hub classes
    (:func:`project_hub_classes`); the file's own are added. With
    ``assume_subclasses`` (the hierarchy is not known yet), ``X.from_pretrained`` of
    any other class is taken too, under a condition that :meth:`SourceScan.settle`
    resolves once it is known.
    """
    roots = frozenset(q.split(".", 1)[0] for q in values.env.aliases.values())
    local_hub = project_hub_classes([values.env.local_classes])
    finder = _CallFinder(rel, values, exists, hub_classes | local_hub, roots, assume_subclasses)
    finder.visit()
    return finder.result


def scan_tree(
    rel: str,
    tree: ast.Module,
    *,
    exists: Callable[[str], bool] | None = None,
    hub_classes: frozenset[str] = frozenset(),
) -> SourceScan:
    """Every download call and ``trust_remote_code=True`` in one parsed module."""
    return find_calls(rel, analyse_file(tree), exists=exists, hub_classes=hub_classes)


def scan_source_full(
    rel: str,
    text: str,
    *,
    exists: Callable[[str], bool] | None = None,
    hub_classes: frozenset[str] = frozenset(),
) -> SourceScan:
    """Every download call and ``trust_remote_code=True`` in one Python file.

    Raises SyntaxError (with ``lineno``/``offset``) when the file does not parse.
    """
    return scan_tree(rel, parse_source(rel, text), exists=exists, hub_classes=hub_classes)


def scan_source(
    rel: str, text: str, *, exists: Callable[[str], bool] | None = None
) -> list[ModelCall]:
    """The model, dataset and hub downloads in one Python file (see :class:`ModelCall`)."""
    return scan_source_full(rel, text, exists=exists).calls
