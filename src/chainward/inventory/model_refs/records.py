"""Model references: one record per place that downloads a model, dataset or hub
repository, whatever the form it is written in (Python calls, shell commands, configs)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from chainward.core.pyflow.values import UNRESOLVED, Many, Value

FULL_SHA_RE = re.compile(r"^[0-9a-f]{40}$")
SHORT_SHA_RE = re.compile(r"^[0-9a-fA-F]{7,39}$")

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
    hub: str = "huggingface"
    """Where the id lives: huggingface, modelscope or github (torch.hub)."""
    fix: str = ""
    """Fix advice for this form ({sha} stands for the commit); empty: the check's own."""
    style: str = "hf"
    """How the loader takes its id (``loaders.Style``); ``text`` outside Python."""
    revision_keyword: str = "revision"
    """The keyword the loader reads its revision from (what ``pin --models`` writes)."""

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
    conditions: dict[int, str] = field(default_factory=dict)
    """Calls found only on an assumption (``find_calls(..., assume_subclasses=True)``):
    index in ``calls`` → the class whose ``from_pretrained`` they call, kept by
    :meth:`settle` only if that class turns out to derive from a hub class."""

    def settle(self, hub_classes: frozenset[str]) -> SourceScan:
        """The scan with the assumed calls of classes outside ``hub_classes`` dropped."""
        if not self.conditions:
            return self
        kept = [
            call
            for index, call in enumerate(self.calls)
            if self.conditions.get(index, "") in hub_classes or index not in self.conditions
        ]
        return SourceScan(kept, self.remote_code)


HF_ID_RE = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")

# Folders that scripts write checkpoints and data into: "data/train" or "outputs/run1"
# has the shape of a hub id but names a folder under the working directory. No hub
# organisation of these names publishes models that real code loads.
LOCAL_FOLDERS = frozenset(
    {
        "data",
        "output",
        "outputs",
        "out",
        "checkpoint",
        "checkpoints",
        "ckpt",
        "ckpts",
        "run",
        "runs",
        "result",
        "results",
        "log",
        "logs",
        "tmp",
        "temp",
        "cache",
        "saved",
        "saved_model",
        "saved_models",
        "save",
        "exp",
        "exps",
        "experiments",
        "weights",
        "artifacts",
        "work_dirs",
        "trained_models",
        "pretrained_models",
        "local",
        "models",
    }
)


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
    if "/" in value and value.split("/", 1)[0].lower() in LOCAL_FOLDERS:
        return True
    return exists is not None and exists(value)


def merge_strings(options: list[str]) -> Value:
    """A value from string alternatives (one string, several, or none)."""
    if not options:
        return UNRESOLVED
    unique = list(dict.fromkeys(options))
    return unique[0] if len(unique) == 1 else Many(tuple(unique))


def judge_revision(value: Value) -> tuple[str | None, RevisionState]:
    """A revision value's verdict: absent, one resolved string (the weakest of several
    alternatives: a branch before a commit), or unresolved."""
    if value is None:
        return None, "absent"
    if isinstance(value, str):
        return value, "resolved"
    if isinstance(value, Many) and all(v is None or isinstance(v, str) for v in value.options):
        options = [v for v in value.options if isinstance(v, str)]
        if len(options) < len(value.options):
            return None, "absent"
        weak = [o for o in options if not FULL_SHA_RE.match(o)]
        return (weak or options)[0], "resolved"
    return None, "unresolved"
