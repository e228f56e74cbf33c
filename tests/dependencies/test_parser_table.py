"""The inventory's parser table (issue 19): one module per manifest kind with
``matches(rel)`` and ``parse(rel, text) -> ManifestScan``, no import back into the
collector, and no domain package imported from the inventory floor."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import chainward.inventory
from chainward.inventory.collect import PARSERS, parser_for
from chainward.inventory.model import BaseImage, Dependency, ManifestScan, location

INVENTORY = Path(chainward.inventory.__file__).parent
DOMAINS = ("actions", "commits", "dependencies", "models", "typosquats", "provenance")


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth (function-level imports included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("path", sorted(INVENTORY.glob("*.py")), ids=lambda p: p.name)
def test_inventory_modules_import_neither_the_collector_nor_a_domain(path: Path) -> None:
    imported = _imports(path)
    if path.name not in ("__init__.py", "collect.py"):
        assert "chainward.inventory.collect" not in imported
    upward = sorted(name for name in imported for d in DOMAINS if name.startswith(f"chainward.{d}"))
    assert upward == [], f"{path.name} imports a domain package: {upward}"


def test_every_parser_declares_matches_and_parse() -> None:
    assert len({p.__name__ for p in PARSERS}) == len(PARSERS)
    for parser in PARSERS:
        assert callable(parser.matches) and callable(parser.parse), parser


@pytest.mark.parametrize(
    ("rel", "module"),
    [
        ("pyproject.toml", "pyproject"),
        ("sub/setup.cfg", "setupcfg"),
        ("sub/setup.py", "setuppy"),
        ("Pipfile", "pipfile"),
        ("Pipfile.lock", "pipfilelock"),
        ("uv.lock", "uvlock"),
        ("a/poetry.lock", "poetrylock"),
        ("pylock.gpu.toml", "pylock"),
        ("environment-gpu.yml", "conda"),
        ("docker/Dockerfile.cuda", "dockerfile"),
        (".github/workflows/ci.yml", "workflow_installs"),
        ("scripts/setup.sh", "scripts"),
    ],
)
def test_each_manifest_kind_has_its_own_parser(rel: str, module: str) -> None:
    parser = parser_for(rel)
    assert parser is not None
    assert parser.__name__ == f"chainward.inventory.{module}"


@pytest.mark.parametrize("rel", ["README.md", "setup.pyc", "requirements.txt", "pylock.a.b.toml"])
def test_other_files_have_no_table_parser(rel: str) -> None:
    # requirements files are read by the include walker, not the table
    assert parser_for(rel) is None


def test_parse_returns_records_and_problems_without_a_context() -> None:
    pipfile = parser_for("Pipfile")
    assert pipfile is not None
    scan = pipfile.parse(
        "Pipfile",
        '[[source]]\nurl = "https://pypi.org/simple"\n\n[packages]\ntorch = "==2.3.0"\n',
    )
    assert isinstance(scan, ManifestScan)
    assert [(d.name, d.line, d.manifest, d.version) for d in scan.dependencies] == [
        ("torch", 5, "pipfile", "2.3.0")
    ]
    assert [(o.option, o.line) for o in scan.options] == [("index-url", 2)]
    broken = pipfile.parse("Pipfile", "[packages\n")
    assert broken.dependencies == []
    assert [(p.check_id, p.path, p.line) for p in broken.problems] == [
        ("unparsable-file", "Pipfile", 1)
    ]


def test_location_carries_a_column_only_where_the_record_has_one() -> None:
    image = BaseImage("Dockerfile", 3, 6, "python:3.12", None)
    assert location(image) == {"path": "Dockerfile", "line": 3, "column": 6}
    dependency = Dependency(
        "r.txt", 2, "torch", "torch", "", None, (), None, (), "index", None, "requirements", False
    )
    assert location(dependency) == {"path": "r.txt", "line": 2, "column": None}
