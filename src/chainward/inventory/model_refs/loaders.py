"""The table of hub loaders, as data: one row per API that downloads from a hub.

Each :class:`Loader` says which callee it matches (a glob over the qualified name the
call resolves to through imports), where the repository id and the revision go
(position and keyword), how the id is read (``style``), and the organisation a short
id belongs to on the hub (``sentence-transformers`` for ``all-mpnet-base-v2``). The
finder (``inventory.model_refs.python``) reads only this table, shipped as data in
``inventory/data/hub-loaders.toml``; adding an API is adding a row there.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, get_args

from chainward.core.tomlread import loads_toml

Style = Literal[
    "hf",  # a hub id (or a local path) and a revision argument
    "dataset",  # like hf, but packaged builders (json, csv, ...) are local readers
    "timm",  # hf-hub:org/x@rev, or an architecture name with pretrained=True
    "open_clip",  # hf-hub:org/x, or an architecture with a pretrained tag
    "torch_hub",  # owner/repo[:ref] on GitHub
    "hf_url",  # hf://org/x (keras_hub presets)
    "hffs",  # HfFileSystem paths: [datasets/]org/x[@rev]/file
    "file_url",  # a hub file URL (https://huggingface.co/org/x/blob/<rev>/f) or a local file
    "fetch",  # any URL: only hub file URLs (.../resolve/<rev>/f) are hub downloads
]


@dataclass(frozen=True, slots=True)
class Loader:
    """One hub-loading API."""

    name: str
    """Human name of the row (shown in docs and tests)."""
    patterns: tuple[str, ...]
    """Globs over the qualified callee, e.g. ``transformers.*.from_pretrained``."""
    repo_pos: int | None
    repo_kw: tuple[str, ...]
    rev_pos: int | None = None
    rev_kw: tuple[str, ...] = ("revision",)
    style: Style = "hf"
    default_org: str | None = None
    """Organisation of ids written without one (``all-mpnet-base-v2``)."""
    kind: str = "model"
    hub: str = "huggingface"
    optional_repo: bool = False
    """A call without the id downloads nothing (``pipeline("task")`` picks a default)."""
    method_of: tuple[str, ...] = ()
    """Match ``<anything>.<method>`` when the file imports one of these libraries."""
    pinnable: bool = True
    note: str = ""


DATA = Path(__file__).resolve().parent.parent / "data" / "hub-loaders.toml"
_STYLES = frozenset(get_args(Style))
_STRING_LISTS = ("patterns", "repo-kw", "rev-kw", "method-of")
_KEYS = frozenset(
    {"name", "repo-pos", "rev-pos", "style", "default-org", "kind", "hub", "optional-repo"}
    | {"pinnable", "note", *_STRING_LISTS}
)


class LoaderTableError(ValueError):
    """The shipped hub-loader table is malformed (a packaging bug, not user input)."""


def _strings(row: dict[str, Any], key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = row.get(key, list(default))
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LoaderTableError(f"{row.get('name')!r}: {key} must be a list of strings")
    return tuple(value)


def _optional(row: dict[str, Any], key: str, kind: type) -> Any:
    value = row.get(key)
    # bool is an int in Python: "repo-pos = true" must not pass as position 1.
    wrong = not isinstance(value, kind) or isinstance(value, bool) != (kind is bool)
    if value is not None and wrong:
        raise LoaderTableError(f"{row.get('name')!r}: {key} must be a {kind.__name__}")
    return value


def parse_loader(row: dict[str, Any]) -> Loader:
    """One ``[[loader]]`` table as a :class:`Loader` (types checked, unknown keys refused)."""
    unknown = set(row) - _KEYS
    if unknown:
        raise LoaderTableError(f"{row.get('name')!r}: unknown keys {sorted(unknown)}")
    name = _optional(row, "name", str)
    if not name:
        raise LoaderTableError("a [[loader]] row has no name")
    style = row.get("style", "hf")
    if style not in _STYLES:
        raise LoaderTableError(f"{name!r}: style {style!r} is not one of {sorted(_STYLES)}")
    return Loader(
        name,
        _strings(row, "patterns", ()),
        _optional(row, "repo-pos", int),
        _strings(row, "repo-kw", ()),
        rev_pos=_optional(row, "rev-pos", int),
        rev_kw=_strings(row, "rev-kw", ("revision",)),
        style=style,
        default_org=_optional(row, "default-org", str),
        kind=_optional(row, "kind", str) or "model",
        hub=_optional(row, "hub", str) or "huggingface",
        optional_repo=bool(_optional(row, "optional-repo", bool)),
        method_of=_strings(row, "method-of", ()),
        pinnable=_optional(row, "pinnable", bool) is not False,
        note=_optional(row, "note", str) or "",
    )


def load_table(text: str) -> tuple[tuple[Loader, ...], dict[str, tuple[str, ...]]]:
    """The loader rows and the ``[classes]`` lists of a hub-loader table."""
    data = loads_toml(text)
    rows = data.get("loader")
    if not isinstance(rows, list) or not rows:
        raise LoaderTableError("the table has no [[loader]] rows")
    classes = data.get("classes", {})
    lists = {
        key: _strings(classes, key, ())
        for key in ("instance", "hub-base-libraries", "hub-base-names")
    }
    return tuple(parse_loader(row) for row in rows), lists


LOADERS, _CLASSES = load_table(DATA.read_text(encoding="utf-8"))

# Classes whose instances download (``api = HfApi(); api.snapshot_download(...)``).
INSTANCE_CLASSES = frozenset(_CLASSES["instance"])
# Libraries whose classes download with ``from_pretrained``: a project class deriving
# from one of theirs (directly or through other project classes) inherits it.
HUB_BASE_LIBRARIES = frozenset(_CLASSES["hub-base-libraries"])
# Base classes recognised by name even when imported from a vendored copy.
HUB_BASE_NAMES = _CLASSES["hub-base-names"]

SUBCLASS_LOADER = LOADERS[1]

# A file can call a loader only if it names the callee followed by "(" and, for names
# common outside hubs (load, open, get, pipeline, LLM, ...), mentions the library too.
# A generic URL fetch (requests.get, urlretrieve) is a hub download only with a hub URL,
# which the file then spells (or builds with hf_hub_url).
_SPECIFIC_CALLS = ("from_pretrained", "load_adapter", "trust_remote_code", "hub", "hf_hub_url")
_HUB_URL_WORDS = (r"huggingface\.co", r"hf\.co")
_ROOTS = sorted(
    {p.split(".", 1)[0] for row in LOADERS if row.style != "fetch" for p in row.patterns}
    - {"torch"}
)
TRIGGER_RE = re.compile(r"\b(?:" + "|".join([*_ROOTS, *_SPECIFIC_CALLS, *_HUB_URL_WORDS]) + r")\b")
_CALL_NAMES_RE = re.compile(
    r"\b(?:"
    + "|".join(sorted({p.rsplit(".", 1)[-1].lstrip("*") for row in LOADERS for p in row.patterns}))
    + r")\s*\("
)


def might_download(text: str) -> bool:
    """A cheap test on a Python file's text: False means no call can match the table."""
    return TRIGGER_RE.search(text) is not None and (
        _CALL_NAMES_RE.search(text) is not None or "trust_remote_code" in text
    )


