"""In-toto Statement v1 with a SLSA Provenance v1 predicate, AI inputs included.

In GitHub Actions the predicate has the shape actions/attest-build-provenance writes
(buildType ``https://actions.github.io/buildtypes/workflow/v1``,
``externalParameters.workflow`` {ref, repository, path},
``internalParameters.github`` {event_name, repository_id, repository_owner_id,
runner_environment}, ``runDetails.builder.id`` = the workflow ref URL,
``metadata.invocationId`` = the run attempt URL), so that tools that understand
GitHub's provenance understand this one. Elsewhere the build type is
:data:`LOCAL_BUILD_TYPE` and the builder id says plainly that it is a local,
unverified build.

``resolvedDependencies`` goes beyond GitHub's (which lists only the source commit):

* the source repository at its commit (``git+URL@REF``, ``gitCommit``);
* every pinned AI dependency of the dependency inventory: ``uri`` = purl
  (``pkg:pypi/NAME@VERSION``), ``name``, ``digest.sha256`` when exactly one hash is
  pinned, and every pinned hash under ``annotations.hashes``;
* every file of every model in ``chainward.lock``: ``uri`` = the model source at its
  revision (``pkg:huggingface/ORG/NAME@REV#FILE`` for Hugging Face), ``digest.sha256``;
* container base images pinned by digest: ``uri`` = ``pkg:docker/...@sha256:...``.
"""

from __future__ import annotations

import glob
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainward import __version__
from chainward.core.attestation import SLSA_PROVENANCE_V1
from chainward.core.errors import InputError
from chainward.provenance.environment import BuildEnvironment, SourceInfo, strip_credentials

if TYPE_CHECKING:
    from chainward.core.policy import Policy
    from chainward.inventory import BaseImage, Dependency
    from chainward.inventory.model_lock import LockedModel

STATEMENT_V1 = "https://in-toto.io/Statement/v1"
GITHUB_BUILD_TYPE = "https://actions.github.io/buildtypes/workflow/v1"
DOCS = "https://github.com/chainward/chainward/blob/main/docs/provenance.md"
LOCAL_BUILD_TYPE = f"{DOCS}#local-build-v1"
LOCAL_BUILDER_ID = f"{DOCS}#local-unverified-builder"
MAX_SUBJECTS = 10_000


@dataclass(frozen=True, slots=True)
class Subject:
    """One attested file: its file name and sha256 (``path`` is where it is)."""

    name: str
    sha256: str
    path: Path

    def to_json(self) -> dict[str, Any]:
        """The in-toto ResourceDescriptor of the subject."""
        return {"name": self.name, "digest": {"sha256": self.sha256}}


