"""Which non-Python files can hold a model reference: by name, then by a cheap look at
the text, so that the text reader (``model_refs.text``: the shell splitter, the
Dockerfile reader, the YAML config walk) is imported only for files it could find
something in (issue 19, start-up).

Each test here is a superset of what the reader itself requires before it can report a
reference, so skipping a file the filter refuses changes no result:

- shell text (scripts, Makefiles, Dockerfile ``RUN``/``ADD``): the reader looks only at
  logical lines that contain ``huggingface``, ``hf``, ``modelscope``, ``from_pretrained``
  or ``load_dataset`` (every clone URL, resolve URL and CLI form it matches contains one
  of them, and so does an inline ``python -c`` loader call), and it joins continued
  lines with a space, so such a line's words are in the file's text as written;
- workflow ``run:`` blocks: the same test on the decoded scripts of the parsed workflow
  (a double-quoted YAML scalar may spell a word with escapes), parsed once per process
  and shared with the other readers of the file;
- other YAML (training configs, ``cog.yaml``): the keys the config walk reads, or
  ``run``, exactly the reader's own first test.

Standard library and ``inventory.paths`` only.
"""

from __future__ import annotations

import posixpath

from chainward.inventory.paths import is_dockerfile_path, is_workflow_path

SHELL_SUFFIXES = (".sh", ".bash", ".zsh", ".mk")
MAKEFILE_NAMES = frozenset({"makefile", "gnumakefile"})
YAML_SUFFIXES = (".yaml", ".yml")

# Config keys that name a model (or tokenizer/adapter) to fetch, and their revision keys.
MODEL_KEYS = frozenset(
    {
        "model_name_or_path",
        "pretrained_model_name_or_path",
        "base_model",
        "base_model_config",
        "base_model_name_or_path",
        "tokenizer_name_or_path",
        "tokenizer_name",
        "adapter_name_or_path",
        "ref_model",
        "reward_model",
        "teacher_model",
        "draft_model",
    }
)
DATASET_LIST_KEYS = frozenset(
    {"datasets", "test_datasets", "pretraining_dataset", "eval_datasets", "rl_datasets"}
)
CONFIG_WORDS = (*sorted(MODEL_KEYS), *sorted(DATASET_LIST_KEYS), "run")
"""A YAML config is walked only when its text holds one of these."""

SHELL_HUB_WORDS = ("huggingface", "hf", "modelscope", "from_pretrained", "load_dataset")
"""A logical shell line is matched only when it holds one of these (the last two for the
loaders of an inline ``python -c`` program that names no hub)."""


def _hub_words(text: str) -> bool:
    return any(word in text for word in SHELL_HUB_WORDS)


def is_text_download_path(rel: str) -> bool:
    """Whether a file is one of the non-Python forms the text reader reads."""
    lower = posixpath.basename(rel).lower()
    return (
        lower.endswith(SHELL_SUFFIXES)
        or lower in MAKEFILE_NAMES
        or is_dockerfile_path(rel)
        or lower.endswith(YAML_SUFFIXES)
    )


def might_reference(rel: str, text: str) -> bool:
    """False when the text reader can find no model reference in ``rel``'s ``text``
    (see the module docstring; a workflow that does not parse is one: the reader
    reports nothing for it either)."""
    lower = posixpath.basename(rel).lower()
    if is_dockerfile_path(rel) or not lower.endswith(YAML_SUFFIXES):
        return _hub_words(text)
    if is_workflow_path(rel):
        if _hub_words(text):
            return True
        from chainward.core.yamlsafe import YamlError
        from chainward.inventory.workflows import parse_workflow

        try:
            runs = parse_workflow(rel, text).runs
        except YamlError:
            return False  # the reader reports nothing for YAML that does not parse
        return any(_hub_words(run.text) for run in runs)
    return any(word in text for word in CONFIG_WORDS)
