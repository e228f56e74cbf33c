"""Which dependencies a lock file or a constraints file already pins."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field

from chainward.inventory.model import Dependency

# A lock beside (or above) these manifests is what their installs go through.
_LOCKED_BY = {
    "pyproject": frozenset({"uv.lock", "poetry.lock", "pylock"}),
    "setup.cfg": frozenset({"uv.lock", "poetry.lock", "pylock"}),
    "setup.py": frozenset({"uv.lock", "poetry.lock", "pylock"}),
    "pipfile": frozenset({"pipfile.lock"}),
    # pip-compile's input (.in) is locked by its compiled .txt, or by a pylock.
    "requirements-in": frozenset({"pylock", "uv.lock"}),
}


@dataclass
class Coverage:
    """Locked names by folder and lock kind, and constraint pins by folder."""

    locks: dict[tuple[str, str], dict[str, Dependency]] = field(default_factory=dict)
    constraints: dict[str, dict[str, Dependency]] = field(default_factory=dict)
    """Constraint pins by constraints file."""
    links: dict[str, list[str]] = field(default_factory=dict)
    """Constraints files that apply to each requirements file."""
    compiled: dict[tuple[str, str], Dependency] = field(default_factory=dict)
    """Hash-pinned entries of compiled requirements files by (the manifest their
    ``# via`` comment names, name): ``uv pip compile pyproject.toml --generate-hashes``."""

    def lock_for(self, dependency: Dependency) -> Dependency | None:
        """The locked entry that covers ``dependency``, if any."""
        kind = dependency.manifest
        if kind == "requirements" and dependency.path.endswith(".in"):
            kind = "requirements-in"
        lock_kinds = _LOCKED_BY.get(kind)
        if not lock_kinds or not dependency.name:
            return None
        compiled = self.compiled.get((dependency.path, dependency.name))
        if compiled is not None:
            return compiled
        folder = posixpath.dirname(dependency.path)
        while True:
            for lock_kind in lock_kinds:
                entry = self.locks.get((folder, lock_kind), {}).get(dependency.name)
                if entry is not None:
                    return entry
            if not folder:
                return None
            folder = posixpath.dirname(folder)

    def constraint_for(self, dependency: Dependency) -> Dependency | None:
        """An exact pin of the same name in a constraints file that applies to this file."""
        if dependency.manifest != "requirements":
            return None
        for constraints_file in self.links.get(dependency.path, ()):
            found = self.constraints.get(constraints_file, {}).get(dependency.name)
            if found is not None:
                return found
        return None


def build_coverage(
    dependencies: Iterable[Dependency],
    constraints: Iterable[Dependency] = (),
    links: Iterable[tuple[str, str]] = (),
) -> Coverage:
    """Index lock-file entries and constraint pins for look-up by the checks."""
    coverage = Coverage()
    for dependency in dependencies:
        if dependency.locked:
            key = (posixpath.dirname(dependency.path), dependency.manifest)
            coverage.locks.setdefault(key, {})[dependency.name] = dependency
        elif dependency.compiled_from and dependency.version and dependency.hashes:
            folder = posixpath.dirname(dependency.path)
            for source in dependency.compiled_from:
                # As written (compilers run at the project root), or beside the file.
                here = posixpath.normpath(posixpath.join(folder, source))
                for manifest in {posixpath.normpath(source), here}:
                    coverage.compiled.setdefault((manifest, dependency.name), dependency)
    for constraint in constraints:
        if constraint.version is not None:
            coverage.constraints.setdefault(constraint.path, {})[constraint.name] = constraint
    for requirements_file, constraints_file in links:
        coverage.links.setdefault(requirements_file, []).append(constraints_file)
    return coverage
