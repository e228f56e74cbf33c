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
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainward import __version__
from chainward.core.errors import Error, InputError
from chainward.provenance.modelcard import ModelCard, read_model_card

if TYPE_CHECKING:
    from chainward.core.policy import Policy
    from chainward.inventory import BaseImage, Dependency
    from chainward.inventory.model_refs.records import ModelCall
    from chainward.inventory.workflows import UsesRef
    from chainward.models.lock import LockedModel
    from chainward.provenance.statement import SourceInfo

CYCLONEDX_PREDICATE_TYPE = "https://cyclonedx.org/bom"
"""The in-toto predicate type of a CycloneDX BOM (in-toto attestation predicates list)."""
SPEC_VERSION = "1.7"
PROPERTY_PATH = "chainward:path"
PROPERTY_LOCK = "chainward:model-lock"
_SHA = re.compile(r"^[0-9a-f]{40}$")


class BomError(Error):
    """The BOM could not be built or does not validate against the schema (exit 3)."""

    exit_code = 3


@dataclass(frozen=True)
class LockedModelInfo:
    """A locked model and its model-card facts."""

    model: LockedModel
    card: ModelCard


@dataclass(frozen=True)
class BomInputs:
    """Everything a BOM is made of, gathered from a checkout."""

    name: str
    source: SourceInfo | None
    dependencies: tuple[Dependency, ...] = ()
    models: tuple[LockedModelInfo, ...] = ()
    images: tuple[BaseImage, ...] = ()
    actions: tuple[UsesRef, ...] = ()
    downloads: tuple[ModelCall, ...] = ()
    """Hub models, datasets and torch.hub repositories the Python code downloads."""
    lock_path: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)


def collect_bom_inputs(root: Path, policy: Policy, lock_path: Path | None = None) -> BomInputs:
    """Read the inventory, the model lock, the model cards and the workflows of ``root``."""
    from chainward.core.context import ScanContext
    from chainward.core.files import select_files
    from chainward.core.yamlsafe import YamlError
    from chainward.inventory import collect_inventory
    from chainward.inventory.ai_packages import is_ai_package
    from chainward.inventory.workflows import is_workflow_path, parse_workflow
    from chainward.provenance.statement import local_source

    notes: list[str] = []
    files = select_files(root, (), policy.exclude)
    ctx = ScanContext(root=root, files=files, policy=policy, offline=True)
    inventory = collect_inventory(ctx)
    table = policy.domain("dependencies")
    deps = tuple(
        d
        for d in (*inventory.dependencies, *inventory.context_locks)
        if is_ai_package(d.name, table)
    )
    notes.extend(f"{problem.path}: {problem.message}" for problem in inventory.problems)
    uses: list[UsesRef] = []
    for rel in files:
        if not is_workflow_path(rel):
            continue
        text = ctx.read_text(rel)
        if text is None:
            continue
        try:
            uses.extend(parse_workflow(rel, text).uses)
        except YamlError as exc:
            notes.append(f"{rel}: not read ({exc})")
    downloads = _scan_downloads(ctx, files, notes)
    models: list[LockedModelInfo] = []
    lock = lock_path if lock_path is not None else root / "chainward.lock"
    lock_rel = ""
    if lock.is_file():
        from chainward.models.lock import load_lock

        lock_rel = _relative(lock, root)
        for model in load_lock(lock).models:
            folder = model.path or _common_folder([f.path for f in model.files])
            card = read_model_card(root / folder, folder) if folder else ModelCard()
            notes.extend(card.problems)
            models.append(LockedModelInfo(model, card))
    source = local_source(root)
    return BomInputs(
        name=root.resolve().name,
        source=source,
        dependencies=deps,
        models=tuple(models),
        images=tuple(inventory.images),
        actions=tuple(uses),
        downloads=tuple(downloads),
        lock_path=lock_rel,
        notes=tuple(notes),
    )


