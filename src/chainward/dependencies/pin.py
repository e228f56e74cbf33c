"""The fixer behind ``chainward pin``: exact pins with ``--hash`` lines in requirements files.
How a version and its hashes are chosen lives in :mod:`pin_versions`.

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
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from chainward.core.errors import NetworkError
from chainward.dependencies.checks.sources import PYPI, normalize_index
from chainward.dependencies.pin_closure import (
    ResolveError,
    Resolver,
    lookup_commit,
    split_vcs_url,
)
from chainward.dependencies.pin_intent import (
    Change,
    floor_major,
    major_change,
)
from chainward.dependencies.pin_versions import (
    Choice,
    Pinner,
    newest_in_range,
)

__all__ = ["PinResult", "Pinner", "newest_in_range", "pin_requirements", "render_requirement"]
from chainward.inventory.ai_packages import is_ai_package
from chainward.inventory.model import Dependency
from chainward.inventory.requirements import (
    LogicalLine,
    RequirementsFile,
    parse_requirements,
)


@dataclass
class PinResult:
    """The new text of one file and what happened to each requirement."""

    path: str
    old: str
    new: str
    pinned: list[tuple[int, str, Choice]] = field(default_factory=list)
    skipped: list[tuple[int, str, str]] = field(default_factory=list)
    """(line, requirement, why it was left alone)."""
    changes: list[Change] = field(default_factory=list)
    """The table of changes printed to the user (every pinned line, every added one)."""
    notes: list[tuple[int, str, str]] = field(default_factory=list)
    """(line, requirement, what was done instead of a pin): VCS and local lines."""
    withheld: str = ""
    """Why the file is left unchanged although lines could be pinned (empty otherwise)."""

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


def _left_out(dependency: Dependency, logical: LogicalLine, commit: str | None) -> list[str]:
    """Comment lines that replace a VCS or local requirement in a hash-checked file."""
    original = logical.text.strip()
    if dependency.source == "vcs" and dependency.url:
        repo, _, fragment = split_vcs_url(dependency.url)
        target = f"git+{repo}@{commit or '<commit>'}{fragment}"
        how = f'pip install --no-deps "{target}"'
        why = "pip's hash-checking mode refuses VCS requirements"
        if commit is None:
            why += "; its commit could not be looked up (offline, or the remote did not answer)"
    else:
        how = f"pip install --no-deps {original}"
        why = "pip's hash-checking mode cannot hash a local folder or an editable install"
    return [
        f"# chainward pin: left out of this hash-checked file ({why}):",
        f"#   {original}",
        f"# install it on its own after this file: {how}",
    ]


def _requirement_line(dependency: Dependency, version: str) -> str:
    name = dependency.raw_name
    if dependency.extras:
        name += "[" + ",".join(dependency.extras) + "]"
    return f"{name}=={version}" + (f" ; {dependency.marker}" if dependency.marker else "")


def pin_requirements(
    rel: str,
    text: str,
    pinner: Pinner,
    policy: Mapping[str, Any],
    resolver: Resolver | None = None,
    *,
    offline: bool = True,
) -> PinResult:
    """Rewrite one requirements file's text; failures are listed, never raised.

    When the file ends up hash-checked and a ``resolver`` is given, every package pip
    would install is listed with its hashes (pip refuses anything less); VCS and local
    requirements, which that mode refuses, are moved into comments saying why. Outside
    hash mode a VCS requirement is pinned to the commit its ref points at when the
    lookup is allowed (``offline=False``). ``ResolveError`` from the resolver propagates:
    the file must then not be written.
    """
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
    file_hashed = (
        bool(candidates)
        or any(d.hashes for d in parsed.dependencies)
        or any(o.option == "require-hashes" for o in parsed.options)
    )
    lines = text.splitlines()
    replacements: dict[int, list[str]] = {}
    planned: list[tuple[Dependency, LogicalLine, Choice]] = []
    for dependency in parsed.dependencies:
        logical = parsed.lines.get(dependency.line)
        if logical is None:
            continue
        if dependency.source in ("vcs", "path") or logical.text.split()[0] in (
            "-e",
            "--editable",
        ):
            _pin_unhashable(dependency, logical, lines, file_hashed, offline, replacements, result)
            continue
        if not _needs_pin(dependency, policy, file_hashed):
            continue
        try:
            planned.append((dependency, logical, pinner.choose(dependency)))
        except (NetworkError, ValueError) as exc:
            result.skipped.append((dependency.line, dependency.raw_name, str(exc)))
    added: list[str] = []
    if file_hashed and resolver is not None:
        planned, added = _resolve_closure(rel, parsed, planned, pinner, resolver, result)
    for dependency, logical, choice in planned:
        replacements[logical.start] = render_requirement(dependency, choice, logical, lines)
        result.pinned.append((dependency.line, dependency.raw_name, choice))
        was = dependency.specifier if dependency.version is None else f"=={dependency.version}"
        result.changes.append(
            Change(
                rel,
                dependency.line,
                dependency.raw_name,
                was,
                choice.version,
                choice.origin,
                choice.note,
            )
        )
    if not replacements and not added:
        return result
    if file_hashed and result.skipped:
        # A hash-checked file with one unpinned or unhashed line is refused by pip as a
        # whole: leave the file as it was rather than write one that cannot install.
        result.withheld = (
            f"left unchanged: {len(result.skipped)} requirement(s) could not be pinned, and "
            "pip refuses a hash-checked file unless every line is pinned and hashed"
        )
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
    out.extend(added)
    newline = "\r\n" if "\r\n" in text else "\n"
    result.new = newline.join(out) + (newline if text.endswith(("\n", "\r")) or not text else "")
    if not text.endswith(("\n", "\r")) and text and added:
        result.new += newline
    return result


def _pin_unhashable(
    dependency: Dependency,
    logical: LogicalLine,
    lines: list[str],
    file_hashed: bool,
    offline: bool,
    replacements: dict[int, list[str]],
    result: PinResult,
) -> None:
    """A VCS or local line: out into a comment in hash mode, else pinned to a commit."""
    label = dependency.raw_name or dependency.url or logical.text.strip()
    commit = None
    if dependency.source == "vcs" and dependency.url:
        _, ref, _ = split_vcs_url(dependency.url)
        if ref is not None and len(ref) in (40, 64) and all(c in "0123456789abcdef" for c in ref):
            commit = ref
        else:
            commit = lookup_commit(dependency.url, offline=offline)
    if file_hashed:
        replacements[logical.start] = _left_out(dependency, logical, commit)
        result.notes.append(
            (dependency.line, label, "moved into a comment: pip's hash-checking mode refuses it")
        )
        return
    if dependency.source != "vcs" or not dependency.url:
        return
    if commit is not None and dependency.url in lines[logical.start - 1]:
        repo, ref, fragment = split_vcs_url(dependency.url)
        if ref == commit:
            return
        pinned = f"git+{repo}@{commit}{fragment}"
        replacements[logical.start] = [lines[logical.start - 1].replace(dependency.url, pinned)]
        result.notes.append((dependency.line, label, f"pinned to commit {commit}"))
        return
    if "# chainward pin:" in lines[logical.end - 1]:
        return
    reason = (
        "its commit could not be looked up (--offline)"
        if offline
        else "its commit could not be looked up (the remote did not answer)"
    )
    replacements[logical.start] = [
        *lines[logical.start - 1 : logical.end - 1],
        f"{lines[logical.end - 1]}  # chainward pin: not pinned to a commit: {reason}",
    ]
    result.skipped.append((dependency.line, label, f"not pinned to a commit: {reason}"))


_CLOSURE_HEADER = "# Dependencies of the requirements above, resolved by pip (chainward pin):"


def _capped(dependency: Dependency, choice: Choice) -> str:
    """The requirement as pip may resolve it: its range, kept on its major version when
    the newest release there was found (``transformers>=4.28.0`` → ``>=4.28.0,<5``)."""
    spec = dependency.specifier
    major = floor_major(spec)
    if major is not None and not choice.note and "<" not in spec and "~=" not in spec:
        spec = f"{spec},<{major + 1}" if spec else f"<{major + 1}"
    head = dependency.raw_name
    if dependency.extras:
        head += "[" + ",".join(dependency.extras) + "]"
    return head + spec + (f" ; {dependency.marker}" if dependency.marker else "")


def _resolve_closure(
    rel: str,
    parsed: RequirementsFile,
    planned: list[tuple[Dependency, LogicalLine, Choice]],
    pinner: Pinner,
    resolver: Resolver,
    result: PinResult,
) -> tuple[list[tuple[Dependency, LogicalLine, Choice]], list[str]]:
    """Let pip resolve the file as one install: pins from the file, a lock or the
    environment are kept exactly (relaxed to their range only if pip finds no set with
    them), ranges are resolved by pip; every other package pip installs is added with
    its hashes. Returns the adjusted plan and the lines to append."""
    from packaging.utils import canonicalize_name

    plan = {d.line: (d, c) for d, _, c in planned}
    fixed: list[str] = []
    for dependency in parsed.dependencies:
        if dependency.source != "index" or not dependency.name:
            continue
        if dependency.line in plan:
            continue
        if dependency.version is not None:
            fixed.append(_requirement_line(dependency, dependency.version))
    strict = [
        _requirement_line(d, c.version) if c.origin != "pypi" else _capped(d, c)
        for d, c in plan.values()
    ]
    if not fixed and not strict:
        return planned, []
    try:
        resolved = resolver([*fixed, *strict])
    except ResolveError:
        if all(c.origin in ("pypi", "pinned") for _, c in plan.values()):
            raise
        # A version from the environment or a lock may not fit with the rest: let pip
        # choose inside those ranges too.
        relaxed = [
            _requirement_line(d, c.version) if c.origin == "pinned" else _capped(d, c)
            for d, c in plan.values()
        ]
        resolved = resolver([*fixed, *relaxed])
    versions: dict[str, tuple[str, str]] = {canonicalize_name(n): (n, v) for n, v in resolved}
    adjusted: list[tuple[Dependency, LogicalLine, Choice]] = []
    for dependency, logical, choice in planned:
        found = versions.get(dependency.name)
        if found is not None and found[1] != choice.version:
            try:
                new = pinner.published(dependency.name, found[1], "pip")
            except (NetworkError, ValueError) as exc:
                result.skipped.append((dependency.line, dependency.raw_name, str(exc)))
                continue
            adjusted.append(
                (
                    dependency,
                    logical,
                    replace(new, note=major_change(dependency.specifier, found[1])),
                )
            )
            continue
        adjusted.append((dependency, logical, choice))
    listed = {d.name for d in parsed.dependencies if d.name}
    missing = sorted((key, n, v) for key, (n, v) in versions.items() if key not in listed)
    if not missing:
        return adjusted, []
    out = ["", _CLOSURE_HEADER]
    for _, name, version in missing:
        try:
            published = pinner.published(name, version, "pip")
        except (NetworkError, ValueError) as exc:
            # One unhashed package and pip refuses the whole file: refuse to write it.
            raise ResolveError(
                f"pip installs {name}=={version} with these requirements, but its hashes "
                f"cannot be had: {exc}",
                hint="run without --offline (or with a fresh PyPI cache) so that every "
                "package gets PyPI's hashes; nothing was written",
            ) from None
        out.append(f"{name}=={version} \\")
        out.extend(
            f"    --hash={digest}" + (" \\" if i < len(published.hashes) - 1 else "")
            for i, digest in enumerate(published.hashes)
        )
        result.changes.append(Change(rel, 0, name, "", version, "pip", "transitive"))
    return adjusted, out
