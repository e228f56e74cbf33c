"""Release evidence: the BOM attestation, the release policy and the SLSA VSA.

* :func:`bom_statement` wraps a CycloneDX BOM in an in-toto Statement v1 with the
  CycloneDX predicate type (``https://cyclonedx.org/bom``) over the release's subjects;
  it is signed like the provenance and written next to it as ``ARTIFACT.cdx.intoto.jsonl``
  (local key) or ``ARTIFACT.cdx.sigstore.json`` (keyless).
* :func:`verify_bom` verifies such an attestation and then the BOM's model files against
  the files on disk: a model whose sha256 no longer matches fails.
* :class:`ReleasePolicy` is ``[tool.chainward.release]``; :func:`evaluate_release`
  checks the verified attestations against it, and :func:`build_vsa` writes the SLSA
  Verification Summary Attestation (https://slsa.dev/spec/v1.1/verification_summary).

Levels: chainward claims ``SLSA_BUILD_LEVEL_2`` only for provenance signed keylessly by
a GitHub Actions workflow identity (a hosted build platform that signs the provenance),
``SLSA_BUILD_LEVEL_1`` for provenance that verifies with a key (it exists and is
signed, but who built it cannot be told), and never level 3: isolation of the signing
material from the build cannot be proven from the attestation alone.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainward import __version__
from chainward.core.attestation import Artifact, Policy, Result
from chainward.provenance.bom import CYCLONEDX_PREDICATE_TYPE
from chainward.provenance.bom_read import check_model_files
from chainward.provenance.environment import utc_now
from chainward.provenance.statement import STATEMENT_V1, Subject

if TYPE_CHECKING:
    from chainward.provenance.keys import PublicKey

VSA_PREDICATE_TYPE = "https://slsa.dev/verification_summary/v1"
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
GITHUB_BUILD_TYPES = (
    "https://actions.github.io/buildtypes/workflow/v1",
    "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1",
)
BOM_INFIX = ".cdx"
VSA_INFIX = ".vsa"
DEFAULT_VERIFIER_ID = "https://github.com/chainward/chainward/blob/main/docs/release.md#verifier"


def bom_statement(subjects: Sequence[Subject], bom: Mapping[str, Any]) -> dict[str, Any]:
    """The in-toto Statement v1 carrying a CycloneDX BOM as its predicate."""
    return {
        "_type": STATEMENT_V1,
        "subject": [s.to_json() for s in subjects],
        "predicateType": CYCLONEDX_PREDICATE_TYPE,
        "predicate": dict(bom),
    }


def companion_path(artifact: Path, infix: str, suffixes: Sequence[str]) -> Path | None:
    """``ARTIFACT<infix><suffix>`` next to the artifact, for the first suffix that exists."""
    for suffix in suffixes:
        candidate = artifact.with_name(artifact.name + infix + suffix)
        if candidate.is_file():
            return candidate
    return None


def verify_bom(
    bundle: Path,
    artifact: Artifact,
    policy: Policy,
    *,
    key: PublicKey | None,
    trusted_root_path: Path | None,
    model_root: Path,
) -> Result:
    """Verify a BOM attestation, then its model files under ``model_root``.

    The first document that verifies as a CycloneDX BOM is used; its model files must
    all be there with the recorded sha256 (a missing file cannot be checked: not
    verified).
    """
    from dataclasses import replace

    from chainward.provenance.verify import verify_file

    bom_policy = replace(policy, predicate_types=(CYCLONEDX_PREDICATE_TYPE,), builder_id=None)
    results = verify_file(
        bundle, artifact, bom_policy, key=key, trusted_root_path=trusted_root_path
    )
    good = next((r for r in results if r.verified and r.statement), None)
    if good is None:
        reasons = "; ".join(dict.fromkeys(r.reason for r in results))
        return Result(False, f"BOM attestation: {reasons}", "bom")
    predicate = good.statement.get("predicate") if good.statement else None
    if not isinstance(predicate, Mapping) or predicate.get("bomFormat") != "CycloneDX":
        return Result(False, "BOM attestation: the predicate is not a CycloneDX BOM", "bom")
    problems = check_model_files(predicate, model_root)
    if problems:
        return Result(
            False,
            "BOM attestation: model files do not match: " + "; ".join(problems),
            "bom",
            signer=good.signer,
            statement=good.statement,
        )
    return Result(
        True,
        good.reason + ", model files match the BOM",
        "bom",
        signer=good.signer,
        statement=good.statement,
    )


# --- the release policy ----------------------------------------------------------------


@dataclass(frozen=True)
class ReleasePolicy:
    """``[tool.chainward.release]``: what a release must satisfy."""

    repository: str = ""
    workflow: str = ""
    ref: str = ""
    issuer: str = GITHUB_ISSUER
    key: str = ""
    allowed_models: tuple[str, ...] = ()
    allowed_hub_orgs: tuple[str, ...] = ()
    required_attestations: tuple[str, ...] = ("provenance",)
    slsa_level: int = 1
    verifier_id: str = DEFAULT_VERIFIER_ID
    table: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> ReleasePolicy:
        """The policy from its validated table (defaults filled in)."""
        return cls(
            repository=str(table.get("repository") or ""),
            workflow=str(table.get("workflow") or ""),
            ref=str(table.get("ref") or ""),
            issuer=str(table.get("issuer") or GITHUB_ISSUER),
            key=str(table.get("key") or ""),
            allowed_models=tuple(table.get("allowed-models") or ()),
            allowed_hub_orgs=tuple(table.get("allowed-hub-orgs") or ()),
            required_attestations=tuple(table.get("required-attestations") or ("provenance",)),
            slsa_level=int(table.get("slsa-level", 1)),
            verifier_id=str(table.get("verifier-id") or DEFAULT_VERIFIER_ID),
            table=dict(table),
        )

    def identity_regexp(self) -> str | None:
        """The certificate identity the builder must have (None: no identity stated).

        GitHub workflow identities are ``https://github.com/OWNER/REPO/PATH@REF``; the
        repository and workflow are matched literally, the ref as a regular expression
        (any ref when not given). A reusable workflow of another repository is named
        in full (``OWNER/REPO/.github/workflows/X.yml``): the certificate names it, while
        ``repository`` is then checked as the certificate's source repository.
        """
        if not self.repository:
            return None
        repo = self.repository.strip().strip("/")
        if "://" not in repo:
            repo = f"https://github.com/{repo}"
        workflow = self.workflow.strip().lstrip("/")
        ref = self.ref or r".+"
        if not workflow.startswith(".github/") and "/.github/workflows/" in workflow:
            host = repo.split("://", 1)[0] + "://" + repo.split("://", 1)[1].split("/", 1)[0]
            return f"{re.escape(host)}/{re.escape(workflow)}@(?:{ref})"
        path = re.escape(workflow) if workflow else r"\.github/workflows/[^@]+"
        return f"{re.escape(repo)}/{path}@(?:{ref})"

    def digest(self) -> str:
        """sha256 of the policy table as canonical JSON (sorted keys, no spaces)."""
        text = json.dumps(self.table, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _model_ids_from_statement(statement: Mapping[str, Any]) -> list[str]:
    """Models a provenance or BOM statement names: hub ids, or the source for others."""
    out: list[str] = []
    predicate = statement.get("predicate")
    if not isinstance(predicate, Mapping):
        return out
    if statement.get("predicateType") == CYCLONEDX_PREDICATE_TYPE:
        for component in predicate.get("components") or ():
            if not isinstance(component, Mapping):
                continue
            if component.get("type") != "machine-learning-model":
                continue
            if component.get("scope") == "excluded":
                continue  # downloaded only by tests: not part of the release
            purl = component.get("purl")
            if isinstance(purl, str) and purl.startswith("pkg:huggingface/"):
                out.append(purl[len("pkg:huggingface/") :].split("@", 1)[0])
            else:
                out.append(f"(no hub id) {component.get('name', '?')}")
        return out
    build = predicate.get("buildDefinition")
    deps = build.get("resolvedDependencies") if isinstance(build, Mapping) else None
    for dep in deps if isinstance(deps, list) else ():
        if not isinstance(dep, Mapping):
            continue
        annotations = dep.get("annotations")
        if not isinstance(annotations, Mapping) or annotations.get("kind") != "model-file":
            continue
        uri = str(dep.get("uri") or "")
        if uri.startswith("pkg:huggingface/"):
            out.append(uri[len("pkg:huggingface/") :].split("@", 1)[0].split("#", 1)[0])
        else:
            out.append(f"(no hub id) {annotations.get('source') or uri}")
    return out


def model_allowed(model: str, policy: ReleasePolicy) -> bool:
    """Whether a model (a hub id ``ORG/NAME``) is allowed by the release policy."""
    if model.startswith("(no hub id)"):
        return False
    lowered = model.lower()
    if any(fnmatch.fnmatchcase(lowered, p.lower()) for p in policy.allowed_models):
        return True
    org = lowered.split("/", 1)[0] if "/" in lowered else ""
    return bool(org) and org in {o.lower() for o in policy.allowed_hub_orgs}


@dataclass(frozen=True)
class Evidence:
    """What was verified for one artifact."""

    provenance: Result | None
    bom: Result | None
    keyless: bool
    inputs: tuple[tuple[str, str], ...] = ()
    """(uri, sha256) of every attestation file read."""


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking a release against its policy."""

    passed: bool
    level: int
    violations: tuple[str, ...]
    models: tuple[str, ...]


