"""How ``chainward pin`` chooses a version and its hashes: a lock file in the
repository, else the current environment (when it satisfies the range), else PyPI's
newest non-yanked release inside the range on the range's own major version, outside
the cooldown of ``[tool.chainward.release-trust]``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from chainward.dependencies.index import Project, PyPIClient
from chainward.dependencies.pin_intent import major_change, prefer_floor_major
from chainward.inventory.model import Dependency

InstalledVersion = Callable[[str], str | None]
YoungReleases = Callable[[str], Mapping[str, Any]]
"""Name → {normalized version: upload time} of releases inside the cooldown (issue 18)."""


def installed_version(name: str) -> str | None:
    """The version of ``name`` installed in the running environment, or None."""
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


@dataclass(frozen=True, slots=True)
class Choice:
    """The version picked for one requirement, where it came from, and its hashes."""

    version: str
    origin: str
    """``lock``, ``environment``, ``pypi`` or ``pinned`` (already exact)."""
    hashes: tuple[str, ...]
    skipped: tuple[str, ...] = ()
    """Newer releases in range left out because they are inside the cooldown."""
    note: str = ""
    """Set when the pin leaves the range's major version (see ``pin_intent``)."""


def newest_in_range(project: Project, specifier: str, exclude: Collection[str] = ()) -> str | None:
    """PyPI's newest non-yanked release inside ``specifier`` (pre-releases only if asked),
    on the major version of the range's lower bound when it has one there, leaving out the
    normalized versions in ``exclude``."""
    try:
        spec = SpecifierSet(specifier)
    except InvalidSpecifier:
        return None
    candidates: list[Version] = []
    for raw, files in project.releases.items():
        if not files or all(f.yanked for f in files):
            continue
        try:
            version = Version(raw)
        except InvalidVersion:
            continue
        if spec.contains(version, prereleases=spec.prereleases) and str(version) not in exclude:
            candidates.append(version)
    chosen = prefer_floor_major(candidates, specifier)
    return None if chosen is None else str(chosen)


def _published_sha256(project: Project, version: str) -> tuple[str, ...]:
    files = project.files(version) or ()
    return tuple(
        sorted(
            f"sha256:{f.digests['sha256'].lower()}"
            for f in files
            if "sha256" in f.digests and not f.yanked
        )
    )


def _normal(version: str) -> str:
    try:
        return str(Version(version))
    except InvalidVersion:
        return version


def _newer(version: str, than: str) -> bool:
    try:
        return Version(version) > Version(than)
    except InvalidVersion:
        return False


def _satisfies(version: str, specifier: str) -> bool:
    try:
        return SpecifierSet(specifier).contains(Version(version), prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return False


class Pinner:
    """Chooses versions and hashes; holds the lock entries and the PyPI client."""

    def __init__(
        self,
        client: PyPIClient,
        locked: Iterable[Dependency] = (),
        environment: InstalledVersion | None = installed_version,
        cooldown: YoungReleases | None = None,
    ) -> None:
        self.client = client
        self.locked: dict[str, Dependency] = {}
        for dependency in locked:
            if dependency.locked and dependency.version and dependency.source == "index":
                self.locked.setdefault(dependency.name, dependency)
        self.environment = environment
        self.cooldown = cooldown

    def choose(self, dependency: Dependency) -> Choice:
        """The version and hashes for ``dependency``; NetworkError/ValueError if none."""
        specifier = dependency.specifier
        skipped: tuple[str, ...] = ()
        if dependency.version is not None:
            version, origin = dependency.version, "pinned"
        else:
            lock = self.locked.get(dependency.name)
            env = self.environment(dependency.raw_name) if self.environment else None
            young = self.cooldown(dependency.name) if self.cooldown else {}
            if lock is not None and lock.version and _satisfies(lock.version, specifier):
                if lock.hashes and _normal(lock.version) not in young:
                    return Choice(
                        lock.version,
                        "lock",
                        tuple(sorted(lock.hashes)),
                        note=major_change(specifier, lock.version),
                    )
                version, origin = lock.version, "lock"
            elif env is not None and _satisfies(env, specifier):
                version, origin = env, "environment"
            else:
                version, origin = "", "pypi"
            if not version or _normal(version) in young:
                project = self.client.project(dependency.name)
                newest = newest_in_range(project, specifier, young)
                if newest is None:
                    raise ValueError(
                        f"PyPI has no release of {dependency.name} in {specifier!r}"
                        + (" outside the cooldown" if young else "")
                    )
                version, origin = newest, "pypi"
                skipped = tuple(
                    sorted(
                        (v for v in young if _satisfies(v, specifier) and _newer(v, newest)),
                        key=Version,
                    )
                )
        choice = self.published(dependency.name, version, origin)
        return replace(choice, skipped=skipped, note=major_change(specifier, version))

    def published(self, name: str, version: str, origin: str) -> Choice:
        """``name==version`` with every sha256 PyPI publishes for it."""
        project = self.client.project(name, version)
        hashes = _published_sha256(project, version)
        files = project.files(version)
        if files and all(f.yanked for f in files):
            raise ValueError(f"{name}=={version} is yanked on PyPI; choose another")
        if not hashes:
            raise ValueError(f"PyPI publishes no sha256 digests for {name}=={version}")
        return Choice(version, origin, hashes)
