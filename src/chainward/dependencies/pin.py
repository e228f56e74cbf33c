"""The fixer behind ``chainward pin``: exact pins with ``--hash`` lines in requirements files.

For each requirement that needs it, the version comes from a lock file in the
repository, else from the current environment (when it satisfies the range), else
from PyPI's newest non-yanked release inside the range; the hashes are every digest
PyPI publishes for that version (or the lock's own). Comments, blank lines and the
order of lines are kept; only the lines of the rewritten requirements change, so a
second run changes nothing.

pip's hash-checking mode is all-or-nothing: once one requirement of a file carries a
hash, every requirement must. So when a file gets hashes, every index requirement in
it is pinned, not only the AI ones. VCS requirements cannot be hashed; they are
reported for a manual commit pin.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from chainward.core.errors import NetworkError
from chainward.dependencies.ai_packages import is_ai_package
from chainward.dependencies.checks.sources import PYPI, normalize_index
from chainward.dependencies.index import Project, PyPIClient
from chainward.dependencies.inventory.model import Dependency
from chainward.dependencies.inventory.requirements import (
    LogicalLine,
    RequirementsFile,
    parse_requirements,
)

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


@dataclass
class PinResult:
    """The new text of one file and what happened to each requirement."""

    path: str
    old: str
    new: str
    pinned: list[tuple[int, str, Choice]] = field(default_factory=list)
    skipped: list[tuple[int, str, str]] = field(default_factory=list)
    """(line, requirement, why it was left alone)."""

    @property
    def changed(self) -> bool:
        """Whether the file would change."""
        return self.old != self.new

    def diff(self) -> str:
        """A unified diff of the change (empty when nothing changes)."""
        return "".join(
            difflib.unified_diff(
                self.old.splitlines(keepends=True),
                self.new.splitlines(keepends=True),
                fromfile=f"a/{self.path}",
                tofile=f"b/{self.path}",
            )
        )


def newest_in_range(project: Project, specifier: str, exclude: Collection[str] = ()) -> str | None:
    """PyPI's newest non-yanked release inside ``specifier`` (pre-releases only if asked),
    leaving out the normalized versions in ``exclude``."""
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
    if not candidates:
        return None
    return str(max(candidates))


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
                    return Choice(lock.version, "lock", tuple(sorted(lock.hashes)))
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
        project = self.client.project(dependency.name, version)
        hashes = _published_sha256(project, version)
        files = project.files(version)
        if files and all(f.yanked for f in files):
            raise ValueError(f"{dependency.name}=={version} is yanked on PyPI; choose another")
        if not hashes:
            raise ValueError(f"PyPI publishes no sha256 digests for {dependency.name}=={version}")
        return Choice(version, origin, hashes, skipped)


def render_requirement(
    dependency: Dependency, choice: Choice, logical: LogicalLine, original_lines: list[str]
) -> list[str]:
    """The new physical lines of one requirement: ``name[extras]==v ; marker \\`` and hashes."""
    first = original_lines[logical.start - 1]
    indent = first[: len(first) - len(first.lstrip())]
    name = dependency.raw_name
    if dependency.extras:
        name += "[" + ",".join(dependency.extras) + "]"
    head = f"{name}=={choice.version}"
    if dependency.marker:
        head += f" ; {dependency.marker}"
    comment = _trailing_comment(original_lines[logical.end - 1])
    lines = [f"{indent}{head} \\"]
    for index, digest in enumerate(choice.hashes):
        last = index == len(choice.hashes) - 1
        line = f"{indent}    --hash={digest}"
        if not last:
            line += " \\"
        elif comment:
            line += f"  {comment}"
        lines.append(line)
    return lines


def _trailing_comment(line: str) -> str:
    for index, char in enumerate(line):
        if char == "#" and (index == 0 or line[index - 1] in " \t"):
            return line[index:].strip()
    return ""


def _needs_pin(dependency: Dependency, policy: Mapping[str, Any], file_hashed: bool) -> bool:
    if dependency.source != "index" or not dependency.name:
        return False
    if dependency.version is not None and dependency.hashes:
        return False
    if file_hashed:
        return True
    return is_ai_package(dependency.name, policy)


def pin_requirements(rel: str, text: str, pinner: Pinner, policy: Mapping[str, Any]) -> PinResult:
    """Rewrite one requirements file's text; failures are listed, never raised."""
    parsed: RequirementsFile = parse_requirements(rel, text)
    result = PinResult(rel, text, text)
    if parsed.problems:
        for problem in parsed.problems:
            result.skipped.append((problem.line or 0, "", problem.message))
        return result
    allowed = [str(a) for a in policy.get("allowed-indexes", ())]
    indexes = {normalize_index(o.value, allowed) for o in parsed.options if o.option == "index-url"}
    if indexes - {PYPI}:
        # Hashes come from PyPI's published digests; another index serves other files.
        for dependency in parsed.dependencies:
            if _needs_pin(dependency, policy, False):
                result.skipped.append(
                    (
                        dependency.line,
                        dependency.raw_name,
                        f"the file installs from {', '.join(sorted(indexes - {PYPI}))}; "
                        "chainward pin takes versions and hashes from PyPI only",
                    )
                )
        return result
    candidates = [d for d in parsed.dependencies if _needs_pin(d, policy, False)]
    file_hashed = bool(candidates) or any(d.hashes for d in parsed.dependencies)
    lines = text.splitlines()
    replacements: dict[int, list[str]] = {}
    for dependency in parsed.dependencies:
        logical = parsed.lines.get(dependency.line)
        if dependency.source == "vcs":
            result.skipped.append(
                (
                    dependency.line,
                    dependency.url or "",
                    "VCS requirement: pin a full commit "
                    "SHA by hand (pip's hash-checking mode refuses VCS requirements; build a "
                    "wheel and pin its hash instead)",
                )
            )
            continue
        if logical is None or not _needs_pin(dependency, policy, file_hashed):
            continue
        if logical.text.split()[0] in ("-e", "--editable"):
            continue
        try:
            choice = pinner.choose(dependency)
        except (NetworkError, ValueError) as exc:
            result.skipped.append((dependency.line, dependency.raw_name, str(exc)))
            continue
        replacements[logical.start] = render_requirement(dependency, choice, logical, lines)
        result.pinned.append((dependency.line, dependency.raw_name, choice))
    if not replacements:
        return result
    out: list[str] = []
    index = 1
    while index <= len(lines):
        if index in replacements:
            out.extend(replacements[index])
            index = parsed.lines[index].end + 1
            continue
        out.append(lines[index - 1])
        index += 1
    newline = "\r\n" if "\r\n" in text else "\n"
    result.new = newline.join(out) + (newline if text.endswith(("\n", "\r")) or not text else "")
    return result
