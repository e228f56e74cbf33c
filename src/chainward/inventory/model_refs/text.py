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
    MAKEFILE_NAMES,
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
from chainward.inventory.model_refs.shellwords import (
    Variables,
    expand,
    is_variable,
    logical_lines,
    make_references,
    make_variables,
    record_assignments,
    shell_variables,
    shell_words,
    split_commands,
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
        lines = list(enumerate(text.splitlines(), 1))
        if lower in MAKEFILE_NAMES or lower.endswith(".mk"):
            variables = make_variables(lines)
            return list(scan_shell(rel, make_references(lines, variables), variables))
        return list(scan_shell(rel, lines))
    except YamlError:
        return []  # the YAML families report unparsable YAML; nothing to judge here


# ----------------------------------------------------------------------------- shell


def _line_of(token: str, pieces: list[tuple[int, str]]) -> int:
    """The physical line of a logical line on which ``token`` is written."""
    for number, text in pieces:
        if token in text:
            return number
    return pieces[0][0]


def _strip_prefix(command: list[str]) -> list[str]:
    """The command without ``VAR=x``, ``sudo``/``env`` wrappers or Makefile ``@-``."""
    words = list(command)
    if words:
        words[0] = words[0].lstrip("@-") if not words[0].startswith("--") else words[0]
    while words and (re.match(r"^[A-Za-z_]\w*=", words[0]) or words[0] in _WRAPPERS):
        words = words[1:]
    return [w for w in words if w]


def _sha_state(rev: str | None) -> tuple[str | None, RevisionState]:
    if rev is None:
        return None, "absent"
    if is_variable(rev):
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
    if is_variable(repo):
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


def scan_shell(
    rel: str, lines: list[tuple[int, str]], variables: Variables | None = None
) -> Iterator[ModelCall]:
    """Hub downloads in shell text given as (line number, physical line) pairs
    (``variables``: assigned before this text, as Dockerfile ``ARG``/``ENV``)."""
    logical = list(logical_lines(lines))
    known: Variables = {k: list(v) for k, v in (variables or {}).items()}
    for name, assigned in shell_variables(lines).items():
        known.setdefault(name, []).extend(assigned)
    for position, (line, text, pieces) in enumerate(logical):
        # `URL=https://huggingface.co/...` then `wget "$URL"`: the hub word is in the value.
        expanded = expand(text, known, line) if known else text
        if not any(word in expanded for word in SHELL_HUB_WORDS):
            continue
        commands = [
            _strip_prefix([expand(w, known, line) for w in words])
            for words in split_commands(shell_words(text))
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
                *_python_c(rel, command),
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


def _python_c(rel: str, command: list[str]) -> Iterator[ModelCall]:
    """``python -c "from huggingface_hub import snapshot_download; ..."``: the calls of
    the inline program (read like a Python file; never run)."""
    if not re.fullmatch(r"python[\d.]*", posixpath.basename(command[0])) or "-c" not in command:
        return
    index = command.index("-c")
    if index + 1 >= len(command):
        return
    from chainward.inventory.model_refs.python import scan_source

    try:
        calls = scan_source(rel, command[index + 1])
    except (SyntaxError, ValueError, RecursionError):
        return
    for call in calls:
        yield replace(call, note="")


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
            words = shell_words(inst.text)
            if inst.keyword == "ENV" and len(words) == 2 and "=" not in words[0]:
                words = [f"{words[0]}={words[1]}"]  # the legacy `ENV NAME value` form
            # An ARG default applies unless the build overrides it: the file's own choice.
            record_assignments([[w for w in words if "=" in w]], inst.line, variables)
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
    if is_variable(value):
        return ModelCall(
            rel, line, 1, api, None, None, repo_state="unresolved", kind=kind, fix=fix, style="text"
        )
    if is_local_path(value) or value.lower().endswith(_CONFIG_SUFFIXES):
        return None
    if "/" not in value:
        return None  # a bare name: a registered dataset, a local folder or a preset
    rev_state: RevisionState = "absent"
    if revision is not None:
        rev_state = "unresolved" if is_variable(revision) else "resolved"
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
