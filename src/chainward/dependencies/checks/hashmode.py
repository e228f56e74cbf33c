"""``incomplete-hash-pinning``: a requirements file in pip's hash-checking mode that pip
would refuse to install.

pip enters hash-checking mode for a whole install as soon as one requirement carries a
``--hash`` (or a file says ``--require-hashes``), and then refuses the install when any
requirement lacks a hash, is not pinned with ``==``/``===``, or is a VCS, editable or
local-folder requirement. Files joined by ``-r``/``-c`` are one install. What pip would
refuse for a missing transitive dependency needs a resolver and is not judged here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from chainward.core.findings import Finding
from chainward.dependencies.meta import INCOMPLETE_HASH_PINNING, info
from chainward.inventory.model import Dependency, InstallOption, include_groups


def _refusal(dependency: Dependency) -> str | None:
    """Why pip's hash-checking mode refuses this requirement, or None."""
    label = dependency.raw_name or dependency.url or "requirement"
    if dependency.source == "vcs":
        return f"{label} is a VCS requirement ({dependency.url}), which cannot be hashed"
    if dependency.source == "path":
        return f"{label} is a local folder or editable install, which cannot be hashed"
    if dependency.source == "index" and dependency.version is None:
        if not dependency.specifier:
            return f"{label} has no version (pip needs {label}==<version>)"
        return f"{label}{dependency.specifier} is not pinned with =="
    if not dependency.hashes:
        return f"{label} has no --hash"
    return None


def find_hash_mode_refusals(
    dependencies: Iterable[Dependency],
    options: Iterable[InstallOption],
    include_edges: Iterable[tuple[str, str]] = (),
) -> Iterator[Finding]:
    """Lines of hash-checking requirements installs that pip would refuse."""
    group_of = include_groups(include_edges)
    by_group: dict[str, list[Dependency]] = defaultdict(list)
    triggers: dict[str, str] = {}
    for option in options:
        if option.option == "require-hashes":
            group = group_of.get(option.path, option.path)
            triggers.setdefault(group, f"{option.path}:{option.line} says --require-hashes")
    for dependency in dependencies:
        if dependency.manifest != "requirements" or dependency.locked:
            continue
        group = group_of.get(dependency.path, dependency.path)
        by_group[group].append(dependency)
        if dependency.hashes and dependency.source == "index":
            triggers.setdefault(group, f"{dependency.path}:{dependency.line} has --hash")
    for group, members in sorted(by_group.items()):
        trigger = triggers.get(group)
        if trigger is None:
            continue
        # One finding per file (one cause: the file is half hashed), naming each line.
        by_file: dict[str, list[tuple[Dependency, str]]] = defaultdict(list)
        for dependency in members:
            why = _refusal(dependency)
            if why is not None:
                by_file[dependency.path].append((dependency, why))
        for path, refused in sorted(by_file.items()):
            first = refused[0][0]
            shown = "; ".join(f"line {d.line}: {why}" for d, why in refused[:4])
            more = f"; and {len(refused) - 4} more" if len(refused) > 4 else ""
            yield info(INCOMPLETE_HASH_PINNING).finding(
                f"pip installs this file in hash-checking mode ({trigger}) and refuses the "
                f"whole install, because not every line can be checked ({shown}{more})",
                path=path,
                line=first.line,
                fix=(
                    f"`chainward pin --write {path}` pins and hashes every line, adds the "
                    "dependencies pip resolves, and moves VCS and local requirements out "
                    "into a comment with the command that installs them"
                ),
            )