def provenance_level(result: Result | None, keyless: bool) -> int:
    """The SLSA build level a verified provenance shows (0 when it does not verify)."""
    if result is None or not result.verified or not result.statement:
        return 0
    predicate = result.statement.get("predicate")
    build = predicate.get("buildDefinition") if isinstance(predicate, Mapping) else None
    build_type = build.get("buildType") if isinstance(build, Mapping) else None
    if keyless and build_type in GITHUB_BUILD_TYPES:
        return 2
    return 1


def evaluate_release(evidence: Evidence, policy: ReleasePolicy) -> Verdict:
    """Check the verified evidence against the release policy."""
    violations: list[str] = []
    provenance = evidence.provenance
    if provenance is None:
        violations.append("no provenance attestation was found for the artifact")
    elif not provenance.verified:
        violations.append(f"the provenance does not verify: {provenance.reason}")
    if "bom" in policy.required_attestations:
        if evidence.bom is None:
            violations.append("the policy requires a BOM attestation and none was found")
        elif not evidence.bom.verified:
            violations.append(evidence.bom.reason)
    elif evidence.bom is not None and not evidence.bom.verified:
        violations.append(evidence.bom.reason)
    level = provenance_level(provenance, evidence.keyless)
    if level < policy.slsa_level:
        why = (
            "chainward never claims level 3: isolation of the build's signing material "
            "cannot be proven from an attestation"
            if policy.slsa_level >= 3
            else "level 2 needs provenance signed keylessly by a GitHub Actions workflow "
            "(a key signature does not say who built the artifact)"
        )
        violations.append(
            f"the policy requires SLSA build level {policy.slsa_level}, "
            f"verified: {level or 'none'} ({why})"
        )
    models: list[str] = []
    for result in (provenance, evidence.bom):
        if result is not None and result.verified and result.statement:
            models.extend(_model_ids_from_statement(result.statement))
    models = list(dict.fromkeys(models))
    if policy.allowed_models or policy.allowed_hub_orgs:
        for model in models:
            if not model_allowed(model, policy):
                violations.append(
                    f"model {model} is not in allowed-models or allowed-hub-orgs"
                    if not model.startswith("(no hub id)")
                    else f"model {model[len('(no hub id) ') :]} has no hub id, so it cannot "
                    "be matched against allowed-models or allowed-hub-orgs"
                )
    return Verdict(not violations, level, tuple(violations), tuple(models))