# The last name of every download API the models scanner knows
# (chainward.inventory.model_refs.loaders): a call to one of them, or an import that
# aliases it, names it in the text, so a file without any of these cannot download
# anything the scanner would find, and its (costly) parse is skipped.
_MAY_DOWNLOAD = re.compile(
    r"from_pretrained|pipeline|hf_hub_download|snapshot_download|load_dataset|"
    r"SentenceTransformer|CrossEncoder|SparseEncoder|create_model|get_tokenizer|hub"
)


def _scan_downloads(ctx: Any, files: Sequence[str], notes: list[str]) -> list[ModelCall]:
    """The hub downloads of every Python file (read as data, with ``ast``)."""
    from chainward.inventory.model_refs.python import scan_source

    def exists(value: str) -> bool:
        try:
            return bool((ctx.root / value).exists())
        except (OSError, ValueError):
            return False

    found: list[ModelCall] = []
    for rel in files:
        if not rel.lower().endswith(".py"):
            continue
        text = ctx.read_text(rel)
        if text is None or not _MAY_DOWNLOAD.search(text):
            continue
        try:
            calls = scan_source(rel, text, exists=exists)
        except (SyntaxError, RecursionError, ValueError) as exc:
            notes.append(f"{rel}: not read for downloads ({type(exc).__name__})")
            continue
        found.extend(c for c in calls if c.repo_state == "hub" and c.repo_id)
    return found


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _common_folder(paths: Sequence[str]) -> str:
    """The folder all ``paths`` share ("" when they share none)."""
    if not paths:
        return ""
    parts = [p.split("/")[:-1] for p in paths]
    common: list[str] = []
    for column in zip(*parts, strict=False):
        if len(set(column)) != 1:
            break
        common.append(column[0])
    return "/".join(common)


# --- building ------------------------------------------------------------------------

_HASH_ALGORITHMS = {"sha256": "SHA-256", "sha384": "SHA-384", "sha512": "SHA-512"}


def _hash_types(hashes: Sequence[str]) -> list[Any]:
    from cyclonedx.model import HashAlgorithm, HashType

    out: dict[tuple[str, str], Any] = {}
    for text in hashes:
        algorithm, _, value = text.partition(":")
        name = _HASH_ALGORITHMS.get(algorithm.lower())
        if name and re.fullmatch(r"[0-9a-fA-F]+", value):
            out[(name, value.lower())] = HashType(alg=HashAlgorithm(name), content=value.lower())
    return [out[k] for k in sorted(out)]


def _licences(text: str) -> list[Any]:
    from cyclonedx.contrib.license.factories import LicenseFactory

    if not text:
        return []
    try:
        return [LicenseFactory().make_from_string(text)]
    except Exception:  # an unusual licence text: keep it as a name
        from cyclonedx.model.license import DisjunctiveLicense

        return [DisjunctiveLicense(name=text)]


def _properties(values: Mapping[str, str | Sequence[str]]) -> list[Any]:
    from cyclonedx.model import Property

    out: list[Any] = []
    for name, value in values.items():
        if isinstance(value, str):
            if value:
                out.append(Property(name=name, value=value))
        else:
            out.extend(Property(name=name, value=v) for v in value if v)
    return out


_DIST_VERSION = re.compile(r"^[A-Za-z0-9_.]+?-(\d[^-/]*?)(?:-[^/]*)?\.(?:whl|tar\.gz|zip)$")


def _origin(dep: Dependency) -> tuple[str, str, bool]:
    """(version, origin URL, pinned) of a dependency.

    Index packages: the exact version, pinned when there is one. VCS: the full commit id
    as version, pinned when there is one. URL: the version in the file name (wheel or
    sdist), pinned only with a hash (the URL's content can change).
    """
    url = re.sub(r"://[^/@]*@", "://", dep.url or "").split("#", 1)[0]
    if dep.source == "index":
        return dep.version or "", "", bool(dep.version)
    if dep.source == "vcs":
        commit = re.search(r"@([0-9a-f]{40})$", url)
        return (commit.group(1) if commit else ""), url, commit is not None
    if dep.source == "url":
        match = _DIST_VERSION.match(url.rsplit("/", 1)[-1].split("?", 1)[0])
        return (match.group(1) if match else dep.version or ""), url, bool(dep.hashes)
    return "", url, False


