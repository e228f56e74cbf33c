"""Which manifest kind a path is, from its name alone: the cheap half of every parser.

The collector (``inventory.collect``) tries these matchers over the scanned paths and
imports a parser module only when some path matches it, so a change that holds no
``Pipfile`` never loads the Pipfile parser (issue 19, start-up). Standard library only
(``posixpath``): importing this module must stay free. Each parser module's
``matches(rel)`` is the matcher of its row here.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable

# Suffixes that make "dockerfile.<suffix>" some other kind of file.
_NOT_DOCKERFILE = frozenset(
    {
        "py",
        "pyc",
        "pyi",
        "md",
        "rst",
        "txt",
        "json",
        "yml",
        "yaml",
        "toml",
        "sh",
        "go",
        "rs",
        "js",
        "ts",
        "html",
        "cfg",
        "ini",
        "lock",
        "bak",
        "orig",
        "swp",
        "png",
        "svg",
        "pdf",
    }
)
_CONDA_NAMES = frozenset(
    {"environment.yml", "environment.yaml", "env.yml", "env.yaml", "conda.yml", "conda.yaml"}
)
LOCK_NAMES = ("uv.lock", "poetry.lock", "pylock.toml", "Pipfile.lock")
"""Lock files the collector looks for beside a scanned manifest."""


def is_dockerfile_path(rel: str) -> bool:
    """``Dockerfile``, ``Containerfile`` and their ``.suffix``/``prefix.`` variants."""
    lower = posixpath.basename(rel).lower()
    for base in ("dockerfile", "containerfile"):
        if lower == base or lower.endswith("." + base):
            return True
        # Dockerfile.gpu, Dockerfile.cuda12 — but not dockerfile.py, the parser's own module.
        if lower.startswith(base + ".") and lower.rsplit(".", 1)[1] not in _NOT_DOCKERFILE:
            return True
    return False


def is_workflow_path(rel: str) -> bool:
    """Whether a root-relative path is a workflow or an action metadata file."""
    name = posixpath.basename(rel)
    if name in ("action.yml", "action.yaml"):
        return True
    parent = posixpath.dirname(rel)
    return (
        parent == ".github/workflows" or parent.endswith("/.github/workflows")
    ) and name.endswith((".yml", ".yaml"))


def is_requirements_path(rel: str) -> bool:
    """Whether a path looks like a pip requirements (or pip-tools ``.in``) file."""
    name = posixpath.basename(rel).lower()
    parent = posixpath.basename(posixpath.dirname(rel)).lower()
    if name.endswith(".in"):
        return name != "manifest.in" and ("requirements" in name or parent == "requirements")
    if not name.endswith(".txt"):
        return False
    return (
        name.startswith(("requirements", "constraints"))
        or name.endswith(("-requirements.txt", "_requirements.txt"))
        or parent in ("requirements", "reqs")
    )


def is_conda_path(rel: str) -> bool:
    """``environment.yml`` and friends (``environment-gpu.yml``, ``conda-env.yaml``)."""
    name = posixpath.basename(rel).lower()
    if name in _CONDA_NAMES:
        return True
    stem, dot, ext = name.rpartition(".")
    return (
        bool(dot)
        and ext in ("yml", "yaml")
        and (stem.startswith("environment") or stem.endswith(("-environment", "_environment")))
    )


def is_pylock_path(rel: str) -> bool:
    """``pylock.toml`` or ``pylock.<name>.toml`` (PEP 751)."""
    name = posixpath.basename(rel)
    return name == "pylock.toml" or (
        name.startswith("pylock.") and name.endswith(".toml") and name.count(".") == 2
    )


def is_script_path(rel: str) -> bool:
    """Shell scripts whose install commands are inventoried."""
    return rel.endswith((".sh", ".bash"))


def _named(name: str) -> Callable[[str], bool]:
    def matches(rel: str) -> bool:
        return posixpath.basename(rel) == name

    matches.__doc__ = f"``{name}`` in any folder."
    return matches


is_pyproject_path = _named("pyproject.toml")
is_setupcfg_path = _named("setup.cfg")
is_setuppy_path = _named("setup.py")
is_pipfile_path = _named("Pipfile")
is_pipfilelock_path = _named("Pipfile.lock")
is_uvlock_path = _named("uv.lock")
is_poetrylock_path = _named("poetry.lock")

# Every manifest kind but requirements files (the collector follows their -r/-c
# includes itself), in the order a path is tried: the first row that matches names the
# parser module that reads the file.
PARSER_PATHS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("chainward.inventory.pyproject", is_pyproject_path),
    ("chainward.inventory.setupcfg", is_setupcfg_path),
    ("chainward.inventory.setuppy", is_setuppy_path),
    ("chainward.inventory.pipfile", is_pipfile_path),
    ("chainward.inventory.pipfilelock", is_pipfilelock_path),
    ("chainward.inventory.uvlock", is_uvlock_path),
    ("chainward.inventory.poetrylock", is_poetrylock_path),
    ("chainward.inventory.pylock", is_pylock_path),
    ("chainward.inventory.conda", is_conda_path),
    ("chainward.inventory.dockerfile", is_dockerfile_path),
    ("chainward.inventory.workflow_installs", is_workflow_path),
    ("chainward.inventory.scripts", is_script_path),
)


def parser_module(rel: str) -> str | None:
    """The name of the parser module that reads ``rel`` (requirements files aside)."""
    return next((module for module, matches in PARSER_PATHS if matches(rel)), None)