def _last(pattern: str) -> str:
    return pattern.rsplit(".", 1)[-1]


@lru_cache(maxsize=1)
def _index() -> dict[str, tuple[tuple[str, Loader], ...]]:
    """Patterns by the callee's last name (``*from_pretrained`` under ``from_pretrained``)."""
    out: dict[str, list[tuple[str, Loader]]] = {}
    for loader in LOADERS:
        for pattern in loader.patterns:
            last = _last(pattern).lstrip("*")
            out.setdefault(last, []).append((pattern, loader))
    return {k: tuple(v) for k, v in out.items()}


def match_loader(qualified: str, imported_roots: frozenset[str] = frozenset()) -> Loader | None:
    """The table row a qualified callee matches, None when it is not a hub loader.

    ``imported_roots`` are the top-level modules the file imports, for rows matched
    by method name on any object (``model.load_adapter(...)``).
    """
    last = qualified.rsplit(".", 1)[-1]
    for pattern, loader in _index().get(last, ()):
        if fnmatch.fnmatchcase(qualified, pattern):
            return loader
    if "." in qualified:
        for loader in LOADERS:
            if (
                loader.method_of
                and any(_last(p) == last for p in loader.patterns)
                and imported_roots & set(loader.method_of)
            ):
                return loader
    return None


def is_hub_base(qualified: str) -> bool:
    """Whether a base class (qualified through imports) is a hub-loading library class."""
    root = qualified.split(".", 1)[0]
    last = qualified.rsplit(".", 1)[-1]
    if root in HUB_BASE_LIBRARIES and "." in qualified and last[:1].isupper():
        return True
    return any(fnmatch.fnmatchcase(last, p) for p in HUB_BASE_NAMES)
