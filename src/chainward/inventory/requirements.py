"""pip requirements files (``requirements*.txt``, ``*.in``): lines, options, includes.

The file format follows pip's own reader: backslash continuations are joined,
`` #`` comments dropped, and each logical line is either options (``-r``, ``-c``,
``-e``, ``--index-url``…) or a requirement followed by per-requirement options
(``--hash``). Requirement strings go to :mod:`pep508` (``packaging``).
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from chainward.inventory.model import InstallOption, ManifestScan, malformed_line
from chainward.inventory.paths import is_requirements_path
from chainward.inventory.pep508 import add_requirement

__all__ = [
    "FLAG_OPTIONS",
    "SOURCE_OPTIONS",
    "VALUE_OPTIONS",
    "Include",
    "LogicalLine",
    "RequirementsFile",
    "is_requirements_path",
    "logical_lines",
    "parse_options",
    "parse_requirements",
    "resolve_include",
    "split_args_options",
]

# Options that take a value, by every spelling pip accepts, to their canonical name.
VALUE_OPTIONS = {
    "-r": "requirement",
    "--requirement": "requirement",
    "-c": "constraint",
    "--constraint": "constraint",
    "-e": "editable",
    "--editable": "editable",
    "-i": "index-url",
    "--index-url": "index-url",
    "--extra-index-url": "extra-index-url",
    "-f": "find-links",
    "--find-links": "find-links",
    "--trusted-host": "trusted-host",
    "--hash": "hash",
    "--no-binary": "no-binary",
    "--only-binary": "only-binary",
    "--use-feature": "use-feature",
    "--config-settings": "config-settings",
    "--global-option": "global-option",
    "-C": "config-settings",
}
FLAG_OPTIONS = {
    "--pre": "pre",
    "--no-index": "no-index",
    "--prefer-binary": "prefer-binary",
    "--require-hashes": "require-hashes",
}
SOURCE_OPTIONS = frozenset(
    {"index-url", "extra-index-url", "find-links", "trusted-host", "no-index", "pre"}
)


@dataclass(frozen=True, slots=True)
class LogicalLine:
    """One logical line: physical lines ``start``..``end`` joined, comment removed."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Include:
    """A ``-r``/``-c`` reference: ``target`` is root-relative (or the raw value if remote)."""

    path: str
    line: int
    target: str
    kind: str
    """``requirement`` or ``constraint``."""
    raw: str


@dataclass
class RequirementsFile(ManifestScan):
    """What one requirements file declares."""

    path: str = ""
    includes: list[Include] = field(default_factory=list)
    lines: dict[int, LogicalLine] = field(default_factory=dict)
    """Logical line by its first physical line, for the fixer."""


def _strip_comment(text: str) -> str:
    # pip: a comment starts at "#" at the line start or after whitespace.
    for index, char in enumerate(text):
        if char == "#" and (index == 0 or text[index - 1] in " \t"):
            return text[:index].rstrip()
    return text.rstrip()


def logical_lines(text: str) -> Iterator[LogicalLine]:
    """Join backslash continuations, drop comments; yield non-empty logical lines."""
    parts: list[str] = []
    start = 0
    number = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not parts:
            start = number
            # A whole-line comment never continues.
            if raw.lstrip().startswith("#"):
                continue
        if raw.endswith("\\") and not raw.endswith("\\\\"):
            parts.append(raw[:-1])
            continue
        parts.append(raw)
        joined = _strip_comment(" ".join(p.strip() for p in parts))
        parts = []
        if joined:
            yield LogicalLine(start, number, joined)
    if parts:
        joined = _strip_comment(" ".join(p.strip() for p in parts))
        if joined:
            yield LogicalLine(start, number, joined)


def split_args_options(text: str) -> tuple[str, str]:
    """pip's split: the requirement is every token before the first ``-`` token."""
    tokens = text.split()
    args: list[str] = []
    for index, token in enumerate(tokens):
        if token.startswith("-"):
            return " ".join(args), " ".join(tokens[index:])
        args.append(token)
    return " ".join(args), ""


