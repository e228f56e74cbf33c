"""Dockerfile/Containerfile: ``FROM`` images (multi-stage, ``ARG`` substitution) and
``RUN`` commands that install packages or pipe downloads into a shell."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from chainward.core.jsonsafe import loads_json
from chainward.inventory.commands import scan_commands
from chainward.inventory.model import BaseImage, ManifestScan
from chainward.inventory.paths import is_dockerfile_path


@dataclass(frozen=True, slots=True)
class Instruction:
    """One Dockerfile instruction with the line it starts on."""

    line: int
    keyword: str
    text: str
    heredoc: str | None = None
    pieces: tuple[str, ...] = ()
    """The instruction's physical lines after the keyword, escapes removed (a comment
    line inside a continuation is an empty piece), so line numbers can be kept."""


@dataclass
class DockerFile(ManifestScan):
    """What a Dockerfile declares."""

    path: str = ""
    requirement_files: list[tuple[int, str]] = field(default_factory=list)


def _escape_char(lines: list[str]) -> str:
    for raw in lines:
        stripped = raw.strip()
        if not stripped.startswith("#"):
            break
        directive = stripped[1:].strip()
        key, eq, value = directive.partition("=")
        if eq and key.strip().lower() == "escape" and value.strip() in ("`", "\\"):
            return value.strip()
    return "\\"


def instructions(text: str) -> Iterator[Instruction]:
    """Instructions with continuations joined, comments dropped, heredocs attached."""
    lines = text.splitlines()
    escape = _escape_char(lines)
    index = 0
    while index < len(lines):
        raw = lines[index]
        index += 1
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        start = index
        parts = [stripped]
        while parts[-1].endswith(escape) and index < len(lines):
            parts[-1] = parts[-1][:-1]
            nxt = lines[index].strip()
            index += 1
            if nxt.startswith("#"):
                parts.append(escape)  # a comment inside a continuation is skipped
                continue
            parts.append(nxt)
        if parts[-1].endswith(escape):
            parts[-1] = parts[-1][:-1]
        joined = " ".join(p for p in parts if p != escape).strip()
        keyword, _, rest = joined.partition(" ")
        first_rest = parts[0].partition(" ")[2] if " " in parts[0] else ""
        pieces = (first_rest, *("" if p == escape else p for p in parts[1:]))
        heredoc: str | None = None
        marker = _heredoc_marker(rest)
        if marker is not None:
            body: list[str] = []
            while index < len(lines):
                current = lines[index]
                index += 1
                if current.strip() == marker:
                    break
                body.append(current)
            heredoc = "\n".join(body)
        yield Instruction(start, keyword.upper(), rest.strip(), heredoc, pieces)


def _heredoc_marker(rest: str) -> str | None:
    for word in rest.split():
        if word.startswith("<<") and len(word) > 2:
            marker = word[2:].lstrip("-").strip("'\"")
            if marker and marker.replace("_", "").isalnum():
                return marker
    return None


def substitute(text: str, values: Mapping[str, str | None]) -> tuple[str, bool]:
    """Expand ``$VAR``, ``${VAR}``, ``${VAR:-default}`` and ``${VAR:+alt}``.

    Returns the text and whether an unknown variable was left unexpanded.
    """
    out: list[str] = []
    unknown = False
    index = 0
    while index < len(text):
        char = text[index]
        if char != "$" or index + 1 >= len(text):
            out.append(char)
            index += 1
            continue
        if text[index + 1] == "{":
            end = text.find("}", index + 2)
            if end < 0:
                out.append(text[index:])
                break
            body = text[index + 2 : end]
            name, op, word = body, "", ""
            for candidate in (":-", ":+", "-", "+"):
                if candidate in body:
                    name, _, word = body.partition(candidate)
                    op = candidate
                    break
            value = values.get(name)
            replacement: str | None
            if op in (":-", "-"):
                replacement = value if value else word
            elif op in (":+", "+"):
                replacement = word if value else ""
            else:
                replacement = value
            if replacement is None:
                unknown = True
                out.append(text[index : end + 1])
            else:
                out.append(replacement)
            index = end + 1
            continue
        end = index + 1
        while end < len(text) and (text[end].isalnum() or text[end] == "_"):
            end += 1
        name = text[index + 1 : end]
        if not name:
            out.append(char)
            index += 1
            continue
        value = values.get(name)
        if value is None:
            unknown = True
            out.append(text[index:end])
        else:
            out.append(value)
        index = end
    return "".join(out), unknown


def _arg(text: str) -> tuple[str, str | None]:
    name, eq, value = text.partition("=")
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return name.strip(), (value if eq else None)


def _split_image(image: str) -> tuple[str, str | None]:
    name, at, digest = image.partition("@")
    return name, (digest if at else None)


def matches(rel: str) -> bool:
    """The inventory's name for :func:`is_dockerfile_path`."""
    return is_dockerfile_path(rel)


