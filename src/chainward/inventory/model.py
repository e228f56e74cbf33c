"""The typed records every manifest parser produces (file + line on each)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol, TypedDict

from chainward.core.context import UNPARSABLE_FILE, unparsable_finding
from chainward.core.findings import Finding, Severity

# Manifest kinds a Dependency can come from.
MANIFEST_KINDS = (
    "requirements",
    "pyproject",
    "setup.cfg",
    "setup.py",
    "pipfile",
    "pipfile.lock",
    "conda",
    "uv.lock",
    "poetry.lock",
    "pylock",
    "dockerfile",
    "workflow",
    "script",
)
LOCK_KINDS = frozenset({"pipfile.lock", "uv.lock", "poetry.lock", "pylock"})
# Manifests whose dependencies a lock file beside them (or in a parent folder) covers:
# installing from these goes through the lock (uv sync, poetry install, pipenv sync,
# pip-compile of a ``.in`` file). Dockerfiles, workflows and scripts install directly.
LOCKABLE_KINDS = frozenset({"pyproject", "setup.cfg", "setup.py", "pipfile", "requirements-in"})


@dataclass(frozen=True, slots=True)
class Dependency:
    """One declared dependency at one place.

    ``name`` is canonical (``packaging.utils.canonicalize_name``); ``version`` is the
    exact version when pinned with ``==``/``===`` or locked; ``source`` is ``index``,
    ``vcs``, ``url`` or ``path``; ``url`` is set for the last three.
    """

    path: str
    line: int
    name: str
    raw_name: str
    specifier: str
    version: str | None
    extras: tuple[str, ...]
    marker: str | None
    hashes: tuple[str, ...]
    source: str
    url: str | None
    manifest: str
    locked: bool
    ecosystem: str = "pypi"
    """``pypi`` (pip, uv, Poetry, …) or ``conda`` (a conda match spec from a channel:
    ``environment.yml`` dependencies outside its ``pip:`` section, ``conda install``).
    Conda names are not PyPI names (``pytorch`` is ``torch``): never look them up there."""
    compiled_from: tuple[str, ...] = ()
    """In a compiled requirements file (uv pip compile, pip-compile): the manifests its
    ``# via`` comment names for this pin (``pyproject.toml``, ``setup.cfg``), as written."""


@dataclass(frozen=True, slots=True)
class BaseImage:
    """A container image: a Dockerfile ``FROM`` or a workflow container/service image."""

    path: str
    line: int
    column: int
    image: str
    digest: str | None


@dataclass(frozen=True, slots=True)
class InstallOption:
    """An installer option that changes where packages come from or which are taken.

    ``option`` is one of ``index-url``, ``extra-index-url``, ``find-links``, ``no-index``,
    ``trusted-host``, ``pre`` (pre-releases allowed), ``require-hashes`` (pip's
    hash-checking mode asked for in a requirements file), ``channel`` (conda), or ``install``
    (a ``pip``/``conda`` install command ran here; ``value`` names the installer).
    ``group`` names the install command or file section the option applies to, so
    that checks can tell one ``pip install`` from another in the same Dockerfile.
    """

    path: str
    line: int
    option: str
    value: str
    group: str = ""


@dataclass(frozen=True, slots=True)
class PipeToShell:
    """A ``curl … | sh``-style command: a download run without being checked."""

    path: str
    line: int
    command: str
    interpreter: str


@dataclass(frozen=True)
class Inventory:
    """Everything the dependency checks look at, gathered from one scan."""

    dependencies: tuple[Dependency, ...]
    images: tuple[BaseImage, ...]
    problems: tuple[Finding, ...]
    options: tuple[InstallOption, ...] = ()
    pipes: tuple[PipeToShell, ...] = ()
    constraints: tuple[Dependency, ...] = ()
    """Entries of ``-c`` constraint files: they pin, they do not add dependencies."""
    context_locks: tuple[Dependency, ...] = ()
    """Entries of lock files that were not among the scanned files but sit beside (or
    above) a scanned manifest: they cover its dependencies and are not checked."""
    include_edges: tuple[tuple[str, str], ...] = ()
    """(including file, included file) of every followed ``-r``/``-c`` line: pip applies
    the options of every file of an include graph to the whole install."""
    constraint_links: tuple[tuple[str, str], ...] = ()
    """(requirements file, constraints file) pairs: pip applies a ``-c`` file to every
    file of the same ``-r``/``-c`` include graph."""


@dataclass
class ManifestScan:
    """What one manifest declares: every parser's ``parse(rel, text)`` returns one.

    Problems (a file that does not parse, a malformed line) are findings here, never
    exceptions.
    """

    dependencies: list[Dependency] = field(default_factory=list)
    images: list[BaseImage] = field(default_factory=list)
    options: list[InstallOption] = field(default_factory=list)
    pipes: list[PipeToShell] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)

    def unparsable(
        self, rel: str, message: str, line: int | None = None, column: int | None = None
    ) -> None:
        """Record that ``rel`` could not be parsed (it is then not checked)."""
        self.problems.append(unparsable_finding(rel, message, line, column))

    def extend(self, other: ManifestScan) -> None:
        """Append everything ``other`` holds."""
        self.dependencies.extend(other.dependencies)
        self.images.extend(other.images)
        self.options.extend(other.options)
        self.pipes.extend(other.pipes)
        self.problems.extend(other.problems)


def malformed_line(rel: str, line: int, message: str) -> Finding:
    """A requirement line pip would not accept: it is reported, not checked."""
    return Finding(
        UNPARSABLE_FILE,
        Severity.MEDIUM,
        f"malformed requirement line, so it was not checked: {message}",
        path=rel,
        line=line,
        fix="fix the line so pip accepts it (see `pip install -r` for the exact error)",
    )


def include_groups(edges: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each file of an include graph mapped to one representative file."""
    parent: dict[str, str] = {}

    def find(rel: str) -> str:
        parent.setdefault(rel, rel)
        while parent[rel] != rel:
            parent[rel] = parent[parent[rel]]
            rel = parent[rel]
        return rel

    for including, included in edges:
        parent[find(included)] = find(including)
    return {rel: find(rel) for rel in list(parent)}


class Located(Protocol):
    """A record that says where it is: every inventory record (and ``UsesRef``)."""

    @property
    def path(self) -> str: ...

    @property
    def line(self) -> int: ...


class Location(TypedDict):
    """A finding's place, as the keyword arguments of ``CheckInfo.finding``."""

    path: str
    line: int
    column: int | None


def location(record: Located) -> Location:
    """Where ``record`` is (its column too, when it has one): ``info.finding(message,
    **location(record), fix=...)`` puts a finding at the record that caused it."""
    return Location(path=record.path, line=record.line, column=getattr(record, "column", None))


class DependencyPlace(Location):
    """A finding about a dependency: its place and the package it names."""

    properties: dict[str, str]


def at_dependency(dependency: Dependency, **properties: str) -> DependencyPlace:
    """``info.finding(message, **at_dependency(dep), fix=...)``: the finding sits at the
    dependency's line and names its package (``properties`` adds more fields)."""
    return DependencyPlace(
        path=dependency.path,
        line=dependency.line,
        column=None,
        properties={"package": dependency.name, **properties},
    )
