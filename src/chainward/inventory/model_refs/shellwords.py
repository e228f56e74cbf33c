"""Shell text as commands: continued lines joined, words split as the shell would, and
the variables a script fixes (``NAME=value`` above the use, Dockerfile ``ARG``/``ENV``,
``${NAME:-default}``) expanded. Nothing is run."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator


def logical_lines(
    lines: list[tuple[int, str]],
) -> Iterator[tuple[int, str, list[tuple[int, str]]]]:
    """Lines with ``\\`` continuations joined and comments dropped: (first line, text,
    the physical pieces with their line numbers)."""
    buffer: list[tuple[int, str]] = []
    for number, raw in lines:
        stripped = raw.strip()
        if not buffer and (not stripped or stripped.startswith("#")):
            continue
        if buffer and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            buffer.append((number, stripped[:-1]))
            continue
        buffer.append((number, stripped))
        yield buffer[0][0], " ".join(t for _, t in buffer), buffer
        buffer = []
    if buffer:
        yield buffer[0][0], " ".join(t for _, t in buffer), buffer


def shell_words(command: str) -> list[str]:
    try:
        lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|()")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        return list(lexer)
    except ValueError:
        return command.split()


def split_commands(words: list[str]) -> Iterator[list[str]]:
    current: list[str] = []
    for word in words:
        if word and all(c in ";&|()" for c in word):
            if current:
                yield current
            current = []
        else:
            current.append(word)
    if current:
        yield current


_VARIABLE_RE = re.compile(r"\$|\{\{|%\(")


def is_variable(value: str) -> bool:
    return bool(_VARIABLE_RE.search(value))


_ASSIGNMENT_RE = re.compile(r"^(?P<name>[A-Za-z_]\w*)=(?P<value>.*)$", re.DOTALL)
_REFERENCE_RE = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_]\w*)(?::?-(?P<default>[^}$]*))?\}|(?P<plain>[A-Za-z_]\w*))"
)
_DECLARERS = frozenset({"export", "local", "readonly", "declare"})
Variables = dict[str, list[tuple[int, str | None]]]
"""A script's variables: name → (line, value or None when the file does not fix it) of
each assignment."""


def expand(word: str, variables: Variables, line: int) -> str:
    """``$NAME``, ``${NAME}`` and ``${NAME:-default}`` replaced where the script fixes the
    value: one assignment above ``line`` (``${NAME:-default}`` with none: the default).
    Any other reference is left as written (and makes the word unresolved)."""

    def replace_one(match: re.Match[str]) -> str:
        name = match.group("braced") or match.group("plain")
        assigned = variables.get(name, [])
        above = [value for at, value in assigned if at < line]
        if len(assigned) == 1 and len(above) == 1 and above[0] is not None:
            return above[0]
        if not assigned and match.group("default"):
            return str(match.group("default"))  # unset here: the default is the file's choice
        return match.group(0)

    return _REFERENCE_RE.sub(replace_one, word) if "$" in word else word


def record_assignments(commands: list[list[str]], line: int, variables: Variables) -> None:
    """Record ``NAME=value`` (and ``export NAME=value``) statements of one logical line."""
    for words in commands:
        body = words[1:] if words and words[0] in _DECLARERS else words
        if not body or not all(_ASSIGNMENT_RE.match(w) for w in body):
            continue  # `NAME=x command` sets NAME for that command only
        for word in body:
            match = _ASSIGNMENT_RE.match(word)
            if match is None:
                continue
            value: str | None = expand(match.group("value"), variables, line)
            if value is not None and (is_variable(value) or "`" in value):
                value = None
            variables.setdefault(match.group("name"), []).append((line, value))


def shell_variables(lines: list[tuple[int, str]]) -> Variables:
    """The variables a script assigns (see :func:`expand`)."""
    variables: Variables = {}
    for line, text, _ in logical_lines(lines):
        if "=" in text:
            record_assignments(list(split_commands(shell_words(text))), line, variables)
    return variables


_MAKE_ASSIGNMENT_RE = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*(?P<op>[?:+!]?:?:?)=\s*(?P<value>.*)$")
_MAKE_REFERENCE_RE = re.compile(r"\$\((?P<name>[A-Za-z_]\w*)\)")


def make_variables(lines: list[tuple[int, str]]) -> Variables:
    """A Makefile's variables (``NAME = v``, ``NAME := v``, ``NAME ?= v``): make reads them
    all before it runs a recipe, so each applies on every line; ``+=`` and ``!=`` (a
    command's output) leave the name unresolved."""
    variables: Variables = {}
    for _, raw in lines:
        if raw.startswith("\t"):
            continue  # a recipe line: shell, not make
        match = _MAKE_ASSIGNMENT_RE.match(raw.split("#", 1)[0].strip())
        if match is None:
            continue
        value: str | None = match.group("value").strip()
        if match.group("op") in ("+", "!") or value is None or is_variable(value):
            value = None
        variables.setdefault(match.group("name"), []).append((0, value))
    return variables


def make_references(lines: list[tuple[int, str]], variables: Variables) -> list[tuple[int, str]]:
    """The lines with make's ``$(NAME)`` of a known variable written as ``${NAME}``."""

    def braced(match: re.Match[str]) -> str:
        name = match.group("name")
        return "${" + name + "}" if name in variables else match.group(0)

    return [
        (n, _MAKE_REFERENCE_RE.sub(braced, text) if "$(" in text else text) for n, text in lines
    ]
