"""Model-card facts available offline: a model folder's README front matter and config.

Hugging Face model cards are ``README.md`` files whose YAML front matter carries the
card's metadata (https://huggingface.co/docs/hub/model-cards#model-card-metadata):
``license``, ``pipeline_tag`` (the task), ``base_model``, ``datasets``, ``language``,
``library_name``, ``tags``. The body's "Training" section holds the training notes.
A ``config.json`` (transformers) names the architecture (``architectures``,
``model_type``).

Everything here is data: the YAML is composed (never constructed), the JSON parsed with
the standard library, and reads are bounded. A fact that is not written down is left
empty; nothing is guessed or fetched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from chainward.core.jsonsafe import loads_json
from chainward.core.yamlsafe import YamlError, compose_yaml, elements, items, scalar

MAX_CARD_BYTES = 1 << 20
MAX_NOTES_CHARS = 2000
_FRONT = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_TRAINING = re.compile(r"\btrain(ing)?\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ModelCard:
    """What a model folder says about the model; ``source`` lists the files read."""

    license: str = ""
    task: str = ""
    base_models: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    library: str = ""
    tags: tuple[str, ...] = ()
    training_notes: str = ""
    architecture: str = ""
    architecture_family: str = ""
    source: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """Whether no fact at all was found."""
        return not (
            self.license
            or self.task
            or self.base_models
            or self.datasets
            or self.training_notes
            or self.architecture
        )


def _strings(node: object) -> tuple[str, ...]:
    """A scalar or a list of scalars, as stripped strings (other shapes: nothing)."""
    text = scalar(node)  # type: ignore[arg-type]
    if text is not None:
        return (text.strip(),) if text.strip() else ()
    out = [scalar(item) for item in elements(node)]  # type: ignore[arg-type]
    return tuple(dict.fromkeys(t.strip() for t in out if t and t.strip()))


def _training_notes(body: str) -> str:
    """The text under the first heading that mentions training, up to the next heading
    of the same or a higher level, whitespace folded, bounded."""
    headings = list(_HEADING.finditer(body))
    for index, match in enumerate(headings):
        if not _TRAINING.search(match.group(2)):
            continue
        level = len(match.group(1))
        end = len(body)
        for later in headings[index + 1 :]:
            if len(later.group(1)) <= level:
                end = later.start()
                break
        text = " ".join(body[match.end() : end].split())
        if len(text) > MAX_NOTES_CHARS:
            text = text[: MAX_NOTES_CHARS - 3].rstrip() + "..."
        if text:
            return text
    return ""


def parse_card(text: str) -> tuple[dict[str, tuple[str, ...]], str, str | None]:
    """(front-matter fields, body, problem) of a model card's text.

    Fields are the keys chainward uses, each as a tuple of strings. A card without
    front matter has no fields; invalid YAML is a problem, not an exception.
    """
    match = _FRONT.match(text)
    if match is None:
        return {}, text, None
    body = text[match.end() :]
    try:
        root = compose_yaml(match.group(1))
    except YamlError as exc:
        return {}, body, f"the model card's front matter is not valid YAML: {exc}"
    fields: dict[str, tuple[str, ...]] = {}
    for key, _, value in items(root):
        if key in {
            "license",
            "license_name",
            "pipeline_tag",
            "base_model",
            "datasets",
            "language",
            "library_name",
            "tags",
        }:
            fields[key] = _strings(value)
    return fields, body, None


def _read_bounded(path: Path) -> bytes | None:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_CARD_BYTES + 1)
    except OSError:
        return None
    return data if len(data) <= MAX_CARD_BYTES else None


def read_model_card(folder: Path, rel_folder: str) -> ModelCard:
    """The model card facts of the model folder ``folder`` (``rel_folder`` for messages)."""
    sources: list[str] = []
    problems: list[str] = []
    fields: dict[str, tuple[str, ...]] = {}
    notes = ""
    readme = folder / "README.md"
    if readme.is_file():
        data = _read_bounded(readme)
        where = f"{rel_folder.rstrip('/')}/README.md"
        if data is None:
            problems.append(f"{where}: unreadable or over {MAX_CARD_BYTES} bytes")
        else:
            fields, body, problem = parse_card(data.decode("utf-8", "replace"))
            sources.append(where)
            if problem:
                problems.append(f"{where}: {problem}")
            notes = _training_notes(body)
    architecture = family = ""
    config = folder / "config.json"
    if config.is_file():
        where = f"{rel_folder.rstrip('/')}/config.json"
        data = _read_bounded(config)
        try:
            doc = loads_json(data) if data is not None else None
        except (ValueError, UnicodeDecodeError):
            doc = None
            problems.append(f"{where}: not valid JSON")
        if isinstance(doc, dict):
            sources.append(where)
            archs = doc.get("architectures")
            if isinstance(archs, list) and archs and isinstance(archs[0], str):
                architecture = archs[0]
            if isinstance(doc.get("model_type"), str):
                family = str(doc["model_type"])
    licence = fields.get("license", ())
    if licence == ("other",) and fields.get("license_name"):
        licence = fields["license_name"]
    return ModelCard(
        license=licence[0] if licence else "",
        task=(fields.get("pipeline_tag") or ("",))[0],
        base_models=fields.get("base_model", ()),
        datasets=fields.get("datasets", ()),
        languages=fields.get("language", ()),
        library=(fields.get("library_name") or ("",))[0],
        tags=fields.get("tags", ()),
        training_notes=notes,
        architecture=architecture,
        architecture_family=family,
        source=tuple(sources),
        problems=tuple(problems),
    )
