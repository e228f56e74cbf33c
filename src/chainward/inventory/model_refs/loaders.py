"""The table of hub loaders, as data: one row per API that downloads from a hub.

Each :class:`Loader` says which callee it matches (a glob over the qualified name the
call resolves to through imports), where the repository id and the revision go
(position and keyword), how the id is read (``style``), and the organisation a short
id belongs to on the hub (``sentence-transformers`` for ``all-mpnet-base-v2``). The
finder (``inventory.model_refs.python``) reads only this table; adding an API is adding a row.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Style = Literal[
    "hf",  # a hub id (or a local path) and a revision argument
    "dataset",  # like hf, but packaged builders (json, csv, ...) are local readers
    "timm",  # hf-hub:org/x@rev, or an architecture name with pretrained=True
    "open_clip",  # hf-hub:org/x, or an architecture with a pretrained tag
    "torch_hub",  # owner/repo[:ref] on GitHub
    "hf_url",  # hf://org/x (keras_hub presets)
    "hffs",  # HfFileSystem paths: [datasets/]org/x[@rev]/file
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


_FROM_PRETRAINED_LIBS = (
    "transformers",
    "diffusers",
    "sentence_transformers",
    "huggingface_hub",
    "optimum",
    "setfit",
    "span_marker",
    "gliner",
    "tokenizers",
    "peft",
    "transformer_lens",
    "sae_lens",
    "mamba_ssm",
    "unsloth",
    "auto_gptq",
    "awq",
)

LOADERS: tuple[Loader, ...] = (
    Loader(
        "peft PeftModel.from_pretrained",
        ("peft.PeftModel*.from_pretrained", "peft.PeftMixedModel*.from_pretrained"),
        1,
        ("model_id",),
    ),
    Loader(
        "from_pretrained (transformers, diffusers, peft, optimum, setfit, tokenizers, ...)",
        tuple(f"{lib}.*from_pretrained" for lib in _FROM_PRETRAINED_LIBS),
        0,
        ("pretrained_model_name_or_path", "model_id", "identifier"),
    ),
    Loader(
        "load_adapter (peft, transformers)",
        ("peft.*.load_adapter", "transformers.*.load_adapter"),
        0,
        ("model_id", "peft_model_id", "pretrained_model_name_or_path"),
        method_of=("peft", "transformers"),
    ),
    Loader(
        "transformers.pipeline",
        ("transformers.pipeline", "transformers.pipelines.pipeline"),
        1,
        ("model",),
        optional_repo=True,
    ),
    Loader(
        "huggingface_hub downloads",
        (
            "huggingface_hub.hf_hub_download",
            "huggingface_hub.snapshot_download",
            "huggingface_hub.*.hf_hub_download",
            "huggingface_hub.*.snapshot_download",
            "huggingface_hub.from_pretrained_keras",
            "huggingface_hub.from_pretrained_fastai",
            "huggingface_hub.*.from_pretrained_keras",
            "huggingface_hub.*.from_pretrained_fastai",
        ),
        0,
        ("repo_id",),
    ),
    Loader(
        "huggingface_hub HfFileSystem",
        tuple(
            f"huggingface_hub.HfFileSystem.{m}"
            for m in ("open", "read_text", "read_bytes", "get", "get_file", "cat", "cat_file")
        ),
        0,
        ("path", "rpath"),
        style="hffs",
    ),
    Loader(
        "datasets.load_dataset",
        ("datasets.load_dataset",),
        0,
        ("path",),
        rev_pos=12,
        style="dataset",
        kind="dataset",
    ),
    Loader(
        "datasets.load_dataset_builder",
        ("datasets.load_dataset_builder",),
        0,
        ("path",),
        rev_pos=9,
        style="dataset",
        kind="dataset",
    ),
    Loader(
        "datasets.load_metric",
        ("datasets.load_metric",),
        0,
        ("path",),
        rev_pos=9,
        style="dataset",
        kind="metric",
    ),
    Loader(
        "evaluate.load",
        ("evaluate.load", "evaluate.loading.load", "evaluate.load_evaluation_suite"),
        0,
        ("path",),
        rev_pos=10,
        default_org="evaluate-metric",
        kind="metric",
    ),
    Loader(
        "sentence_transformers.SentenceTransformer",
        (
            "sentence_transformers.SentenceTransformer",
            "sentence_transformers.*.SentenceTransformer",
        ),
        0,
        ("model_name_or_path",),
        rev_pos=8,
        default_org="sentence-transformers",
        optional_repo=True,
    ),
    Loader(
        "sentence_transformers CrossEncoder / SparseEncoder",
        (
            "sentence_transformers.CrossEncoder",
            "sentence_transformers.SparseEncoder",
            "sentence_transformers.*.CrossEncoder",
            "sentence_transformers.*.SparseEncoder",
        ),
        0,
        ("model_name_or_path", "model_name"),
        optional_repo=True,
    ),
    Loader(
        "timm.create_model",
        ("timm.create_model", "timm.models.create_model"),
        0,
        ("model_name",),
        style="timm",
    ),
    Loader(
        "open_clip",
        tuple(
            f"open_clip.{f}"
            for f in (
                "create_model",
                "create_model_and_transforms",
                "create_model_from_pretrained",
                "get_tokenizer",
            )
        ),
        0,
        ("model_name",),
        style="open_clip",
    ),
    Loader(
        "torch.hub",
        ("torch.hub.load", "torch.hub.list", "torch.hub.help"),
        0,
        ("repo_or_dir", "github"),
        style="torch_hub",
        kind="code",
        hub="github",
    ),
    Loader(
        "modelscope",
        (
            "modelscope.snapshot_download",
            "modelscope.*.snapshot_download",
            "modelscope.model_file_download",
            "modelscope.*.model_file_download",
            "modelscope.*from_pretrained",
        ),
        0,
        ("model_id", "repo_id", "model_name_or_path", "pretrained_model_name_or_path"),
        rev_pos=1,
        hub="modelscope",
    ),
    Loader(
        "modelscope MsDataset.load",
        ("modelscope.MsDataset.load", "modelscope.*.MsDataset.load"),
        0,
        ("dataset_name",),
        rev_kw=("version", "revision"),
        kind="dataset",
        hub="modelscope",
        style="dataset",
    ),
    Loader(
        "mlx_lm.load",
        ("mlx_lm.load", "mlx_lm.utils.load", "mlx_vlm.load", "mlx_vlm.utils.load"),
        0,
        ("path_or_hf_repo",),
    ),
    Loader(
        "sglang get_tokenizer / get_config / Engine",
        (
            "sglang.*.get_tokenizer",
            "sglang.*.get_config",
            "sglang.*.get_processor",
            "sglang.Engine",
            "sglang.*.Engine",
        ),
        0,
        ("tokenizer_name", "model", "model_path"),
        rev_kw=("tokenizer_revision", "revision"),
    ),
    Loader("vllm.LLM", ("vllm.LLM", "vllm.*.LLM"), 0, ("model",)),
    Loader(
        "keras_hub / keras_nlp from_preset",
        ("keras_hub.*.from_preset", "keras_nlp.*.from_preset", "keras_cv.*.from_preset"),
        0,
        ("preset",),
        style="hf_url",
        pinnable=False,
        note="keras_hub presets take no revision",
    ),
    Loader(
        "llama_cpp Llama.from_pretrained",
        ("llama_cpp.Llama.from_pretrained", "llama_cpp.*.Llama.from_pretrained"),
        0,
        ("repo_id",),
        pinnable=False,
        note="llama_cpp's from_pretrained takes no revision",
    ),
    Loader(
        "faster_whisper WhisperModel",
        ("faster_whisper.WhisperModel", "faster_whisper.*.WhisperModel"),
        0,
        ("model_size_or_path",),
        rev_pos=9,
        default_org="Systran",
    ),
)

# Classes whose instances download (``api = HfApi(); api.snapshot_download(...)``).
INSTANCE_CLASSES = frozenset(
    {
        "huggingface_hub.HfApi",
        "huggingface_hub.HfFileSystem",
        "huggingface_hub.hf_api.HfApi",
        "modelscope.HubApi",
        "modelscope.hub.api.HubApi",
    }
)

# Libraries whose classes download with ``from_pretrained``: a project class deriving
# from one of theirs (directly or through other project classes) inherits it.
HUB_BASE_LIBRARIES = frozenset(
    {"transformers", "diffusers", "peft", "sentence_transformers", "optimum", "setfit"}
)
# Base classes recognised by name even when imported from a vendored copy.
HUB_BASE_NAMES = (
    "PreTrainedModel",
    "*PreTrainedModel",
    "PretrainedConfig",
    "PreTrainedTokenizer*",
    "AutoModel*",
    "*ForCausalLM",
    "*ForConditionalGeneration",
    "*ForSequenceClassification",
    "DiffusionPipeline",
    "ModelMixin",
    "PeftModel*",
    "SentenceTransformer",
)

SUBCLASS_LOADER = LOADERS[1]

# A file can call a loader only if it names the callee followed by "(" and, for names
# common outside hubs (load, open, get, pipeline, LLM, ...), mentions the library too.
_SPECIFIC_CALLS = ("from_pretrained", "load_adapter", "trust_remote_code", "hub")
_ROOTS = sorted({p.split(".", 1)[0] for row in LOADERS for p in row.patterns} - {"torch"})
TRIGGER_RE = re.compile(r"\b(?:" + "|".join([*_ROOTS, *_SPECIFIC_CALLS]) + r")\b")
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