def build_vsa(
    subject: Subject,
    verdict: Verdict,
    policy: ReleasePolicy,
    evidence: Evidence,
    *,
    policy_uri: str,
    resource_uri: str,
) -> dict[str, Any]:
    """The in-toto Statement v1 with a SLSA VSA v1 predicate for one artifact.

    Fields as the VSA spec requires: ``verifier.id``, ``timeVerified``, ``resourceUri``,
    ``policy`` (uri and digest), ``inputAttestations`` (uri and digest),
    ``verificationResult`` (PASSED or FAILED), ``verifiedLevels`` (the highest build
    level verified, or ``FAILED``), ``slsaVersion``. The reasons of a FAILED result go in
    ``chainward.violations`` (consumers ignore fields they do not know).
    """
    levels = [f"SLSA_BUILD_LEVEL_{verdict.level}"] if verdict.passed else ["FAILED"]
    predicate: dict[str, Any] = {
        "verifier": {"id": policy.verifier_id, "version": {"chainward": __version__}},
        "timeVerified": utc_now(),
        "resourceUri": resource_uri,
        "policy": {"uri": policy_uri, "digest": {"sha256": policy.digest()}},
        "inputAttestations": [
            {"uri": uri, "digest": {"sha256": digest}} for uri, digest in evidence.inputs
        ],
        "verificationResult": "PASSED" if verdict.passed else "FAILED",
        "verifiedLevels": levels,
        "slsaVersion": "1.1",
        "chainward": {"violations": list(verdict.violations), "models": list(verdict.models)},
    }
    return {
        "_type": STATEMENT_V1,
        "subject": [subject.to_json()],
        "predicateType": VSA_PREDICATE_TYPE,
        "predicate": predicate,
    }


def vsa_problem(statement: Mapping[str, Any]) -> str | None:
    """Why a verified VSA statement does not vouch for the artifact (None when it does)."""
    predicate = statement.get("predicate")
    if not isinstance(predicate, Mapping):
        return "the VSA has no predicate"
    missing = [
        name
        for name in ("verifier", "timeVerified", "resourceUri", "policy", "verificationResult")
        if name not in predicate
    ]
    if missing or not isinstance(predicate.get("verifiedLevels"), list):
        return "the VSA lacks required fields: " + ", ".join(missing or ["verifiedLevels"])
    if predicate.get("verificationResult") != "PASSED":
        violations = predicate.get("chainward", {})
        reasons = violations.get("violations") if isinstance(violations, Mapping) else None
        detail = f": {'; '.join(map(str, reasons))}" if isinstance(reasons, list) else ""
        return f"the VSA says verificationResult {predicate.get('verificationResult')}{detail}"
    return None