def _package_components(deps: Sequence[Dependency]) -> list[Any]:
    """One component per (ecosystem, name, version, origin): hashes and places merged."""
    from cyclonedx.model.component import Component, ComponentType
    from packageurl import PackageURL

    merged: dict[tuple[str, str, str, str, str], dict[str, Any]] = {}
    for dep in deps:
        version, url, pinned = _origin(dep)
        ecosystem = "conda" if dep.ecosystem == "conda" or dep.manifest == "conda" else "pypi"
        entry = merged.setdefault(
            (ecosystem, dep.name, version, dep.source, url),
            {"hashes": [], "declared": [], "specifiers": [], "pinned": False},
        )
        entry["hashes"].extend(dep.hashes)
        entry["declared"].append(f"{dep.path}:{dep.line}")
        entry["pinned"] = entry["pinned"] or pinned
        if dep.specifier:
            entry["specifiers"].append(dep.specifier)
    out: list[Any] = []
    for (ecosystem, name, version, source, url), entry in sorted(merged.items()):
        qualifiers: dict[str, str] = {}
        if source == "vcs" and url:
            qualifiers["vcs_url"] = url
        elif source in ("url", "path") and url:
            qualifiers["download_url"] = url
        purl = PackageURL(
            type=ecosystem, name=name, version=version or None, qualifiers=qualifiers or None
        )
        out.append(
            Component(
                type=ComponentType.LIBRARY,
                name=name,
                version=version or None,
                bom_ref=purl.to_string(),
                purl=purl,
                hashes=_hash_types(entry["hashes"]),
                properties=_properties(
                    {
                        "chainward:kind": "ai-package",
                        "chainward:pinned": "true" if entry["pinned"] else "false",
                        "chainward:source": source,
                        "chainward:declared-in": sorted(set(entry["declared"])),
                        "chainward:specifier": sorted(set(entry["specifiers"])),
                    }
                ),
            )
        )
    return out


def model_ref(model: LockedModel) -> str:
    """The bom-ref of a locked model."""
    return f"model:{model.name}"


def _hf_purl(hub_id: str, revision: str | None) -> Any:
    from packageurl import PackageURL

    namespace, _, name = hub_id.rpartition("/")
    return PackageURL(
        type="huggingface", namespace=namespace or None, name=name, version=revision or None
    )


def _model_component(info: LockedModelInfo, lock_rel: str) -> Any:
    from cyclonedx.model import ExternalReference, ExternalReferenceType, XsUri
    from cyclonedx.model.component import Component, ComponentType

    model, card = info.model, info.card
    hub_id = model.hf_id
    files = [
        Component(
            type=ComponentType.FILE,
            name=locked.path,
            bom_ref=f"{model_ref(model)}#{locked.path}",
            hashes=_hash_types([f"sha256:{locked.sha256}"]),
            properties=_properties(
                {PROPERTY_PATH: locked.path, "chainward:size": str(locked.size)}
            ),
        )
        for locked in model.files
    ]
    refs: list[Any] = []
    if hub_id:
        base = f"https://huggingface.co/{hub_id}"
        refs.append(ExternalReference(type=ExternalReferenceType.MODEL_CARD, url=XsUri(base)))
        if model.revision:
            refs.append(
                ExternalReference(
                    type=ExternalReferenceType.DISTRIBUTION,
                    url=XsUri(f"{base}/tree/{model.revision}"),
                )
            )
    elif re.match(r"^https?://", model.source):
        refs.append(
            ExternalReference(type=ExternalReferenceType.DISTRIBUTION, url=XsUri(model.source))
        )
    group, _, name = (hub_id or "").rpartition("/")
    return Component(
        type=ComponentType.MACHINE_LEARNING_MODEL,
        name=name or model.name,
        group=group or None,
        version=model.revision or None,
        bom_ref=model_ref(model),
        purl=_hf_purl(hub_id, model.revision) if hub_id else None,
        licenses=_licences(card.license),
        external_references=refs,
        components=files,
        tags=list(card.tags) or None,
        properties=_properties(
            {
                "chainward:kind": "model",
                "chainward:pinned": "true" if _SHA.match(model.revision or "") else "false",
                "chainward:source": model.source,
                PROPERTY_LOCK: lock_rel,
                "chainward:model-name": model.name,
                "chainward:model-card-source": list(card.source),
                "chainward:library": card.library,
                "chainward:signature": model.signature.bundle if model.signature else "",
            }
        ),
    )


