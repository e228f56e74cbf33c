"""``unpublished-hash``, ``vulnerable-dependency`` and ``dependency-not-verified``.

The index data is fetched at the edge (:mod:`index`, :mod:`audit`); the functions
named ``find_*`` here are pure over that data. Anything that could not be checked
(offline, a network failure, an index other than PyPI) is reported as
``dependency-not-verified``, never silently passed.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chainward.core.errors import NetworkError
from chainward.core.findings import Finding
from chainward.dependencies.audit import AuditResult
from chainward.dependencies.checks.sources import PYPI, normalize_index
from chainward.dependencies.index import Project, PyPIClient
from chainward.dependencies.meta import (
    DEPENDENCY_NOT_VERIFIED,
    UNPUBLISHED_HASH,
    VULNERABLE_DEPENDENCY,
    info,
)
from chainward.inventory.model import Dependency, InstallOption, Inventory, at_dependency, location


@dataclass(frozen=True, slots=True)
class Sources:
    """Where a dependency can come from: its primary index and any extra ones."""

    primary: str
    extras: tuple[str, ...]


def sources_of(
    dependency: Dependency, options: Iterable[InstallOption], allowed: Sequence[str] = ()
) -> Sources:
    """The index a pinned dependency is installed from, by its file's options."""
    primary = PYPI
    extras: list[str] = []
    for option in options:
        if option.path != dependency.path:
            continue
        if option.group == f"lock:{dependency.name}" and option.option == "index-url":
            return Sources(normalize_index(option.value, allowed), ())
        if option.group != "":
            continue
        if option.option == "index-url":
            primary = normalize_index(option.value, allowed)
        elif option.option in ("extra-index-url", "find-links"):
            extras.append(normalize_index(option.value, allowed))
    return Sources(primary, tuple(e for e in extras if e != primary))


def pinned(dependencies: Iterable[Dependency]) -> list[Dependency]:
    """PyPI dependencies from an index with a known exact version (conda ones are not
    on PyPI, whatever their names)."""
    return [
        d
        for d in dependencies
        if d.source == "index" and d.name and d.version is not None and d.ecosystem == "pypi"
    ]


def _not_verified(dependency: Dependency, why: str, fix: str) -> Finding:
    return info(DEPENDENCY_NOT_VERIFIED).finding(
        f"{dependency.raw_name}=={dependency.version} was not verified: {why}",
        **at_dependency(dependency),
        fix=fix,
    )


def find_unpublished_hashes(
    dependencies: Iterable[Dependency],
    projects: Mapping[str, Project | NetworkError],
    options: Iterable[InstallOption] = (),
    allowed: Sequence[str] = (),
) -> Iterator[Finding]:
    """Compare every hash of every pinned dependency with what PyPI published.

    ``projects`` maps canonical names to the fetched Project or the error met.
    """
    option_list = list(options)
    for dependency in pinned(dependencies):
        if not dependency.hashes:
            continue
        version = dependency.version or ""
        sources = sources_of(dependency, option_list, allowed)
        if sources.primary != PYPI:
            yield _not_verified(
                dependency,
                f"it is installed from {sources.primary}, not PyPI, and only PyPI's "
                "published digests are checked",
                "check the hashes against that index yourself, or mirror PyPI",
            )
            continue
        project = projects.get(dependency.name)
        if project is None or isinstance(project, NetworkError):
            reason = str(project) if project is not None else "not looked up"
            yield _not_verified(
                dependency,
                f"PyPI could not be asked ({reason})",
                "rerun with network access: chainward deps --verify",
            )
            continue
        published = project.published(version)
        if published is None:
            yield _not_verified(
                dependency,
                f"PyPI lists no release {version} of {dependency.raw_name}",
                "check the version; a release that vanished from PyPI deserves a look",
            )
            continue
        comparable = {h.split(":", 1)[0] for h in published}
        for digest in dependency.hashes:
            algo, _, value = digest.partition(":")
            algo = algo.lower()
            if algo not in comparable:
                yield _not_verified(
                    dependency,
                    f"PyPI publishes no {algo} digests to compare {digest[:24]}… with",
                    "use sha256 hashes",
                )
                continue
            if f"{algo}:{value.lower()}" in published:
                continue
            if sources.extras:
                yield _not_verified(
                    dependency,
                    f"hash {digest} is not one PyPI published; it may come from "
                    f"{', '.join(sources.extras)}",
                    "install from one index so that each hash has one origin",
                )
                continue
            yield info(UNPUBLISHED_HASH).finding(
                f"hash {digest} of {dependency.raw_name}=={version} is not among the "
                f"{len(project.files(version) or ())} files PyPI published for that "
                "version: the lock may have been poisoned, or the file came from elsewhere",
                **location(dependency),
                fix="regenerate the hashes from PyPI (`chainward pin --write` or "
                "`pip-compile --generate-hashes`) and find out where this one came from",
                properties={"package": dependency.name, "hash": digest},
            )