def parse(rel: str, text: str) -> ManifestScan:
    """The inventory's name for :func:`parse_dockerfile`."""
    return parse_dockerfile(rel, text)


def parse_dockerfile(rel: str, text: str) -> DockerFile:
    """Parse a Dockerfile's text into images, installs and pipes."""
    result = DockerFile(path=rel)
    global_args: dict[str, str | None] = {}
    stage_vars: dict[str, str | None] = {}
    stages: set[str] = set()
    seen_from = False
    physical = text.splitlines()
    for inst in instructions(text):
        if inst.keyword == "ARG":
            for word in inst.text.split():
                name, value = _arg(word)
                if value is not None:
                    value = substitute(value, {**global_args, **stage_vars})[0]
                if not seen_from:
                    global_args[name] = value
                else:
                    # ``ARG NAME`` inside a stage re-imports the global default.
                    stage_vars[name] = value if value is not None else global_args.get(name)
        elif inst.keyword == "ENV" and seen_from:
            name, value = _arg(inst.text) if "=" in inst.text else _env_space(inst.text)
            stage_vars[name] = value
        elif inst.keyword == "FROM":
            seen_from = True
            stage_vars = {}
            _parse_from(rel, inst, physical, global_args, stages, result)
        elif inst.keyword == "RUN":
            script = inst.heredoc if inst.heredoc is not None else _run_script(inst)
            script, _ = substitute(script, {**global_args, **stage_vars})
            first = inst.line + 1 if inst.heredoc is not None else inst.line
            scan = scan_commands(rel, script, first, "dockerfile", group_prefix="RUN@")
            result.extend(scan)
            result.requirement_files.extend(scan.requirement_files)
    return result


def _env_space(text: str) -> tuple[str, str | None]:
    name, _, value = text.partition(" ")
    return name.strip(), value.strip()


def _strip_flags(text: str) -> str:
    # RUN --mount=... --network=... flags come before the command.
    while text.lstrip().startswith("--"):
        parts = text.split(None, 1)
        text = parts[1] if len(parts) > 1 else ""
    return text


def _run_script(inst: Instruction) -> str:
    text = _strip_flags(inst.text)
    if inst.pieces and not text.strip().startswith("["):
        # Keep one line per physical line so that findings point at the right one.
        pieces = list(inst.pieces)
        pieces[0] = _strip_flags(pieces[0])
        return " \\\n".join(pieces)
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            parsed = loads_json(stripped)
        except ValueError:
            return text
        if isinstance(parsed, list) and all(isinstance(p, str) for p in parsed):
            if len(parsed) >= 3 and parsed[1] == "-c":
                return str(parsed[2])
            return " ".join(shlex_quote(p) for p in parsed)
    return text


def shlex_quote(word: str) -> str:
    """Quote one word for the shell tokenizer."""
    import shlex

    return shlex.quote(word)


def _parse_from(
    rel: str,
    inst: Instruction,
    physical: list[str],
    global_args: Mapping[str, str | None],
    stages: set[str],
    result: DockerFile,
) -> None:
    words = [w for w in inst.text.split() if not w.startswith("--")]
    if not words:
        return
    raw_image = words[0]
    image, unknown = substitute(raw_image, global_args)
    is_stage = image.lower() in stages or image.lower() == "scratch"
    if len(words) >= 3 and words[1].lower() == "as":
        stages.add(words[2].lower())
    if is_stage:
        return
    line_text = physical[inst.line - 1] if 0 < inst.line <= len(physical) else ""
    column = line_text.find(raw_image) + 1 if raw_image in line_text else 1
    _, digest = _split_image(image)
    if unknown:
        digest = None
    result.images.append(BaseImage(rel, inst.line, column, image, digest))
