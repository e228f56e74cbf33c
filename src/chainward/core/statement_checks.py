"""The content checks of a signed in-toto statement: the subject digest is the artifact's,
the predicate type is expected, the SLSA builder and source repository are the policy's.

Shared by provenance attestations and PEP 740 attestations of dependencies (standard
library and ``core`` only).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chainward.core.attestation import INTOTO_PAYLOAD_TYPE, Artifact, Policy, repository_url
from chainward.core.jsonsafe import loads_json

STATEMENT_TYPES = ("https://in-toto.io/Statement/v1", "https://in-toto.io/Statement/v0.1")


def normalize_repository(url: str) -> str:
    """A repository URL in one comparable form (https, lower case, no ``.git``, no user)."""
    text = url.strip().lower().removeprefix("git+")
    if text.startswith("git@") and ":" in text:
        host, _, path = text[4:].partition(":")
        text = f"https://{host}/{path}"
    text = text.removeprefix("ssh://git@").removeprefix("ssh://")
    if "://" not in text:
        text = "https://" + text
    text = text.split("@", 1)[0] if text.count("@") and "://" in text else text
    return text.rstrip("/").removesuffix(".git")


def statement_repositories(predicate: Mapping[str, Any]) -> list[str]:
    """Source repositories a SLSA v1 (or v0.2) predicate names, normalised."""
    repos: list[str] = []
    build = predicate.get("buildDefinition")
    if isinstance(build, Mapping):
        external = build.get("externalParameters")
        if isinstance(external, Mapping):
            # GitHub's workflow parameters, or chainward's local build's source.
            for holder in (external.get("workflow"), external.get("source")):
                if isinstance(holder, Mapping) and isinstance(holder.get("repository"), str):
                    repos.append(normalize_repository(holder["repository"]))
                    break
        deps = build.get("resolvedDependencies")
        if not repos and isinstance(deps, list):
            for dep in deps:
                uri = dep.get("uri") if isinstance(dep, Mapping) else None
                if isinstance(uri, str) and uri.startswith("git+"):
                    repos.append(
                        normalize_repository(uri.split("@", 1)[0] if "://" in uri else uri)
                    )
                    break
    invocation = predicate.get("invocation")  # SLSA v0.2
    if not repos and isinstance(invocation, Mapping):
        source = invocation.get("configSource")
        if isinstance(source, Mapping) and isinstance(source.get("uri"), str):
            repos.append(normalize_repository(source["uri"].split("@", 1)[0]))
    return repos


def statement_builder(predicate: Mapping[str, Any]) -> str | None:
    """The builder id of a SLSA v1 (or v0.2) predicate."""
    run = predicate.get("runDetails")
    holder = run if isinstance(run, Mapping) else predicate
    builder = holder.get("builder")
    if isinstance(builder, Mapping) and isinstance(builder.get("id"), str):
        return str(builder["id"])
    return None


def check_statement(
    payload_type: str, payload: bytes, artifact: Artifact, policy: Policy
) -> tuple[str | None, Mapping[str, Any] | None]:
    """Check a DSSE payload: ``(reason it fails or None, the statement)``."""
    if payload_type != INTOTO_PAYLOAD_TYPE:
        return f"payload type is {payload_type!r}, not an in-toto statement", None
    try:
        statement = loads_json(payload)
    except (ValueError, UnicodeDecodeError):
        return "the signed payload is not JSON", None
    if not isinstance(statement, dict) or statement.get("_type") not in STATEMENT_TYPES:
        return "the signed payload is not an in-toto Statement", None
    subjects = statement.get("subject")
    if not isinstance(subjects, list) or not subjects:
        return "the statement has no subjects", statement
    matched = False
    for subject in subjects:
        digest = subject.get("digest") if isinstance(subject, Mapping) else None
        if not isinstance(digest, Mapping):
            continue
        for name, value in digest.items():
            if isinstance(value, str) and value.lower() == artifact.digest(str(name)):
                matched = True
    if not matched:
        names = ", ".join(str(s.get("name")) for s in subjects if isinstance(s, Mapping))
        return (
            f"no subject digest matches {artifact.name} (subjects: {names or '(unnamed)'})",
            statement,
        )
    predicate_type = statement.get("predicateType")
    if policy.predicate_types is not None and predicate_type not in policy.predicate_types:
        return (
            f"predicate type is {predicate_type!r}, expected "
            + " or ".join(policy.predicate_types),
            statement,
        )
    predicate = statement.get("predicate")
    predicate = predicate if isinstance(predicate, Mapping) else {}
    if policy.builder_id is not None:
        builder = statement_builder(predicate)
        if builder != policy.builder_id:
            return f"builder is {builder or '(none)'}, expected {policy.builder_id}", statement
    # The repository is a provenance fact; a VSA (also under slsa.dev) names none.
    if policy.repository is not None and str(predicate_type).startswith(
        "https://slsa.dev/provenance/"
    ):
        want = normalize_repository(repository_url(policy.repository))
        repos = statement_repositories(predicate)
        if not repos:
            return "the provenance names no source repository", statement
        if repos[0] != want:
            return f"provenance source repository is {repos[0]}, expected {want}", statement
    return None, statement
