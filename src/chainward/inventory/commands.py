"""Shell commands that install packages or pipe downloads into a shell.

Used for Dockerfile ``RUN`` instructions, workflow ``run:`` steps and shell scripts.
Commands are split with :mod:`shlex` (never run); ``pip``/``uv pip``/``conda``
install arguments become :class:`Dependency` records, their index options
:class:`InstallOption` records, and ``curl … | sh`` pipelines :class:`PipeToShell`.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field

from chainward.inventory.model import Dependency, InstallOption, ManifestScan, PipeToShell
from chainward.inventory.pep508 import RequirementError, parse_requirement

SEPARATORS = frozenset({"&&", "||", ";", "&", "|", "(", ")", ";;", "|&"})
DOWNLOADERS = frozenset({"curl", "wget", "fetch", "http", "aria2c"})
SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "fish", "ash"})
INTERPRETERS = frozenset({"python", "perl", "ruby", "node", "php"})
WRAPPERS = frozenset({"sudo", "env", "exec", "time", "nice", "nohup", "command", "xargs"})

# pip/uv options that take a value (the value is not a package).
PIP_VALUE_OPTIONS = frozenset(
    {
        "-r",
        "--requirement",
        "-c",
        "--constraint",
        "-e",
        "--editable",
        "-i",
        "--index-url",
        "--extra-index-url",
        "--index",
        "--default-index",
        "-f",
        "--find-links",
        "--trusted-host",
        "-t",
        "--target",
        "--prefix",
        "--root",
        "--platform",
        "--python-version",
        "--implementation",
        "--abi",
        "--upgrade-strategy",
        "--no-binary",
        "--only-binary",
        "--config-settings",
        "-C",
        "--global-option",
        "--src",
        "--cache-dir",
        "--log",
        "--progress-bar",
        "--proxy",
        "--retries",
        "--timeout",
        "--exists-action",
        "--cert",
        "--client-cert",
        "--report",
        "--python",
        "-p",
        "--index-strategy",
        "--keyring-provider",
        "--extra",
        "--group",
        "--resolution",
        "--prerelease",
    }
)
CONDA_VALUE_OPTIONS = frozenset(
    {"-c", "--channel", "-n", "--name", "-p", "--prefix", "--file", "--override-channels"}
)
_OPTION_NAMES = {
    "-i": "index-url",
    "--index-url": "index-url",
    "--default-index": "index-url",
    "--extra-index-url": "extra-index-url",
    "--index": "extra-index-url",
    "-f": "find-links",
    "--find-links": "find-links",
    "--trusted-host": "trusted-host",
}


@dataclass
class CommandScan(ManifestScan):
    """What a script installs and pipes."""

    requirement_files: list[tuple[int, str]] = field(default_factory=list)
    """(line, value) of ``-r FILE`` arguments, relative to the build context."""


def _program(word: str) -> str:
    return posixpath.basename(word)


def _is_python(word: str) -> bool:
    name = _program(word)
    return name.startswith("python") and all(c.isdigit() or c == "." for c in name[6:])


def _is_pip(word: str) -> bool:
    name = _program(word)
    return name.startswith("pip") and all(c.isdigit() or c == "." for c in name[3:])


def _split_line_script(text: str, start_line: int) -> Iterator[tuple[int, str]]:
    """Logical shell lines (backslash continuations joined) with their first line number."""
    parts: list[str] = []
    first = start_line
    for offset, raw in enumerate(text.splitlines()):
        if not parts:
            first = start_line + offset
        stripped = raw.rstrip()
        if stripped.endswith("\\"):
            parts.append(stripped[:-1])
            continue
        parts.append(stripped)
        yield first, " ".join(parts)
        parts = []
    if parts:
        yield first, " ".join(parts)


# shlex builds every token by repeated string concatenation, quadratic in the token's
# length: one 4 MB word in a `run:` line took hours. Longer texts use a linear regex
# tokenizer with the same words, quotes and operators for ordinary shell lines.
_SHLEX_LIMIT = 4096
_WORD = re.compile(
    r"""
    (?P<op>[|&;()]+)                  # operators, grouped as shlex groups them
    | (?P<comment>\#.*)                # a comment starts where a word would
    | (?P<word>(?:[^\s'"|&;()\\]+ | \\. | '[^']*' | "(?:[^"\\]|\\.)*")+)
    """,
    re.VERBOSE,
)
_QUOTED_PART = re.compile(r"""'([^']*)'|"((?:[^"\\]|\\.)*)"|\\(.)""")


def _unquote(word: str) -> str:
    def part(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return match.group(1)
        if match.group(2) is not None:
            return re.sub(r"\\(.)", r"\1", match.group(2))
        return match.group(3)

    return _QUOTED_PART.sub(part, word)


def _tokenize_long(text: str) -> list[str]:
    out: list[str] = []
    for match in _WORD.finditer(text):
        if match.lastgroup == "op":
            out.append(match.group())
        elif match.lastgroup == "word":
            out.append(_unquote(match.group()))
    return out


def tokenize(text: str) -> list[str]:
    """Shell words and operators; unbalanced quotes fall back to whitespace splitting."""
    if len(text) > _SHLEX_LIMIT:
        return _tokenize_long(text)
    lexer = shlex.shlex(text, posix=True, punctuation_chars="|&;()")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        return list(lexer)
    except ValueError:
        return text.split()


def _commands(tokens: list[str]) -> Iterator[tuple[list[str], str]]:
    """Simple commands with the operator that follows each (``|`` marks a pipe)."""
    current: list[str] = []
    for token in tokens:
        if token in SEPARATORS:
            yield current, token
            current = []
        else:
            current.append(token)
    yield current, ""


def _strip_wrappers(words: list[str]) -> list[str]:
    index = 0
    while index < len(words):
        word = words[index]
        if _program(word) in WRAPPERS or ("=" in word and not word.startswith("-")):
            index += 1
            # Options of sudo/env (``sudo -H``, ``env -i``) are skipped too.
            while index < len(words) and words[index].startswith("-"):
                index += 1
            continue
        break
    return words[index:]


def _interpreter(words: list[str]) -> str | None:
    words = _strip_wrappers(words)
    if not words:
        return None
    name = _program(words[0])
    if name in SHELLS:
        return name
    base = name.rstrip("0123456789.")
    if base in INTERPRETERS:
        return name
    return None


def _install_args(words: list[str]) -> tuple[str, list[str]] | None:
    """(installer, arguments) when the command installs Python or conda packages."""
    words = _strip_wrappers(words)
    if len(words) >= 4 and _is_python(words[0]) and words[1] == "-m" and _is_pip(words[2]):
        words = words[2:]
    if len(words) >= 2 and _is_pip(words[0]) and words[1] == "install":
        return "pip", words[2:]
    if (
        len(words) >= 3
        and _program(words[0]) == "uv"
        and words[1] == "pip"
        and (words[2] == "install")
    ):
        return "pip", words[3:]
    if len(words) >= 2 and _program(words[0]) == "uv" and words[1] == "add":
        return "pip", words[2:]
    if (
        len(words) >= 2
        and _program(words[0]) in ("conda", "mamba", "micromamba")
        and words[1] in ("install", "create")
    ):
        return "conda", words[2:]
    return None


def _token_line(lines: list[str], first: int, token: str, cursor: list[int]) -> int:
    """The physical line a token sits on (searching forward from the last token)."""
    line_index, column = cursor
    while line_index < len(lines):
        found = lines[line_index].find(token, column)
        if found >= 0:
            cursor[0], cursor[1] = line_index, found + len(token)
            return first + line_index
        line_index += 1
        column = 0
    return first + cursor[0]


@dataclass
class _Install:
    """One install command's arguments: where they are and where their records go."""

    rel: str
    first: int
    span_lines: list[str]
    manifest: str
    group: str
    result: CommandScan
    cursor: list[int] = field(default_factory=lambda: [0, 0])

    def line_of(self, token: str) -> int:
        """The physical line of the next occurrence of ``token``."""
        return _token_line(self.span_lines, self.first, token, self.cursor)


def _github_expressions(text: str) -> str:
    """``${{ matrix.torch }}`` → ``${matrix.torch}``: one shell word, a variable."""
    out: list[str] = []
    index = 0
    while True:
        start = text.find("${{", index)
        end = text.find("}}", start + 3) if start >= 0 else -1
        if start < 0 or end < 0 or "\n" in text[start:end]:
            out.append(text[index:])
            return "".join(out)
        inner = "".join(text[start + 3 : end].split()).replace("{", "").replace("}", "")
        out.append(text[index:start])
        out.append("${" + (inner or "EXPR") + "}")
        index = end + 2


def scan_commands(
    rel: str, text: str, start_line: int, manifest: str, *, group_prefix: str = ""
) -> CommandScan:
    """Scan a shell script's text whose first line is ``start_line`` of ``rel``."""
    result = CommandScan()
    if "${{" in text:
        text = _github_expressions(text)
    physical = text.splitlines()
    for first, logical in _split_line_script(text, start_line):
        tokens = tokenize(logical)
        if not tokens:
            continue
        span_lines = physical[first - start_line :]
        cursor = [0, 0]
        previous: list[list[str]] = []
        substituting: list[str] | None = None
        for ordinal, (words, operator) in enumerate(_commands(tokens)):
            for word in words:
                _token_line(span_lines, first, word, cursor)
            if substituting is not None:
                # ``bash <(curl …)``: the interpreter reads the download as a file.
                _scan_pipe(rel, first, logical, substituting, [words], result)
                substituting = None
            _scan_pipe(rel, first, logical, words, previous, result)
            if operator == "(" and words and words[-1] == "<":
                substituting = words[:-1]
            previous = [*previous, words] if operator == "|" else []
            install = _install_args(words)
            if install is None:
                continue
            installer, args = install
            # The ordinal keeps two installs of one line apart even when their first
            # words are equal (``pip install -U a && pip install -U --extra-index-url …``).
            group = f"{group_prefix}{first}#{ordinal}:{' '.join(words[:3])}"
            result.options.append(InstallOption(rel, first, "install", installer, group))
            at = _Install(rel, first, span_lines, manifest, group, result)
            (_scan_pip_args if installer == "pip" else _scan_conda_args)(at, args)
    return result


def _scan_pipe(
    rel: str,
    line: int,
    logical: str,
    words: list[str],
    previous: list[list[str]],
    result: CommandScan,
) -> None:
    interpreter = _interpreter(words)
    if interpreter is None:
        return
    fetched = any((w := _strip_wrappers(cmd)) and _program(w[0]) in DOWNLOADERS for cmd in previous)
    # ``sh -c "$(curl …)"`` and ``bash <(curl …)`` run a download the same way.
    inline = any(
        marker + downloader in word
        for word in words[1:]
        for marker in ("$(", "<(", "`")
        for downloader in DOWNLOADERS
    )
    if fetched or inline:
        result.pipes.append(PipeToShell(rel, line, logical.strip(), interpreter))


def _scan_pip_args(at: _Install, args: list[str]) -> None:
    rel, first, manifest, group, result = at.rel, at.first, at.manifest, at.group, at.result
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        key, eq, inline = arg.partition("=")
        if arg.startswith("-"):
            if arg == "--pre":
                result.options.append(InstallOption(rel, first, "pre", "", group))
            elif arg == "--no-index":
                result.options.append(InstallOption(rel, first, "no-index", "", group))
            name = key if eq else arg
            if name in PIP_VALUE_OPTIONS or (len(arg) > 2 and arg[:2] in ("-r", "-c", "-i", "-e")):
                if eq:
                    value = inline
                elif len(arg) > 2 and not arg.startswith("--"):
                    name, value = arg[:2], arg[2:]
                elif index < len(args):
                    value = args[index]
                    index += 1
                else:
                    continue
                line = at.line_of(value)
                if name in _OPTION_NAMES:
                    result.options.append(
                        InstallOption(rel, line, _OPTION_NAMES[name], value, group)
                    )
                elif name in ("-r", "--requirement"):
                    result.requirement_files.append((line, value))
                elif name in ("-e", "--editable"):
                    _add(rel, line, value, manifest, result, editable=True)
            continue
        line = at.line_of(arg)
        _add(rel, line, arg, manifest, result)


def _add(
    rel: str, line: int, text: str, manifest: str, result: CommandScan, *, editable: bool = False
) -> None:
    if "$" in text and not text.startswith("$"):
        # "torch==$TORCH_VERSION": the version is only known at run time.
        text = text.replace("$", "${", 1) + "}" if "${" not in text else text
    if text.startswith("$") or text in (".", "./"):
        if text in (".", "./"):
            result.dependencies.append(
                Dependency(
                    rel, line, "", text, "", None, (), None, (), "path", text, manifest, False
                )
            )
        return
    try:
        result.dependencies.append(
            parse_requirement(text, path=rel, line=line, manifest=manifest, editable=editable)
        )
    except RequirementError:
        # Not a requirement after all (a shell expansion, a flag we do not know).
        return


def conda_spec(text: str) -> tuple[str, str, str | None, str | None]:
    """(name, specifier, exact version, channel) of a conda match spec.

    ``name=1.2`` is fuzzy (1.2.*), ``name==1.2`` or ``name=1.2=build`` exact.
    """
    channel: str | None = None
    if "::" in text:
        channel, text = text.split("::", 1)
    text = text.strip().replace(" ", "")
    cut = len(text)
    for index, char in enumerate(text):
        if char in "=<>!~":
            cut = index
            break
    name, spec = text[:cut], text[cut:]
    version: str | None = None
    if spec.startswith("=="):
        candidate = spec[2:].split("=", 1)[0]
        version = candidate if candidate and "*" not in candidate else None
    elif spec.startswith("=") and not spec.startswith("=="):
        pieces = spec[1:].split("=")
        if len(pieces) >= 2 and pieces[0] and pieces[1] and "*" not in spec:
            version = pieces[0]
    if version is not None and any(c in version for c in ",|<>"):
        version = None
    return name, spec, version, channel


def conda_dependency(rel: str, line: int, text: str, manifest: str) -> Dependency | None:
    """A Dependency for one conda match spec (None when it names no package)."""
    from packaging.utils import canonicalize_name

    name, spec, version, _channel = conda_spec(text)
    if not name or not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
        return None
    return Dependency(
        path=rel,
        line=line,
        name=canonicalize_name(name),
        raw_name=name,
        specifier=spec,
        version=version,
        extras=(),
        marker=None,
        hashes=(),
        source="index",
        url=None,  # a channel is an index, not a direct reference
        manifest=manifest,
        locked=False,
        ecosystem="conda",
    )


def _scan_conda_args(at: _Install, args: list[str]) -> None:
    rel, manifest, group, result = at.rel, at.manifest, at.group, at.result
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg.startswith("-"):
            key, eq, inline = arg.partition("=")
            if key in CONDA_VALUE_OPTIONS:
                value = inline if eq else (args[index] if index < len(args) else "")
                if not eq:
                    index += 1
                if key in ("-c", "--channel") and value:
                    line = at.line_of(value)
                    result.options.append(InstallOption(rel, line, "channel", value, group))
            continue
        line = at.line_of(arg)
        dependency = conda_dependency(rel, line, arg, manifest)
        if dependency is not None:
            result.dependencies.append(dependency)