def dataset_ref(dataset: str) -> str:
    """The bom-ref of a dataset a model card names."""
    return f"dataset:{dataset}"


def _dataset_component(
    dataset: str, revision: str | None = None, places: Sequence[str] = ()
) -> Any:
    from cyclonedx.model import ExternalReference, ExternalReferenceType, XsUri
    from cyclonedx.model.component import Component, ComponentType

    refs = []
    if re.fullmatch(r"[A-Za-z0-9][\w.-]*(/[\w.-]+)?", dataset):
        refs.append(
            ExternalReference(
                type=ExternalReferenceType.DISTRIBUTION,
                url=XsUri(f"https://huggingface.co/datasets/{dataset}"),
            )
        )
    return Component(
        type=ComponentType.DATA,
        name=dataset,
        version=revision,
        bom_ref=dataset_ref(dataset) + (f"@{revision}" if revision else ""),
        scope=_scope(places),
        external_references=refs,
        properties=_properties(
            {
                "chainward:kind": "dataset",
                "chainward:pinned": "true" if _SHA.match(revision or "") else "false",
                "chainward:revision": revision or "unknown (not pinned where it is named)",
                "chainward:downloaded-in": sorted(set(places)),
            }
        ),
    )


def _hub_model_component(repo_id: str, revision: str | None, places: Sequence[str]) -> Any:
    """A model the code downloads from the hub that chainward.lock does not lock."""
    from cyclonedx.model.component import Component, ComponentType

    group, _, name = repo_id.rpartition("/")
    return Component(
        type=ComponentType.MACHINE_LEARNING_MODEL,
        name=name,
        group=group or None,
        version=revision,
        bom_ref=f"hub-model:{repo_id}@{revision or 'unpinned'}",
        scope=_scope(places),
        purl=_hf_purl(repo_id, revision),
        properties=_properties(
            {
                "chainward:kind": "model",
                "chainward:locked": "false",
                "chainward:pinned": "true" if _SHA.match(revision or "") else "false",
                "chainward:downloaded-in": sorted(set(places)),
            }
        ),
    )


def _torch_hub_component(repo: str, ref: str | None, places: Sequence[str]) -> Any | None:
    """A GitHub repository whose code ``torch.hub.load`` fetches and runs."""
    from cyclonedx.model.component import Component, ComponentType
    from packageurl import PackageURL

    owner, _, name = repo.partition("/")
    if not owner or not name or "/" in name:
        return None
    return Component(
        type=ComponentType.APPLICATION,
        name=repo,
        version=ref,
        bom_ref=f"torch-hub:{repo}@{ref or 'default-branch'}",
        scope=_scope(places),
        purl=PackageURL(type="github", namespace=owner, name=name, version=ref),
        properties=_properties(
            {
                "chainward:kind": "torch-hub",
                "chainward:pinned": "true" if _SHA.match(ref or "") else "false",
                "chainward:downloaded-in": sorted(set(places)),
            }
        ),
    )


_TEST_PARTS = frozenset({"tests", "test", "testing"})
_OPTIONAL_PARTS = frozenset({"examples", "example", "scripts", "docs", "benchmarks", "notebooks"})


def _scope(places: Sequence[str]) -> Any:
    """CycloneDX scope from where a download is written: ``excluded`` when only tests
    use it (the spec's "test and other non-runtime purposes"), ``optional`` when only
    examples, scripts, docs or benchmarks do, else None (required, the default)."""
    from cyclonedx.model.component import ComponentScope

    def parts(place: str) -> list[str]:
        return place.rsplit(":", 1)[0].split("/")

    def is_test(place: str) -> bool:
        segments = parts(place)
        name = segments[-1]
        return bool(_TEST_PARTS.intersection(segments[:-1])) or (
            name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
        )

    if places and all(is_test(p) for p in places):
        return ComponentScope.EXCLUDED
    if places and all(is_test(p) or _OPTIONAL_PARTS.intersection(parts(p)[:1]) for p in places):
        return ComponentScope.OPTIONAL
    return None


