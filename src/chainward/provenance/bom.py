"""An AI bill of materials: CycloneDX JSON built with cyclonedx-python-lib.

What goes in (all read offline, from the checkout):

* the project itself (``metadata.component``), at its commit when it is a git checkout;
* AI packages of the dependency inventory: ``pkg:pypi/NAME@VERSION`` (``pkg:conda/...``
  for conda specs), every pinned hash from requirements files and lock files; AI
  packages not pinned to one version are listed too, without a version, and say so in
  the ``chainward:pinned`` property (a BOM that drops them would hide them);
* models from ``chainward.lock``: ``machine-learning-model`` components with the hub id
  (``pkg:huggingface/ORG/NAME@REVISION``), every locked file as a nested ``file``
  component with its sha256, the licence, and a ``modelCard`` with what the model
  folder's README front matter and ``config.json`` state (task, base model as a pedigree
  ancestor, datasets, architecture, training notes);
* datasets the model cards name, as ``data`` components;
* container base images (``pkg:docker/...``; pinned ones with their digest);
* GitHub Actions and reusable workflows from ``uses:`` (``pkg:github/OWNER/REPO@REF``;
  the ref is a full commit SHA when pinned);
* the dependency graph as far as it is known: the project depends on each of the above,
  each model on its datasets and on its base model when that is in the BOM too.
  Dependencies between packages are not known from the inventory and are not invented.

cyclonedx-python-lib (11.x) has no model card in its object model (its ``Component``
leaves ``modelCard`` as a to-do), so the ``modelCard`` objects are added to the
serialised JSON by bom-ref, and the whole document is then validated against the
official CycloneDX JSON schema shipped with the library (:func:`validate_cyclonedx`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from chainward import __version__
from chainward.core.errors import Error
from chainward.provenance.bom_components import (
    action_component,
    cdx_properties,
    dataset_component,
    dataset_ref,
    download_components,
    hf_purl,
    image_component,
    model_component,
    model_ref,
    package_components,
)

if TYPE_CHECKING:
    from chainward.provenance.bom_inputs import BomInputs, LockedModelInfo

CYCLONEDX_PREDICATE_TYPE = "https://cyclonedx.org/bom"
"""The in-toto predicate type of a CycloneDX BOM (in-toto attestation predicates list)."""
SPEC_VERSION = "1.7"


class BomError(Error):
    """The BOM could not be built or does not validate against the schema (exit 3)."""

    exit_code = 3


def build_bom(inputs: BomInputs) -> dict[str, Any]:
    """The CycloneDX document (a JSON object), schema-valid, for ``inputs``."""
    from cyclonedx.model.bom import Bom, BomMetaData
    from cyclonedx.model.component import Component, ComponentType, Pedigree
    from cyclonedx.model.tool import ToolRepository
    from cyclonedx.output import make_outputter
    from cyclonedx.schema import OutputFormat, SchemaVersion

    source = inputs.source
    root_properties: dict[str, str | Sequence[str]] = {}
    if source is not None:
        root_properties = {
            "chainward:repository": source.url,
            "chainward:ref": source.ref or "",
            "chainward:commit": source.commit or "",
        }
    root = Component(
        type=ComponentType.APPLICATION,
        name=inputs.name,
        version=(source.commit if source and source.commit else None),
        bom_ref="project",
        properties=cdx_properties(root_properties),
    )
    tools = ToolRepository(
        components=[
            Component(type=ComponentType.APPLICATION, name="chainward", version=__version__)
        ]
    )
    bom = Bom(metadata=BomMetaData(component=root, tools=tools))
    direct: list[Any] = []

    packages = package_components(inputs.dependencies)
    direct.extend(packages)

    datasets: dict[str, Any] = {}
    models: dict[str, Any] = {}
    by_hub: dict[str, Any] = {}
    for info in inputs.models:
        component = model_component(info, inputs.lock_path)
        models[info.model.name] = component
        if info.model.hf_id:
            by_hub[info.model.hf_id.lower()] = component
        for dataset in info.card.datasets:
            datasets.setdefault(dataset_ref(dataset), dataset_component(dataset))
    for info in inputs.models:
        component = models[info.model.name]
        ancestors = [
            by_hub.get(base.lower())
            or Component(
                type=ComponentType.MACHINE_LEARNING_MODEL,
                name=base.rpartition("/")[2],
                group=base.rpartition("/")[0] or None,
                bom_ref=f"base-model:{base}",
                purl=hf_purl(base, None),
            )
            for base in info.card.base_models
        ]
        if ancestors:
            # A base model that is itself in the BOM is referenced, not copied.
            component.pedigree = Pedigree(
                ancestors=[
                    a
                    if a not in models.values()
                    else Component(
                        type=ComponentType.MACHINE_LEARNING_MODEL,
                        name=a.name,
                        group=a.group,
                        version=a.version,
                        bom_ref=f"base-model:{info.model.name}:{a.bom_ref.value}",
                        purl=a.purl,
                    )
                    for a in ancestors
                ]
            )
    direct.extend(models.values())
    card_datasets = set(datasets)
    direct.extend(download_components(inputs, datasets))
    direct.extend(datasets[k] for k in sorted(set(datasets) - card_datasets))
    images: dict[str, Any] = {}
    for image in inputs.images:
        component = image_component(image)
        images.setdefault(component.bom_ref.value, component)
    direct.extend(images[k] for k in sorted(images))
    places: dict[str, list[str]] = {}
    for use in inputs.actions:
        places.setdefault(use.value, []).append(f"{use.path}:{use.line}")
    for value in sorted(places):
        action = action_component(value, places[value])
        if action is not None:
            direct.append(action)

    for component in (*direct, *(datasets[k] for k in sorted(card_datasets))):
        bom.components.add(component)
    bom.register_dependency(root, direct)
    for info in inputs.models:
        component = models[info.model.name]
        needs = [datasets[dataset_ref(d)] for d in info.card.datasets]
        needs.extend(by_hub[b.lower()] for b in info.card.base_models if b.lower() in by_hub)
        bom.register_dependency(component, [n for n in needs if n is not component])
    for dataset in datasets.values():
        bom.register_dependency(dataset, [])

    outputter = make_outputter(bom, OutputFormat.JSON, SchemaVersion.V1_7)
    try:
        document: dict[str, Any] = json.loads(outputter.output_as_string())
    except Exception as exc:
        raise BomError(f"cyclonedx-python-lib could not serialise the BOM: {exc}") from None
    _add_model_cards(document, inputs)
    return document


def _model_card(info: LockedModelInfo) -> dict[str, Any]:
    card = info.card
    parameters: dict[str, Any] = {}
    if card.task:
        parameters["task"] = card.task
    if card.architecture_family:
        parameters["architectureFamily"] = card.architecture_family
    if card.architecture:
        parameters["modelArchitecture"] = card.architecture
    if card.datasets:
        parameters["datasets"] = [{"ref": dataset_ref(d)} for d in card.datasets]
    properties = [{"name": "chainward:model-card-source", "value": s} for s in card.source]
    if card.training_notes:
        properties.append({"name": "chainward:training-notes", "value": card.training_notes})
    properties.extend({"name": "chainward:language", "value": lang} for lang in card.languages)
    properties.extend({"name": "chainward:base-model", "value": b} for b in card.base_models)
    if card.empty:
        properties.append(
            {
                "name": "chainward:model-card",
                "value": "no model card facts found offline (no README front matter "
                "or config.json in the model folder)",
            }
        )
    out: dict[str, Any] = {"bom-ref": f"{model_ref(info.model)}/model-card"}
    if parameters:
        out["modelParameters"] = parameters
    out["properties"] = properties
    return out


def _add_model_cards(document: dict[str, Any], inputs: BomInputs) -> None:
    wanted = {model_ref(info.model): info for info in inputs.models}
    for component in document.get("components", []):
        info = wanted.get(component.get("bom-ref", ""))
        if info is not None:
            component["modelCard"] = _model_card(info)


def validate_cyclonedx(document: Mapping[str, Any]) -> list[str]:
    """Schema errors of a CycloneDX JSON document (empty when it is valid).

    Uses the official JSON schema of the document's ``specVersion`` that
    cyclonedx-python-lib ships, in strict mode.
    """
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    version = str(document.get("specVersion", ""))
    try:
        schema = SchemaVersion.from_version(version)
    except Exception:
        return [f"unknown CycloneDX specVersion {version!r}"]
    errors = JsonStrictValidator(schema).validate_str(json.dumps(document), all_errors=True)
    return [str(e) for e in errors or ()]


def bom_json(document: Mapping[str, Any]) -> str:
    """The document as indented JSON text."""
    return json.dumps(document, indent=2, sort_keys=False) + "\n"
