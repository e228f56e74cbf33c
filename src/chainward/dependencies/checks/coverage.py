"""Which dependencies a lock file or a constraints file already pins."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field

from chainward.dependencies.inventory.model import Dependency

# A lock beside (or above) these manifests is what their installs go through.
_LOCKED_BY = {
    "pyproject": frozenset({"uv.lock", "poetry.lock", "pylock"}),
    "setup.cfg": frozenset({"uv.lock", "poetry.lock", "pylock"}),
    "pipfile": frozenset({"pipfile.lock"}),
    # pip-compile's input (.in) is locked by its compiled .txt, or by a pylock.
    "requirements-in": frozenset({"pylock", "uv.lock"}),
}


@dataclass
class Coverage:
    """Locked names by folder and lock kind, and constraint pins by folder."""

    locks: dict[tuple[str, str], dict[str, Dependency]] = field(default_factory=dict)
    constraints: dict[str, dict[str, Dependency]] = field(default_factory=dict)

    def lock_for(self, dependency: Dependency) -> Dependency | None:
        """The locked entry that covers ``dependency``, if any."""
        kind = dependency.manifest
        if kind == "requirements" and dependency.path.endswith(".in"):
            kind = "requirements-in"
        lock_kinds = _LOCKED_BY.get(kind)
        if not lock_kinds or not dependency.name:
            return None
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
        """A constraint-file pin of the same name in the same folder (requirements only)."""
        if dependency.manifest != "requirements":
            return None
        folder = posixpath.dirname(dependency.path)
        return self.constraints.get(folder, {}).get(dependency.name)


def build_coverage(
    dependencies: Iterable[Dependency], constraints: Iterable[Dependency] = ()
) -> Coverage:
    """Index lock-file entries and constraint pins for look-up by the checks."""
    coverage = Coverage()
    for dependency in dependencies:
        if dependency.locked:
            key = (posixpath.dirname(dependency.path), dependency.manifest)
            coverage.locks.setdefault(key, {})[dependency.name] = dependency
    for constraint in constraints:
        if constraint.version is not None:
            folder = posixpath.dirname(constraint.path)
            coverage.constraints.setdefault(folder, {})[constraint.name] = constraint
    return coverage