_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?$")


def _download_components(inputs: BomInputs, datasets: dict[str, Any]) -> list[Any]:
    """Components for what the code downloads: hub models not in the lock, datasets
    (merged into ``datasets``), torch.hub repositories. Returns the non-dataset ones."""
    locked = {m.model.hf_id.lower() for m in inputs.models if m.model.hf_id}
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for call in inputs.downloads:
        repo = call.repo_id or ""
        if call.kind == "model" and call.api.startswith(("timm", "open_clip")):
            continue  # library names and tags, not hub ids
        if call.kind in ("model", "dataset") and not _HUB_ID.match(repo):
            continue
        key = (call.kind, repo, call.revision or "")
        grouped.setdefault(key, []).append(f"{call.path}:{call.line}")
    out: list[Any] = []
    for (kind, repo, revision), places in sorted(grouped.items()):
        if kind == "dataset":
            ref = dataset_ref(repo) + (f"@{revision}" if revision else "")
            if ref in datasets:
                existing = datasets[ref]
                datasets[ref] = _dataset_component(repo, revision or None, places)
                datasets[ref].properties.update(
                    p for p in existing.properties if p.name != "chainward:revision"
                )
            else:
                datasets[ref] = _dataset_component(repo, revision or None, places)
        elif kind == "model" and repo.lower() not in locked:
            out.append(_hub_model_component(repo, revision or None, places))
        elif kind == "code":
            component = _torch_hub_component(repo, revision or None, places)
            if component is not None:
                out.append(component)
    return out


def _image_component(image: BaseImage) -> Any:
    from cyclonedx.model.component import Component, ComponentType
    from packageurl import PackageURL

    name = image.image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    tag = ""
    if ":" in last:
        tag = last.split(":", 1)[1]
        name = name[: len(name) - len(last)] + last.split(":", 1)[0]
    digest = image.digest if image.digest and image.digest.startswith("sha256:") else ""
    version = digest or tag or None
    registry = ""
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        # purl-spec docker: the registry goes in repository_url, not the namespace.
        registry, name = first, rest
    namespace, _, short = name.rpartition("/")
    qualifiers = {"tag": tag} if digest and tag else {}
    if registry:
        qualifiers["repository_url"] = registry
    return Component(
        type=ComponentType.CONTAINER,
        name=f"{registry}/{name}" if registry else name,
        version=version,
        bom_ref=f"image:{registry + '/' if registry else ''}{name}@{version or 'unpinned'}",
        purl=PackageURL(
            type="docker",
            namespace=namespace or None,
            name=short,
            version=version,
            qualifiers=qualifiers or None,
        ),
        hashes=_hash_types([digest]) if digest else [],
        properties=_properties(
            {
                "chainward:kind": "base-image",
                "chainward:pinned": "true" if digest else "false",
                "chainward:declared-in": f"{image.path}:{image.line}",
            }
        ),
    )