def find_vulnerabilities(
    dependencies: Iterable[Dependency],
    results: Iterable[AuditResult],
    ignore: Iterable[str] = (),
) -> Iterator[Finding]:
    """Findings for advisories of pinned versions, and for versions not audited."""
    ignored = {i.upper() for i in ignore}
    by_pin = {(r.name, r.version): r for r in results}
    for dependency in pinned(dependencies):
        result = by_pin.get((dependency.name, dependency.version or ""))
        if result is None:
            continue
        if result.error is not None:
            yield _not_verified(
                dependency,
                f"the vulnerability service did not answer ({result.error})",
                "rerun `chainward deps --audit` where PyPI's per-version JSON answers, "
                "or run pip-audit with the OSV service",
            )
            continue
        for advisory in result.advisories:
            if {advisory.id.upper(), *(a.upper() for a in advisory.aliases)} & ignored:
                continue
            fixed = ", ".join(advisory.fixed_in) or "no fixed version yet"
            aliases = f" ({', '.join(advisory.aliases)})" if advisory.aliases else ""
            yield info(VULNERABLE_DEPENDENCY).finding(
                f"{dependency.raw_name}=={dependency.version} has a known vulnerability "
                f"{advisory.id}{aliases}: {advisory.description[:200]}; fixed in {fixed}",
                **location(dependency),
                fix=(
                    f"upgrade to {dependency.raw_name}=={advisory.fixed_in[0]} or later"
                    if advisory.fixed_in
                    else "remove or replace the dependency, or accept the risk with "
                    "ignore-vulnerabilities"
                ),
                properties={
                    "package": dependency.name,
                    "advisory": advisory.id,
                    "fixed_in": ",".join(advisory.fixed_in),
                },
            )


def offline_notice(count: int) -> Finding:
    """The one finding that says index verification was skipped."""
    return info(DEPENDENCY_NOT_VERIFIED).finding(
        f"--offline: {count} pinned dependencies were not verified against PyPI "
        "(published hashes, known vulnerabilities)",
        fix="run `chainward deps --verify --audit` with network access (the "
        "audit-dependencies hook does, in CI)",
    )


def verify_inventory(
    inventory: Inventory,
    policy: Mapping[str, Any],
    *,
    offline: bool,
    hashes: bool = True,
    vulnerabilities: bool = True,
    client: PyPIClient | None = None,
    audit_session: Any = None,
) -> Iterator[Finding]:
    """Fetch what is needed (unless offline) and run the index checks."""
    candidates = pinned(inventory.dependencies)
    if not candidates:
        return
    if offline:
        yield offline_notice(len(candidates))
        return
    allowed = [str(a) for a in policy.get("allowed-indexes", ())]
    timeout = int(policy.get("timeout", 15))
    if hashes:
        client = client or PyPIClient.from_policy(policy)
        projects: dict[str, Project | NetworkError] = {}
        wanted: dict[str, set[str]] = defaultdict(set)
        for dependency in candidates:
            if dependency.hashes:
                wanted[dependency.name].add(dependency.version or "")
        for name, versions in sorted(wanted.items()):
            try:
                project = client.project(name)
                for version in sorted(versions):
                    if project.files(version) is None:
                        # A newer release than the cached copy knows: ask again.
                        with contextlib.suppress(NetworkError):
                            project = client.project(name, version)
                projects[name] = project
            except NetworkError as exc:
                projects[name] = exc
        yield from find_unpublished_hashes(candidates, projects, inventory.options, allowed)
    if vulnerabilities:
        from chainward.dependencies.audit import AuditUnavailable, audit_versions

        pins = sorted({(d.name, d.version or "") for d in candidates})
        try:
            results = audit_versions(pins, timeout=timeout, session=audit_session)
        except AuditUnavailable as exc:
            results = [AuditResult(name, version, error=str(exc)) for name, version in pins]
        ignore = [str(i) for i in policy.get("ignore-vulnerabilities", ())]
        yield from find_vulnerabilities(candidates, results, ignore)
