"""``inventory.paths``: the collector's table names each parser module with a path
matcher that imports nothing, and agrees with every parser's own ``matches``."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from chainward.inventory.collect import parser_for
from chainward.inventory.paths import PARSER_PATHS, parser_module

PATHS = [
    "pyproject.toml",
    "a/setup.cfg",
    "Pipfile",
    "Pipfile.lock",
    "uv.lock",
    "poetry.lock",
    "pylock.toml",
    "pylock.gpu.toml",
    "pylock.a.b.toml",
    "environment.yml",
    "conda-environment.yaml",
    "env.yaml",
    "Dockerfile",
    "docker/Dockerfile.cuda",
    "dockerfile.py",
    "build.Containerfile",
    ".github/workflows/ci.yml",
    "sub/.github/workflows/ci.yaml",
    "action.yml",
    "scripts/setup.sh",
    "setup.bash",
    "requirements.txt",
    "README.md",
    "setup.py",
]


@pytest.mark.parametrize("rel", PATHS)
def test_the_table_and_each_parser_agree(rel: str) -> None:
    by_parsers = [m for m, _ in PARSER_PATHS if importlib.import_module(m).matches(rel)]
    assert parser_module(rel) == (by_parsers[0] if by_parsers else None)
    parser = parser_for(rel)
    assert (parser.__name__ if parser else None) == parser_module(rel)


def test_matching_a_path_imports_no_parser() -> None:
    code = (
        "import sys\n"
        "from chainward.inventory.collect import parser_for\n"
        "from chainward.inventory.paths import PARSER_PATHS\n"
        "assert parser_for('README.md') is None\n"
        "print(sorted(m for m, _ in PARSER_PATHS if m in sys.modules))\n"
    )
    out = subprocess.run(
        (sys.executable, "-c", code), capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