def sha256_file(path: Path) -> str:
    """Streaming sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def expand_subjects(patterns: Sequence[str], cwd: Path) -> list[Subject]:
    """Files named or matched by ``patterns`` (globs such as ``dist/*``), sorted by name.

    A pattern that matches no file, or names a directory, is an InputError (exit 2).
    """
    found: dict[str, Path] = {}
    for pattern in patterns:
        matches = sorted(glob.glob(pattern, root_dir=cwd, recursive=True))  # noqa: PTH207
        if not matches:
            raise InputError(f"no file matches {pattern!r}", where=str(cwd))
        files = [m for m in matches if (cwd / m).is_file()]
        if not files:
            raise InputError(f"{pattern!r} matches no regular file", where=str(cwd))
        for match in files:
            # The subject name is the file name, as actions/attest-build-provenance and
            # PEP 740 write it; two different files with one name would be ambiguous.
            path = (cwd / match).resolve()
            name = path.name
            if name in found and found[name] != path:
                raise InputError(
                    f"two subjects are named {name!r}: {found[name]} and {path}",
                    hint="attest them separately",
                )
            found[name] = path
        if len(found) > MAX_SUBJECTS:
            raise InputError(f"more than {MAX_SUBJECTS} subjects", where=pattern)
    subjects: list[Subject] = []
    for name, path in sorted(found.items()):
        try:
            digest = sha256_file(path)
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", where=name) from None
        subjects.append(Subject(name, digest, path))
    return subjects


# --- resolved dependencies ----------------------------------------------------------


def source_descriptor(source: SourceInfo) -> dict[str, Any]:
    """The source repository at its commit, as attest-build-provenance writes it."""
    uri = f"git+{source.url}"
    if source.ref:
        uri += f"@{source.ref}"
    descriptor: dict[str, Any] = {"uri": uri}
    if source.commit:
        descriptor["digest"] = {"gitCommit": source.commit}
    return descriptor


def _hex(hash_text: str, algorithm: str = "sha256") -> str | None:
    prefix, _, value = hash_text.partition(":")
    if prefix.lower() == algorithm and re.fullmatch(r"[0-9a-fA-F]{64}", value):
        return value.lower()
    return None


_COMMIT = re.compile(r"@([0-9a-f]{40}|[0-9a-f]{64})$")


def _pin_key(dep: Dependency) -> tuple[str, str, str] | None:
    """(uri, name, version) when ``dep`` is pinned to one artifact, else None.

    Index packages need an exact version (``pkg:pypi/NAME@VERSION``, ``pkg:conda/...``);
    VCS dependencies a full commit id (``git+URL@COMMIT``); URL dependencies a hash.
    """
    if dep.source == "index" and dep.version:
        purl_type = "conda" if dep.manifest == "conda" else "pypi"
        return f"pkg:{purl_type}/{dep.name}@{dep.version}", dep.name, dep.version
    url = strip_credentials(dep.url or "")
    if dep.source == "vcs" and _COMMIT.search(url):
        return url, dep.name, dep.version or ""
    if dep.source == "url" and url and dep.hashes:
        return url, dep.name, dep.version or ""
    return None


def dependency_descriptors(dependencies: Sequence[Dependency]) -> list[dict[str, Any]]:
    """One descriptor per pinned dependency, hashes and places merged across files.

    ``dependencies`` are inventory ``Dependency`` records already filtered to AI packages;
    the ones not pinned to one artifact (see :func:`_pin_key`) are left out.
    """
    merged: dict[tuple[str, str, str], dict[str, Any]] = {}
    for dep in dependencies:
        key = _pin_key(dep)
        if key is None:
            continue
        entry = merged.setdefault(key, {"hashes": [], "declared": []})
        for hash_text in dep.hashes:
            if hash_text not in entry["hashes"]:
                entry["hashes"].append(hash_text)
        where = f"{dep.path}:{dep.line}"
        if where not in entry["declared"]:
            entry["declared"].append(where)
    out: list[dict[str, Any]] = []
    for (uri, name, version), entry in sorted(merged.items()):
        descriptor: dict[str, Any] = {"uri": uri, "name": name}
        commit = _COMMIT.search(uri) if not uri.startswith("pkg:") else None
        sha256s = sorted({h for h in (_hex(x) for x in entry["hashes"]) if h})
        if commit:
            descriptor["digest"] = {"gitCommit": commit.group(1)}
        elif len(sha256s) == 1:
            descriptor["digest"] = {"sha256": sha256s[0]}
        annotations: dict[str, Any] = {"kind": "ai-dependency", "declaredIn": entry["declared"]}
        if version:
            annotations["version"] = version
        if entry["hashes"]:
            annotations["hashes"] = sorted(entry["hashes"])
        descriptor["annotations"] = annotations
        out.append(descriptor)
    return out


def _model_uri(source: str, revision: str | None) -> str:
    if source.startswith("hf://"):
        repo = source[len("hf://") :].strip("/")
        return f"pkg:huggingface/{repo}" + (f"@{revision}" if revision else "")
    return source + (f"@{revision}" if revision else "")


def model_descriptors(models: Sequence[LockedModel]) -> list[dict[str, Any]]:
    """One descriptor per locked model file: the source at its revision, and its sha256."""
    out: list[dict[str, Any]] = []
    for model in models:
        base = _model_uri(model.source, model.revision)
        prefix = (model.path.rstrip("/") + "/") if getattr(model, "path", "") else ""
        for locked in model.files:
            inner = (
                locked.path[len(prefix) :]
                if prefix and locked.path.startswith(prefix)
                else locked.path
            )
            out.append(
                {
                    "uri": f"{base}#{inner}",
                    "name": f"{model.name}/{inner}",
                    "digest": {"sha256": locked.sha256},
                    "annotations": {
                        "kind": "model-file",
                        "model": model.name,
                        "source": model.source,
                        "revision": model.revision or "",
                        "path": locked.path,
                        "size": locked.size,
                    },
                }
            )
    return out


def _image_purl(image: str, digest: str) -> str:
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: len(name) - len(last)] + last.split(":", 1)[0]
    return f"pkg:docker/{name}@{digest}"


def image_descriptors(images: Sequence[BaseImage]) -> list[dict[str, Any]]:
    """Base images pinned by digest (unpinned images cannot be resolved and are left out)."""
    seen: dict[str, dict[str, Any]] = {}
    for image in images:
        digest = image.digest
        if not digest or not digest.startswith("sha256:"):
            continue
        uri = _image_purl(image.image, digest)
        seen.setdefault(
            uri,
            {
                "uri": uri,
                "name": image.image,
                "digest": {"sha256": digest.split(":", 1)[1].lower()},
                "annotations": {"kind": "base-image", "declaredIn": f"{image.path}:{image.line}"},
            },
        )
    return [seen[k] for k in sorted(seen)]


@dataclass(frozen=True)
class Inputs:
    """What went into the build beyond the source: AI dependencies, models, images."""

    dependencies: tuple[dict[str, Any], ...] = ()
    models: tuple[dict[str, Any], ...] = ()
    images: tuple[dict[str, Any], ...] = ()
    notes: tuple[str, ...] = ()


def collect_inputs(root: Path, policy: Policy, lock_path: Path | None = None) -> Inputs:
    """Gather the pinned AI dependencies, locked models and pinned base images of ``root``.

    Uses the dependency inventory (``chainward.inventory``) and the model
    lock (``chainward.inventory.model_lock``). Problems reading either become ``notes`` (printed
    by the CLI), never silent omissions.
    """
    from chainward.core.context import ScanContext
    from chainward.core.files import select_files
    from chainward.inventory import collect_inventory
    from chainward.inventory.ai_packages import is_ai_package

    notes: list[str] = []
    files = select_files(root, (), policy.exclude)
    ctx = ScanContext(root=root, files=files, policy=policy, offline=True)
    inventory = collect_inventory(ctx)
    table = policy.domain("dependencies")
    ai = [d for d in inventory.dependencies if is_ai_package(d.name, table)]
    deps = dependency_descriptors(ai)
    pinned = {d.name for d in ai if _pin_key(d) is not None}
    unpinned = sorted({d.name for d in ai if _pin_key(d) is None} - pinned)
    if unpinned:
        notes.append(
            "AI dependencies not pinned to one artifact (exact version, commit or hash) "
            "are not recorded: " + ", ".join(unpinned)
        )
    images = image_descriptors(inventory.images)
    notes.extend(f"{problem.path}: {problem.message}" for problem in inventory.problems)
    models: list[dict[str, Any]] = []
    lock = lock_path if lock_path is not None else root / "chainward.lock"
    if lock.is_file():
        from chainward.inventory.model_lock import load_lock

        models = model_descriptors(load_lock(lock).models)
    return Inputs(tuple(deps), tuple(models), tuple(images), tuple(notes))


# --- the statement -------------------------------------------------------------------


def build_predicate(environment: BuildEnvironment, inputs: Inputs) -> dict[str, Any]:
    """The SLSA Provenance v1 predicate."""
    resolved: list[dict[str, Any]] = []
    if environment.source is not None:
        resolved.append(source_descriptor(environment.source))
    resolved.extend(inputs.dependencies)
    resolved.extend(inputs.models)
    resolved.extend(inputs.images)
    gh = environment.github
    if gh is not None:
        server = gh["GITHUB_SERVER_URL"]
        repository = gh["GITHUB_REPOSITORY"]
        workflow_ref = gh["GITHUB_WORKFLOW_REF"]
        # GITHUB_WORKFLOW_REF is "owner/repo/.github/workflows/x.yml@refs/heads/main".
        workflow_path = workflow_ref.split("@", 1)[0]
        workflow_path = (
            workflow_path[len(repository) + 1 :]
            if workflow_path.startswith(repository + "/")
            else workflow_path
        )
        github_params = {
            "event_name": gh["GITHUB_EVENT_NAME"],
            "repository_id": gh["GITHUB_REPOSITORY_ID"],
            "repository_owner_id": gh["GITHUB_REPOSITORY_OWNER_ID"],
        }
        if gh.get("RUNNER_ENVIRONMENT"):
            github_params["runner_environment"] = gh["RUNNER_ENVIRONMENT"]
        return {
            "buildDefinition": {
                "buildType": GITHUB_BUILD_TYPE,
                "externalParameters": {
                    "workflow": {
                        # As attest-build-provenance: the ref of the workflow file.
                        "ref": workflow_ref.split("@", 1)[1]
                        if "@" in workflow_ref
                        else gh["GITHUB_REF"],
                        "repository": f"{server}/{repository}",
                        "path": workflow_path,
                    }
                },
                "internalParameters": {"github": github_params},
                "resolvedDependencies": resolved,
            },
            "runDetails": {
                "builder": {"id": f"{server}/{gh.get('JOB_WORKFLOW_REF') or workflow_ref}"},
                "metadata": {
                    "invocationId": f"{server}/{repository}/actions/runs/"
                    f"{gh['GITHUB_RUN_ID']}/attempts/{gh['GITHUB_RUN_ATTEMPT'] or '1'}"
                },
            },
        }
    external: dict[str, Any] = {}
    if environment.source is not None:
        external["source"] = {
            "repository": environment.source.url,
            "ref": environment.source.ref or "",
        }
    return {
        "buildDefinition": {
            "buildType": LOCAL_BUILD_TYPE,
            "externalParameters": external,
            "internalParameters": {"host": environment.hostname},
            "resolvedDependencies": resolved,
        },
        "runDetails": {
            "builder": {"id": LOCAL_BUILDER_ID, "version": {"chainward": __version__}},
            "metadata": {"startedOn": environment.started},
        },
    }


def build_statement(subjects: Sequence[Subject], predicate: Mapping[str, Any]) -> dict[str, Any]:
    """The in-toto Statement v1 over ``subjects``."""
    if not subjects:
        raise InputError("nothing to attest: no subjects")
    return {
        "_type": STATEMENT_V1,
        "subject": [s.to_json() for s in subjects],
        "predicateType": SLSA_PROVENANCE_V1,
        "predicate": dict(predicate),
    }
