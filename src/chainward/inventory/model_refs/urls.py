"""Hub files named by URL: ``https://huggingface.co/<id>/resolve/<rev>/<file>`` given to
diffusers ``from_single_file`` or to a generic fetch (requests, urllib, torch.hub, wget),
and the URL ``huggingface_hub.hf_hub_url`` builds (an evaluator for the data flow)."""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from urllib.parse import unquote

from chainward.core.pyflow.values import (
    UNRESOLVED,
    Evaluator,
    FileValues,
    Scope,
    Value,
    strings,
)
from chainward.inventory.model_refs.records import ModelCall, judge_revision

# A file on the hub: https://huggingface.co/[datasets/|spaces/]<id>/(resolve|blob|raw)/<rev>/
HUB_FILE_URL_RE = re.compile(
    r"^https?://(?:www\.)?(?:huggingface\.co|hf\.co)/(?P<type>datasets/|spaces/)?"
    r"(?P<id>[\w.-]+(?:/[\w.-]+)?)/(?:resolve|blob|raw)/(?P<rev>[^/?#\s]+)/"
)


def file_url_call(base: ModelCall, url: Value, *, fetch: bool) -> ModelCall | None:
    """A hub file URL (``https://huggingface.co/org/x/resolve/<rev>/file``): pinned
    when ``<rev>`` is a commit. A generic fetch of any other URL, or of one the file
    does not determine, is not taken for a hub download."""
    options = strings(url)
    if options is None:
        if fetch:
            return None
        return replace(base, repo_id=None, revision=None, repo_state="unresolved")
    for option in options:
        match = HUB_FILE_URL_RE.match(option)
        if match is None:
            continue
        revision, state = judge_revision(unquote(match.group("rev")))
        kind = {"datasets/": "dataset", "spaces/": "space"}.get(match.group("type") or "")
        return replace(
            base,
            repo_id=match.group("id"),
            repo_state="hub",
            kind=kind or "model",
            revision=revision,
            revision_state=state,
            fix="replace the branch in the URL with a commit: .../resolve/{sha}/<file>",
            note=option,
        )
    return None  # a local file, or another host


def hf_hub_url_value(values: FileValues, node: ast.Call, scope: Scope, depth: int) -> Value:
    """The URL ``huggingface_hub.hf_hub_url(repo_id, filename, ...)`` returns, when the
    file determines it (a download of it is then judged by the URL's revision)."""
    if any(isinstance(a, ast.Starred) for a in node.args) or any(
        k.arg is None for k in node.keywords
    ):
        return UNRESOLVED
    given = dict(zip(("repo_id", "filename"), node.args, strict=False))
    given |= {k.arg: k.value for k in node.keywords if k.arg}
    parts: dict[str, Value] = {
        name: values.value(given[name], scope, depth + 1) if name in given else None
        for name in ("repo_id", "filename", "subfolder", "repo_type", "revision")
    }
    repo, filename = parts["repo_id"], parts["filename"]
    if not isinstance(repo, str) or not isinstance(filename, str):
        return UNRESOLVED
    if not all(v is None or isinstance(v, str) for v in parts.values()):
        return UNRESOLVED
    prefix = {"dataset": "datasets/", "space": "spaces/"}.get(str(parts["repo_type"]), "")
    revision = parts["revision"] or "main"
    subfolder = f"{parts['subfolder']}/" if parts["subfolder"] else ""
    return f"https://huggingface.co/{prefix}{repo}/resolve/{revision}/{subfolder}{filename}"


EVALUATORS: dict[str, Evaluator] = {
    "huggingface_hub.hf_hub_url": hf_hub_url_value,
    "huggingface_hub.file_download.hf_hub_url": hf_hub_url_value,
}
