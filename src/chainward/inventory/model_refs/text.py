"""Hub downloads outside Python: shell scripts, Makefiles, Dockerfile ``RUN``/``ADD``,
workflow ``run:`` blocks, ``cog.yaml`` build commands and YAML training configs.

Nothing is run. Shell text is split into commands (continuations joined, comments
dropped) and each command is matched against the forms that fetch from the hub:

- ``git clone https://huggingface.co/<id>`` (pinned when a later ``git checkout`` or
  ``git reset --hard`` names a 40-hex commit, or ``--revision=<sha>``);
- ``huggingface-cli download <id>`` / ``hf download <id>`` (``--revision``) and
  ``modelscope download --model <id>``;
- any URL ``https://huggingface.co/<id>/resolve/<rev>/<file>`` (``wget``, ``curl``,
  ``ADD``): pinned when ``<rev>`` is a 40-hex commit.

YAML configs (LLaMA-Factory, axolotl and the like) name models under keys such as
``model_name_or_path`` or ``base_model`` and datasets under ``datasets: - path:``;
their revision keys (``model_revision``, ``revision_of_model``, ``revision``) pin them.
A shell variable the script fixes (one ``NAME=value`` above the use, a Dockerfile
``ARG``/``ENV``, or the default of ``${NAME:-default}`` when the script never assigns
it) is read as that value; any other variable, and template variables, leave the value
unresolved, never guessed.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterator
from dataclasses import replace

from chainward.core.yamlsafe import (
    YamlError,
    compose_yaml,
    elements,
    items,
    line_of,
    scalar,
    values,
)
from chainward.inventory.dockerfile import instructions
from chainward.inventory.model_refs.prefilter import (
    CONFIG_WORDS,
    DATASET_LIST_KEYS,
    MODEL_KEYS,
    SHELL_HUB_WORDS,
    YAML_SUFFIXES,
    is_text_download_path,
)
from chainward.inventory.model_refs.records import (
    FULL_SHA_RE,
    ModelCall,
    RevisionState,
    is_local_path,
)
from chainward.inventory.paths import is_dockerfile_path, is_workflow_path
from chainward.inventory.workflows import parse_workflow

__all__ = ["is_text_download_path", "scan_shell", "scan_text"]

_HUB_HOSTS = r"(?:https?://)?(?:[^@/\s]+@)?(?:www\.)?(?:huggingface\.co|hf\.co)"
CLONE_URL_RE = re.compile(
    _HUB_HOSTS + r"/(?P<type>datasets/|spaces/)?(?P<id>[\w.\-${}]+(?:/[\w.\-${}]+)??)(?:\.git)?/?$"
)
RESOLVE_URL_RE = re.compile(
    _HUB_HOSTS
    + r"/(?P<type>datasets/|spaces/)?(?P<id>[\w.\-${}]+(?:/[\w.\-${}]+)?)"
    + r"/(?:resolve|raw)/(?P<rev>[^/\s\"'?#]+)/"
)
_CHECKOUT_RE = re.compile(
    r"\bgit\b[^;&|\n]*?\b(?:checkout|switch\s+--detach|reset\s+--hard)\s+(?:-[-\w]+\s+)*(?P<rev>[^\s;&|]+)"
)
_VARIABLE_RE = re.compile(r"\$|\{\{|%\(")
_WRAPPERS = frozenset({"sudo", "env", "time", "nohup", "exec", "command", "RUN", "run"})

REVISION_KEYS = ("revision", "model_revision", "revision_of_model", "base_model_revision")


def scan_text(rel: str, text: str) -> list[ModelCall]:
    """The hub downloads one non-Python file makes (see the module docstring)."""
    lower = posixpath.basename(rel).lower()
    try:
        if is_dockerfile_path(rel):
            return list(_dockerfile(rel, text))
        if lower.endswith(YAML_SUFFIXES):
            if is_workflow_path(rel):
                return list(_workflow(rel, text))
            return list(_yaml(rel, text, cog=lower in ("cog.yaml", "cog.yml")))
        return list(scan_shell(rel, [(n, line) for n, line in enumerate(text.splitlines(), 1)]))
    except YamlError:
        return []  # the YAML families report unparsable YAML; nothing to judge here


# ----------------------------------------------------------------------------- shell


def _logical_lines(
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


def _line_of(token: str, pieces: list[tuple[int, str]]) -> int:
    """The physical line of a logical line on which ``token`` is written."""
    for number, text in pieces:
        if token in text:
            return number
    return pieces[0][0]


def _words(command: str) -> list[str]:
    try:
        lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|()")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        return list(lexer)
    except ValueError:
        return command.split()


def _commands(words: list[str]) -> Iterator[list[str]]:
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


def _strip_prefix(command: list[str]) -> list[str]:
    """The command without ``VAR=x``, ``sudo``/``env`` wrappers or Makefile ``@-``."""
    words = list(command)
    if words:
        words[0] = words[0].lstrip("@-") if not words[0].startswith("--") else words[0]
    while words and (re.match(r"^[A-Za-z_]\w*=", words[0]) or words[0] in _WRAPPERS):
        words = words[1:]
    return [w for w in words if w]


def _variable(value: str) -> bool:
    return bool(_VARIABLE_RE.search(value))


def _sha_state(rev: str | None) -> tuple[str | None, RevisionState]:
    if rev is None:
        return None, "absent"
    if _variable(rev):
        return None, "unresolved"
    return rev, "resolved"


def _option_value(command: list[str], names: tuple[str, ...]) -> str | None:
    for index, word in enumerate(command):
        for name in names:
            if word == name and index + 1 < len(command):
                return command[index + 1]
            if word.startswith(name + "="):
                return word.split("=", 1)[1]
    return None


_CLI_VALUE_OPTIONS = frozenset(
    {
        "--revision",
        "--repo-type",
        "--local-dir",
        "--cache-dir",
        "--token",
        "--max-workers",
        "--local-dir-use-symlinks",
        "--model",
        "--dataset",
    }
)


def _cli_repo(args: list[str]) -> str | None:
    """The first positional argument of ``hf download`` (the repository id)."""
    index = 0
    while index < len(args):
        word = args[index]
        if not word.startswith("-"):
            return word
        index += 1
        if "=" in word:
            continue
        if word in ("--include", "--exclude"):  # nargs="*"
            while index < len(args) and not args[index].startswith("-"):
                index += 1
        elif word in _CLI_VALUE_OPTIONS:
            index += 1
    return None


def _shell_call(
    rel: str, line: int, api: str, repo: str, rev: str | None, kind: str, fix: str
) -> ModelCall:
    if _variable(repo):
        return ModelCall(
            rel, line, 1, api, None, None, repo_state="unresolved", kind=kind, fix=fix, style="text"
        )
    revision, state = _sha_state(rev)
    return ModelCall(
        rel,
        line,
        1,
        api,
        repo,
        revision,
        repo_state="hub",
        revision_state=state,
        kind=kind,
        fix=fix,
        style="text",
    )


def _kind(prefix: str | None) -> str:
    return {"datasets/": "dataset", "spaces/": "space"}.get(prefix or "", "model")


_ASSIGNMENT_RE = re.compile(r"^(?P<name>[A-Za-z_]\w*)=(?P<value>.*)$", re.DOTALL)
_REFERENCE_RE = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_]\w*)(?::?-(?P<default>[^}$]*))?\}|(?P<plain>[A-Za-z_]\w*))"
)
_DECLARERS = frozenset({"export", "local", "readonly", "declare"})
Variables = dict[str, list[tuple[int, str | None]]]
"""A script's variables: name → (line, value or None when the file does not fix it) of
each assignment."""


def _expand(word: str, variables: Variables, line: int) -> str:
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


def _assignments(commands: list[list[str]], line: int, variables: Variables) -> None:
    """Record ``NAME=value`` (and ``export NAME=value``) statements of one logical line."""
    for words in commands:
        body = words[1:] if words and words[0] in _DECLARERS else words
        if not body or not all(_ASSIGNMENT_RE.match(w) for w in body):
            continue  # `NAME=x command` sets NAME for that command only
        for word in body:
            match = _ASSIGNMENT_RE.match(word)
            if match is None:
                continue
            value: str | None = _expand(match.group("value"), variables, line)
            if value is not None and (_variable(value) or "`" in value):
                value = None
            variables.setdefault(match.group("name"), []).append((line, value))


def shell_variables(lines: list[tuple[int, str]]) -> Variables:
    """The variables a script assigns (see :func:`_expand`)."""
    variables: Variables = {}
    for line, text, _ in _logical_lines(lines):
        if "=" in text:
            _assignments(list(_commands(_words(text))), line, variables)
    return variables


def scan_shell(
    rel: str, lines: list[tuple[int, str]], variables: Variables | None = None
) -> Iterator[ModelCall]:
    """Hub downloads in shell text given as (line number, physical line) pairs
    (``variables``: assigned before this text, as Dockerfile ``ARG``/``ENV``)."""
    logical = list(_logical_lines(lines))
    known: Variables = {k: list(v) for k, v in (variables or {}).items()}
    for name, assigned in shell_variables(lines).items():
        known.setdefault(name, []).extend(assigned)
    for position, (line, text, pieces) in enumerate(logical):
        # `URL=https://huggingface.co/...` then `wget "$URL"`: the hub word is in the value.
        expanded = _expand(text, known, line) if known else text
        if not any(word in expanded for word in SHELL_HUB_WORDS):
            continue
        commands = [
            _strip_prefix([_expand(w, known, line) for w in words])
            for words in _commands(_words(text))
        ]
        for index, command in enumerate(commands):
            if not command:
                continue
            rest = commands[index + 1 :]
            later = [(n, t) for n, t, _ in logical[position + 1 :]]
            for call in (
                *_clone(rel, command, rest, later),
                *_cli(rel, command),
                *_urls(rel, command),
            ):
                yield replace(call, line=_line_of(call.note or command[0], pieces), note="")


def _clone(
    rel: str, command: list[str], rest: list[list[str]], after: list[tuple[int, str]]
) -> Iterator[ModelCall]:
    if len(command) < 3 or command[0] != "git":
        return
    verbs = [w for w in command[1:4] if not w.startswith("-")]
    if not verbs or verbs[0] not in ("clone", "lfs"):
        return
    for word in command[2:]:
        match = CLONE_URL_RE.match(word)
        if match is None:
            continue
        repo = match.group("id")
        rev = _option_value(command, ("--revision",))
        branch = _option_value(command, ("--branch", "-b"))
        if rev is None:
            # `git clone URL dir && git -C dir checkout <sha>`, here or on a later line.
            same_line = [(0, " ".join(c)) for c in rest]
            rev = _later_checkout([*same_line, *after])
        if rev is None:
            rev = branch
        fix = (
            "check out a commit after cloning: git clone <url> DIR && git -C DIR checkout "
            "{sha} (or download with `hf download ID --revision {sha}`)"
        )
        call = _shell_call(rel, 0, "git clone", repo, rev, _kind(match.group("type")), fix)
        yield replace(call, note=word)
        return


def _later_checkout(after: list[tuple[int, str]]) -> str | None:
    for _, text in after[:40]:
        if re.search(r"\bgit\b[^;&|]*\bclone\b", text):
            return None  # the next clone: a later checkout belongs to it
        match = _CHECKOUT_RE.search(text)
        if match is not None:
            return match.group("rev")
    return None


def _cli(rel: str, command: list[str]) -> Iterator[ModelCall]:
    tool = posixpath.basename(command[0])
    if tool in ("huggingface-cli", "hf") and len(command) >= 3 and command[1] == "download":
        args = command[2:]
        repo = _cli_repo(args)
        if repo is None:
            return
        repo_type = _option_value(args, ("--repo-type",)) or "model"
        rev = _option_value(args, ("--revision",))
        fix = 'add --revision {sha} (the commit on the hub\'s "Files and versions" page)'
        call = _shell_call(rel, 0, f"{tool} download", repo, rev, repo_type, fix)
        yield replace(call, note=repo)
    elif tool == "modelscope" and len(command) >= 3 and command[1] == "download":
        args = command[2:]
        repo = _option_value(args, ("--model", "--dataset")) or _cli_repo(args)
        if repo is None:
            return
        kind = "dataset" if _option_value(args, ("--dataset",)) else "model"
        rev = _option_value(args, ("--revision",))
        fix = "add --revision {sha}"
        call = _shell_call(rel, 0, "modelscope download", repo, rev, kind, fix)
        yield replace(call, note=repo)


def _urls(rel: str, command: list[str]) -> Iterator[ModelCall]:
    if command[0] == "git":
        return
    for word in command:
        match = RESOLVE_URL_RE.search(word)
        if match is None:
            continue
        repo = match.group("id")
        rev = match.group("rev")
        fix = "replace the branch in the URL with a commit: .../resolve/{sha}/<file>"
        call = _shell_call(
            rel, 0, posixpath.basename(command[0]), repo, rev, _kind(match.group("type")), fix
        )
        yield replace(call, note=word)


# ------------------------------------------------------------------- Dockerfile, CI


def _dockerfile(rel: str, text: str) -> Iterator[ModelCall]:
    variables: Variables = {}
    for inst in instructions(text):
        if inst.keyword in ("ARG", "ENV"):
            words = _words(inst.text)
            if inst.keyword == "ENV" and len(words) == 2 and "=" not in words[0]:
                words = [f"{words[0]}={words[1]}"]  # the legacy `ENV NAME value` form
            # An ARG default applies unless the build overrides it: the file's own choice.
            _assignments([[w for w in words if "=" in w]], inst.line, variables)
        elif inst.keyword == "RUN":
            pieces = list(inst.pieces) or [inst.text]
            lines = [
                (inst.line + i, piece + (" \\" if i + 1 < len(pieces) else ""))
                for i, piece in enumerate(pieces)
            ]
            if inst.heredoc is not None:
                lines += [
                    (inst.line + len(pieces) + i, body)
                    for i, body in enumerate(inst.heredoc.splitlines())
                ]
            yield from scan_shell(rel, lines, variables)
        elif inst.keyword == "ADD":
            for call in _urls(rel, ["ADD", *inst.text.split()]):
                yield replace(call, line=inst.line, note="")


def _workflow(rel: str, text: str) -> Iterator[ModelCall]:
    for run in parse_workflow(rel, text).runs:
        lines = [(run.line + i, body) for i, body in enumerate(run.text.splitlines())]
        yield from scan_shell(rel, lines)


# -------------------------------------------------------------------- YAML configs


def _yaml(rel: str, text: str, *, cog: bool) -> Iterator[ModelCall]:
    if not any(word in text for word in CONFIG_WORDS):
        return
    root = compose_yaml(text)
    if root is None:
        return
    if cog:
        for _, _, build in items(root):
            for value in values(build, "run"):
                for step in elements(value):
                    command = scalar(step)
                    if command is None:
                        command = next(
                            (scalar(v) for k, _, v in items(step) if k == "command"), None
                        )
                    if command is not None:
                        yield from scan_shell(
                            rel,
                            [(line_of(step) + i, c) for i, c in enumerate(command.splitlines())],
                        )
    yield from _config_node(rel, root, 0)


def _config_node(rel: str, node: object, depth: int) -> Iterator[ModelCall]:
    if depth > 20:
        return
    pairs = list(items(node))  # type: ignore[arg-type]
    if pairs:
        revision_node = next((v for k, _, v in pairs if k in REVISION_KEYS), None)
        revision = scalar(revision_node)
        for key, _, value in pairs:
            text = scalar(value)
            if key in MODEL_KEYS and text is not None:
                call = _config_call(rel, line_of(value), key, text, revision, "model")
                if call is not None:
                    yield call
            elif key in DATASET_LIST_KEYS:
                for entry in elements(value) or [value]:
                    entry_pairs = {k: v for k, _, v in items(entry)}
                    path = scalar(entry_pairs.get("path"))
                    if path is None:
                        continue
                    if scalar(entry_pairs.get("data_files")) or scalar(entry_pairs.get("ds_type")):
                        continue  # local files read through a packaged builder
                    rev = scalar(entry_pairs.get("revision"))
                    path_node = entry_pairs["path"]
                    call = _config_call(rel, line_of(path_node), "path", path, rev, "dataset")
                    if call is not None:
                        yield call
            else:
                yield from _config_node(rel, value, depth + 1)
        return
    for element in elements(node):  # type: ignore[arg-type]
        yield from _config_node(rel, element, depth + 1)


_CONFIG_SUFFIXES = (".jsonl", ".json", ".csv", ".tsv", ".parquet", ".txt", ".arrow", ".yaml")


def _config_call(
    rel: str, line: int, key: str, value: str, revision: str | None, kind: str
) -> ModelCall | None:
    value = value.strip()
    if not value or value.lower() in ("null", "none", "~"):
        return None
    fix = "add `revision: {sha}` next to it (the key your trainer reads: model_revision, "
    fix += "revision_of_model, ...)"
    api = f"config {key}"
    if _variable(value):
        return ModelCall(
            rel, line, 1, api, None, None, repo_state="unresolved", kind=kind, fix=fix, style="text"
        )
    if is_local_path(value) or value.lower().endswith(_CONFIG_SUFFIXES):
        return None
    if "/" not in value:
        return None  # a bare name: a registered dataset, a local folder or a preset
    rev_state: RevisionState = "absent"
    if revision is not None:
        rev_state = "unresolved" if _variable(revision) else "resolved"
        if FULL_SHA_RE.match(revision) is None and rev_state == "unresolved":
            revision = None
    return ModelCall(
        rel,
        line,
        1,
        api,
        value,
        revision,
        repo_state="hub",
        revision_state=rev_state,
        kind=kind,
        fix=fix,
        style="text",
    )
