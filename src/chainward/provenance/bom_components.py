"""The CycloneDX components of an AI BOM, one builder per kind: AI packages (purl, pinned
hashes, where they are declared), locked models with their files, datasets, hub models
and torch.hub repositories the code downloads, container base images, GitHub Actions.

cyclonedx-python-lib and packageurl-python are imported inside the functions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chainward.inventory import BaseImage, Dependency
    from chainward.inventory.model_lock import LockedModel
    from chainward.provenance.bom_inputs import BomInputs, LockedModelInfo

PROPERTY_PATH = "chainward:path"
PROPERTY_LOCK = "chainward:model-lock"
SHA1_COMMIT = re.compile(r"^[0-9a-f]{40}$")


_HASH_ALGORITHMS = {"sha256": "SHA-256", "sha384": "SHA-384", "sha512": "SHA-512"}


def cdx_hashes(hashes: Sequence[str]) -> list[Any]:
    from cyclonedx.model import HashAlgorithm, HashType

    out: dict[tuple[str, str], Any] = {}
    for text in hashes:
        algorithm, _, value = text.partition(":")
        name = _HASH_ALGORITHMS.get(algorithm.lower())
        if name and re.fullmatch(r"[0-9a-fA-F]+", value):
            out[(name, value.lower())] = HashType(alg=HashAlgorithm(name), content=value.lower())
    return [out[k] for k in sorted(out)]


def cdx_licences(text: str) -> list[Any]:
    from cyclonedx.contrib.license.factories import LicenseFactory

    if not text:
        return []
    try:
        return [LicenseFactory().make_from_string(text)]
    except Exception:  # an unusual licence text: keep it as a name
        from cyclonedx.model.license import DisjunctiveLicense

        return [DisjunctiveLicense(name=text)]


def cdx_properties(values: Mapping[str, str | Sequence[str]]) -> list[Any]:
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


def dependency_origin(dep: Dependency) -> tuple[str, str, bool]:
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


def package_components(deps: Sequence[Dependency]) -> list[Any]:
    """One component per (ecosystem, name, version, origin): hashes and places merged."""
    from cyclonedx.model.component import Component, ComponentType
    from packageurl import PackageURL

    merged: dict[tuple[str, str, str, str, str], dict[str, Any]] = {}
    for dep in deps:
        version, url, pinned = dependency_origin(dep)
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
                hashes=cdx_hashes(entry["hashes"]),
                properties=cdx_properties(
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


def hf_purl(hub_id: str, revision: str | None) -> Any:
    from packageurl import PackageURL

    namespace, _, name = hub_id.rpartition("/")
    return PackageURL(
        type="huggingface", namespace=namespace or None, name=name, version=revision or None
    )


def model_component(info: LockedModelInfo, lock_rel: str) -> Any:
    from cyclonedx.model import ExternalReference, ExternalReferenceType, XsUri
    from cyclonedx.model.component import Component, ComponentType

    model, card = info.model, info.card
    hub_id = model.hf_id
    files = [
        Component(
            type=ComponentType.FILE,
            name=locked.path,
            bom_ref=f"{model_ref(model)}#{locked.path}",
            hashes=cdx_hashes([f"sha256:{locked.sha256}"]),
            properties=cdx_properties(
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
        purl=hf_purl(hub_id, model.revision) if hub_id else None,
        licenses=cdx_licences(card.license),
        external_references=refs,
        components=files,
        tags=list(card.tags) or None,
        properties=cdx_properties(
            {
                "chainward:kind": "model",
                "chainward:pinned": "true" if SHA1_COMMIT.match(model.revision or "") else "false",
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


def dataset_component(dataset: str, revision: str | None = None, places: Sequence[str] = ()) -> Any:
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
        scope=component_scope(places),
        external_references=refs,
        properties=cdx_properties(
            {
                "chainward:kind": "dataset",
                "chainward:pinned": "true" if SHA1_COMMIT.match(revision or "") else "false",
                "chainward:revision": revision or "unknown (not pinned where it is named)",
                "chainward:downloaded-in": sorted(set(places)),
            }
        ),
    )


def hub_model_component(repo_id: str, revision: str | None, places: Sequence[str]) -> Any:
    """A model the code downloads from the hub that chainward.lock does not lock."""
    from cyclonedx.model.component import Component, ComponentType

    group, _, name = repo_id.rpartition("/")
    return Component(
        type=ComponentType.MACHINE_LEARNING_MODEL,
        name=name,
        group=group or None,
        version=revision,
        bom_ref=f"hub-model:{repo_id}@{revision or 'unpinned'}",
        scope=component_scope(places),
        purl=hf_purl(repo_id, revision),
        properties=cdx_properties(
            {
                "chainward:kind": "model",
                "chainward:locked": "false",
                "chainward:pinned": "true" if SHA1_COMMIT.match(revision or "") else "false",
                "chainward:downloaded-in": sorted(set(places)),
            }
        ),
    )


def torch_hub_component(repo: str, ref: str | None, places: Sequence[str]) -> Any | None:
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
        scope=component_scope(places),
        purl=PackageURL(type="github", namespace=owner, name=name, version=ref),
        properties=cdx_properties(
            {
                "chainward:kind": "torch-hub",
                "chainward:pinned": "true" if SHA1_COMMIT.match(ref or "") else "false",
                "chainward:downloaded-in": sorted(set(places)),
            }
        ),
    )


_TEST_PARTS = frozenset({"tests", "test", "testing"})
_OPTIONAL_PARTS = frozenset({"examples", "example", "scripts", "docs", "benchmarks", "notebooks"})


def component_scope(places: Sequence[str]) -> Any:
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


def download_components(inputs: BomInputs, datasets: dict[str, Any]) -> list[Any]:
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
                datasets[ref] = dataset_component(repo, revision or None, places)
                datasets[ref].properties.update(
                    p for p in existing.properties if p.name != "chainward:revision"
                )
            else:
                datasets[ref] = dataset_component(repo, revision or None, places)
        elif kind == "model" and repo.lower() not in locked:
            out.append(hub_model_component(repo, revision or None, places))
        elif kind == "code":
            component = torch_hub_component(repo, revision or None, places)
            if component is not None:
                out.append(component)
    return out


def image_component(image: BaseImage) -> Any:
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
        hashes=cdx_hashes([digest]) if digest else [],
        properties=cdx_properties(
            {
                "chainward:kind": "base-image",
                "chainward:pinned": "true" if digest else "false",
                "chainward:declared-in": f"{image.path}:{image.line}",
            }
        ),
    )


def action_component(value: str, places: Sequence[str]) -> Any | None:
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
        properties=cdx_properties(
            {
                "chainward:kind": "github-action",
                "chainward:pinned": "true" if SHA1_COMMIT.match(ref) else "false",
                "chainward:declared-in": sorted(places),
            }
        ),
    )