def parse_options(text: str) -> list[tuple[str, str]]:
    """(canonical option, value) pairs; raise ValueError for unknown or incomplete ones."""
    tokens = shlex.split(text, comments=False, posix=True)
    out: list[tuple[str, str]] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        key, eq, inline = token.partition("=")
        if token in FLAG_OPTIONS:
            out.append((FLAG_OPTIONS[token], ""))
            continue
        if key in VALUE_OPTIONS and key.startswith("--"):
            if eq:
                out.append((VALUE_OPTIONS[key], inline))
                continue
        elif token[:2] in VALUE_OPTIONS and not token.startswith("--"):
            # Short options: "-r file" or "-rfile".
            short = token[:2]
            if len(token) > 2:
                out.append((VALUE_OPTIONS[short], token[2:].lstrip("=")))
                continue
            key = short
        else:
            raise ValueError(f"unknown option {token!r}")
        if index >= len(tokens):
            raise ValueError(f"option {token} needs a value")
        out.append((VALUE_OPTIONS[key], tokens[index]))
        index += 1
    return out


def resolve_include(rel: str, target: str) -> str | None:
    """The root-relative path an include names, or None if it leaves the repository."""
    if "://" in target:
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(rel), target))
    if joined.startswith("../") or joined == ".." or posixpath.isabs(joined):
        return None
    return joined


# ``# via chainward (pyproject.toml)``: the manifest a compiler read the pin from.
_VIA_SOURCE = re.compile(r"\(([^()\s]*(?:pyproject\.toml|setup\.cfg|setup\.py))\)")


def _via_sources(physical: list[str], end: int) -> tuple[str, ...]:
    """The manifests named in the ``# via`` comment block after line ``end`` (1-based)."""
    found: list[str] = []
    index = end  # the 0-based index of the line after the requirement
    while index < len(physical) and physical[index].lstrip().startswith("#"):
        found.extend(_VIA_SOURCE.findall(physical[index]))
        index += 1
    return tuple(dict.fromkeys(found))


def parse_requirements(rel: str, text: str, *, manifest: str = "requirements") -> RequirementsFile:
    """Parse a requirements file's text. Problems become findings, never exceptions."""
    result = RequirementsFile(path=rel)
    physical = text.splitlines() if "# via" in text or "#   " in text else []
    for logical in logical_lines(text):
        result.lines[logical.start] = logical
        args, options_text = split_args_options(logical.text)
        try:
            options = parse_options(options_text) if options_text else []
        except ValueError as exc:
            result.problems.append(malformed_line(rel, logical.start, str(exc)))
            continue
        hashes = tuple(value for key, value in options if key == "hash")
        editable = [value for key, value in options if key == "editable"]
        if args:
            if editable:
                result.problems.append(
                    malformed_line(rel, logical.start, "a requirement and -e on one line")
                )
                continue
            if not add_requirement(
                result, args, path=rel, line=logical.start, manifest=manifest, hashes=hashes
            ):
                continue
            sources = _via_sources(physical, logical.end) if physical else ()
            if sources:
                last = result.dependencies[-1]
                result.dependencies[-1] = replace(last, compiled_from=sources)
        elif hashes:
            result.problems.append(
                malformed_line(rel, logical.start, "--hash must follow a requirement on its line")
            )
            continue
        for value in editable:
            add_requirement(
                result, value, path=rel, line=logical.start, manifest=manifest, editable=True
            )
        for key, value in options:
            if key in ("requirement", "constraint"):
                target = resolve_include(rel, value) or value
                result.includes.append(Include(rel, logical.start, target, key, value))
            elif key in SOURCE_OPTIONS or key == "require-hashes":
                # ``--require-hashes`` is kept so that the hash-mode check sees it.
                result.options.append(InstallOption(rel, logical.start, key, value))
    return result