def _action_component(value: str, places: Sequence[str]) -> Any | None:
    from cyclonedx.model.component import Component, ComponentType
    from packageurl import PackageURL

    if value.startswith(("./", "docker://")) or "@" not in value or "${{" in value:
        return None
    target, _, ref = value.rpartition("@")
    parts = target.split("/")
    if len(parts) < 2:
        return None
    owner, repo, subpath = parts[0], parts[1], "/".join(parts[2:])
    return Component(
        type=ComponentType.APPLICATION,
        name=target,
        version=ref,
        bom_ref=f"action:{value}",
        purl=PackageURL(
            type="github",
            namespace=owner,
            name=repo,
            version=ref,
            subpath=subpath or None,
        ),
        properties=_properties(
            {
                "chainward:kind": "github-action",
                "chainward:pinned": "true" if _SHA.match(ref) else "false",
                "chainward:declared-in": sorted(places),
            }
        ),
    )


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
        properties=_properties(root_properties),
    )
    tools = ToolRepository(
        components=[
            Component(type=ComponentType.APPLICATION, name="chainward", version=__version__)
        ]
    )
    bom = Bom(metadata=BomMetaData(component=root, tools=tools))
    direct: list[Any] = []

    packages = _package_components(inputs.dependencies)
    direct.extend(packages)

    datasets: dict[str, Any] = {}
    models: dict[str, Any] = {}
    by_hub: dict[str, Any] = {}
    for info in inputs.models:
        component = _model_component(info, inputs.lock_path)
        models[info.model.name] = component
        if info.model.hf_id:
            by_hub[info.model.hf_id.lower()] = component
        for dataset in info.card.datasets:
            datasets.setdefault(dataset_ref(dataset), _dataset_component(dataset))
    for info in inputs.models:
        component = models[info.model.name]
        ancestors = [
            by_hub.get(base.lower())
            or Component(
                type=ComponentType.MACHINE_LEARNING_MODEL,
                name=base.rpartition("/")[2],
                group=base.rpartition("/")[0] or None,
                bom_ref=f"base-model:{base}",
                purl=_hf_purl(base, None),
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
    direct.extend(_download_components(inputs, datasets))
    direct.extend(datasets[k] for k in sorted(set(datasets) - card_datasets))
    images: dict[str, Any] = {}
    for image in inputs.images:
        component = _image_component(image)
        images.setdefault(component.bom_ref.value, component)
    direct.extend(images[k] for k in sorted(images))
    places: dict[str, list[str]] = {}
    for use in inputs.actions:
        places.setdefault(use.value, []).append(f"{use.path}:{use.line}")
    for value in sorted(places):
        action = _action_component(value, places[value])
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


# --- reading a BOM back ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ModelFileDigest:
    """One model file a BOM records: the model's bom-ref, the file's path and sha256."""

    model: str
    path: str
    sha256: str


def bom_model_files(document: Mapping[str, Any]) -> list[ModelFileDigest]:
    """The model files (path + sha256) recorded in a CycloneDX BOM."""
    out: list[ModelFileDigest] = []
    for component in document.get("components") or ():
        if not isinstance(component, Mapping):
            continue
        if component.get("type") != "machine-learning-model":
            continue
        for child in component.get("components") or ():
            if not isinstance(child, Mapping):
                continue
            path = next(
                (
                    p.get("value")
                    for p in child.get("properties") or ()
                    if isinstance(p, Mapping) and p.get("name") == PROPERTY_PATH
                ),
                None,
            )
            sha = next(
                (
                    h.get("content")
                    for h in child.get("hashes") or ()
                    if isinstance(h, Mapping) and h.get("alg") == "SHA-256"
                ),
                None,
            )
            if isinstance(path, str) and isinstance(sha, str):
                out.append(ModelFileDigest(str(component.get("bom-ref", "")), path, sha.lower()))
    return out


def check_model_files(document: Mapping[str, Any], root: Path) -> list[str]:
    """Model files of the BOM whose content under ``root`` differs or cannot be read.

    Each problem names the file, what the BOM says and what is there. A file that is not
    there cannot be checked, and is a problem too (never a pass).
    """
    from chainward.provenance.statement import sha256_file

    problems: list[str] = []
    for entry in bom_model_files(document):
        path = root / entry.path
        if ".." in Path(entry.path).parts or Path(entry.path).is_absolute():
            problems.append(f"{entry.path}: the BOM names a path outside the model folder")
            continue
        if not path.is_file():
            problems.append(
                f"{entry.path}: not found under {root}, so its sha256 cannot be checked"
            )
            continue
        try:
            actual = sha256_file(path)
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", where=str(path)) from None
        if actual != entry.sha256:
            problems.append(
                f"{entry.path}: sha256 is {actual}, the BOM records {entry.sha256} ({entry.model})"
            )
    return problems
