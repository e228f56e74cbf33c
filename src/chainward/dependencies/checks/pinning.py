"""``unpinned-ai-dependency``, ``missing-dependency-hash``, ``unpinned-vcs-dependency``,
``unhashed-url-dependency``: pure functions over Dependency records."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from chainward.core.findings import Confidence, Finding, Severity
from chainward.dependencies.checks.coverage import Coverage
from chainward.dependencies.meta import (
    MISSING_DEPENDENCY_HASH,
    UNHASHED_URL_DEPENDENCY,
    UNPINNED_AI_DEPENDENCY,
    UNPINNED_VCS_DEPENDENCY,
    info,
)
from chainward.inventory.ai_packages import is_ai_package
from chainward.inventory.model import Dependency, InstallOption, at_dependency
from chainward.inventory.pep508 import vcs_ref

_INSTALL_COMMANDS = frozenset({"dockerfile", "workflow", "script"})
# Package metadata: ranges a package declares, resolved when it is installed or locked.
_DECLARED_KINDS = frozenset({"pyproject", "setup.cfg", "setup.py", "pipfile"})


def is_full_sha(ref: str | None) -> bool:
    """A full git (40 hex) or SHA-256 git (64 hex) commit id."""
    return ref is not None and len(ref) in (40, 64) and all(c in "0123456789abcdef" for c in ref)


def _pin_fix(dependency: Dependency) -> str:
    if dependency.manifest in _INSTALL_COMMANDS:
        return (
            "install from a hashed requirements file instead: "
            "`pip install --require-hashes -r requirements.txt` with "
            f"{dependency.raw_name}==<version> --hash=sha256:<digest>"
        )
    if dependency.manifest == "requirements":
        return (
            f"pin it: {dependency.raw_name}==<version> --hash=sha256:<digest> "
            f"(`chainward pin --write {dependency.path}` writes both)"
        )
    if dependency.manifest == "conda":
        return (
            f"pin it exactly ({dependency.raw_name}==<version>) and lock the environment "
            "with conda-lock"
        )
    # pyproject.toml, setup.cfg, Pipfile: the lock file is where pins and hashes live (a
    # library keeps its range; an application may also pin ==<version>).
    return (
        "commit a lock file with hashes beside it (uv lock, poetry lock, pipenv lock, or a "
        "requirements file compiled from it with hashes) and "
        "install from it; a library keeps its range here"
    )


def _hash_fix(dependency: Dependency) -> str:
    """The fix for a line that is pinned already and lacks only its hashes."""
    pinned = f"{dependency.raw_name}=={dependency.version}"
    if dependency.manifest == "requirements":
        return (
            f"add --hash=sha256:<digest> for every file of {pinned} "
            f"(`chainward pin --write {dependency.path}` adds them)"
        )
    if dependency.manifest in _INSTALL_COMMANDS:
        return (
            f"move {pinned} into a requirements file with its --hash=sha256:<digest> lines "
            "(`chainward pin --write` adds them) and install it with "
            "`pip install --require-hashes -r requirements.txt`"
        )
    if dependency.manifest == "conda":
        return "lock the environment with conda-lock, which records every package's hash"
    return "commit a lock file with hashes beside it (uv lock, poetry lock, pipenv lock)"


def _pre_note(dependency: Dependency, pre_lines: set[tuple[str, int]]) -> str:
    if (dependency.path, dependency.line) in pre_lines:
        return "; --pre also lets pip pick any pre-release or nightly build"
    return ""


def find_unpinned_ai_dependencies(
    dependencies: Iterable[Dependency],
    coverage: Coverage,
    policy: Mapping[str, Any],
    options: Iterable[InstallOption] = (),
) -> Iterator[Finding]:
    """AI dependencies from an index without an exact pin and without a covering lock."""
    pre_lines = {(o.path, o.line) for o in options if o.option == "pre"}
    for dependency in dependencies:
        if dependency.locked or dependency.source != "index" or not dependency.name:
            continue
        if dependency.version is not None or not is_ai_package(dependency.name, policy):
            continue
        if coverage.lock_for(dependency) is not None:
            continue
        constraint = coverage.constraint_for(dependency)
        if constraint is not None:
            continue
        if "${" in dependency.specifier:
            # ``torch==${matrix.torch}+cpu``: the version is a variable, set when the job
            # or build runs. It may well be exact; that cannot be proven from this file.
            yield info(UNPINNED_AI_DEPENDENCY).finding(
                f"AI dependency {dependency.raw_name} takes its version from a variable "
                f"({dependency.raw_name}{dependency.specifier}), so whether it is pinned "
                "cannot be checked here: if the variable is not an exact version, any new "
                f"release is installed next time{_pre_note(dependency, pre_lines)}",
                severity=Severity.LOW,
                **at_dependency(dependency),
                fix=_pin_fix(dependency),
                confidence=Confidence.LOW,
            )
            continue
        what = (
            "has no version constraint"
            if not dependency.specifier
            else f"allows a range ({dependency.raw_name}{dependency.specifier})"
        )
        if dependency.manifest in _DECLARED_KINDS:
            # Package metadata declares what the package works with (a library cannot pin
            # its users' versions); the install is decided where it is locked. Without a
            # lock nothing decides it, which matters, but less than an install command.
            yield info(UNPINNED_AI_DEPENDENCY).finding(
                f"AI dependency {dependency.raw_name} {what} and no lock file covers it: "
                "every install of this project (CI, development, a deployment) takes the "
                f"newest release, including a hijacked one{_pre_note(dependency, pre_lines)}",
                severity=Severity.MEDIUM,
                **at_dependency(dependency),
                fix=_pin_fix(dependency),
            )
            continue
        yield info(UNPINNED_AI_DEPENDENCY).finding(
            f"AI dependency {dependency.raw_name} {what}: any new release, including a "
            f"hijacked one, is installed next time{_pre_note(dependency, pre_lines)}",
            **at_dependency(dependency),
            fix=_pin_fix(dependency),
        )


def find_missing_hashes(
    dependencies: Iterable[Dependency], coverage: Coverage, policy: Mapping[str, Any]
) -> Iterator[Finding]:
    """Exactly pinned AI dependencies without ``--hash`` and without a covering lock."""
    if not policy.get("require-hashes", True):
        return
    for dependency in dependencies:
        if dependency.source != "index" or dependency.hashes:
            continue
        if dependency.version is None or not is_ai_package(dependency.name, policy):
            continue
        if dependency.locked:
            yield info(MISSING_DEPENDENCY_HASH).finding(
                f"lock entry {dependency.raw_name}=={dependency.version} records no file "
                "hashes, so the lock pins a version number but not its content",
                **at_dependency(dependency),
                fix="regenerate the lock with hashes (uv lock, poetry lock, pipenv lock)",
            )
            continue
        if coverage.lock_for(dependency) is not None:
            continue
        constraint = coverage.constraint_for(dependency)
        if constraint is not None and constraint.hashes:
            continue
        yield info(MISSING_DEPENDENCY_HASH).finding(
            f"AI dependency {dependency.raw_name}=={dependency.version} is pinned without a "
            "hash: the same version number can be served with other content (a compromised "
            "index, mirror or extra index)",
            **at_dependency(dependency),
            fix=_hash_fix(dependency),
        )


def find_unpinned_vcs(dependencies: Iterable[Dependency], coverage: Coverage) -> Iterator[Finding]:
    """VCS dependencies (any package) not pinned to a full commit SHA."""
    for dependency in dependencies:
        if dependency.source != "vcs" or not dependency.url:
            continue
        ref = vcs_ref(dependency.url)
        if is_full_sha(ref):
            continue
        if not dependency.locked:
            locked = coverage.lock_for(dependency)
            if locked is not None and locked.url and is_full_sha(vcs_ref(locked.url)):
                continue
        name = dependency.raw_name or dependency.url
        reason = f"follows @{ref}, a movable branch or tag" if ref else "has no @ref at all"
        base = dependency.url.split("#", 1)[0].rsplit("@", 1)[0] if ref else dependency.url
        base = base.split("#", 1)[0]
        yield info(UNPINNED_VCS_DEPENDENCY).finding(
            f"VCS dependency {name} ({dependency.url}) {reason}: whatever is pushed there "
            "next is what gets installed",
            **at_dependency(dependency),
            fix=f"pin a full commit SHA: {base}@<40-hex-commit>"
            + (f"#egg={dependency.raw_name}" if dependency.raw_name else ""),
        )


def find_unhashed_urls(dependencies: Iterable[Dependency], coverage: Coverage) -> Iterator[Finding]:
    """Direct http(s) URL dependencies without a hash."""
    for dependency in dependencies:
        if dependency.source != "url" or dependency.hashes:
            continue
        locked = coverage.lock_for(dependency) if not dependency.locked else None
        if locked is not None and locked.hashes:
            continue
        yield info(UNHASHED_URL_DEPENDENCY).finding(
            f"{dependency.raw_name or 'dependency'} is installed from {dependency.url} "
            "without a hash: the file behind the URL can change",
            **at_dependency(dependency),
            fix="add the file's digest: append #sha256=<digest> to the URL or a "
            "--hash=sha256:<digest> option",
        )
