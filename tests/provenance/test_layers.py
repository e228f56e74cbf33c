"""The provenance room and the shared floors it moved into keep their arrows pointing down.

Walks the import statements (module level and inside functions, ``TYPE_CHECKING`` too) of
``chainward.provenance``, the release-trust edge, the offline Sigstore verification in
``core`` and the model lock format: no domain imports another domain, ``core``
and ``inventory`` import no domain, nothing imports another module's private name, there
is no import cycle among them, and no module is over 500 lines without saying why.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "chainward"
DOMAINS = {"actions", "commits", "dependencies", "models", "typosquats", "provenance"}
OWNED = (
    *sorted((SRC / "provenance").glob("*.py")),
    SRC / "dependencies" / "release_trust.py",
    SRC / "dependencies" / "release_trust_edge.py",
    SRC / "core" / "attestation.py",
    SRC / "core" / "bounded.py",
    SRC / "core" / "distfiles.py",
    SRC / "core" / "pep740.py",
    SRC / "core" / "signer_identity.py",
    SRC / "core" / "sigstore_verifier.py",
    SRC / "core" / "statement_checks.py",
    SRC / "inventory" / "model_lock.py",
    SRC / "inventory" / "workflow_files.py",
    SRC / "models" / "lock.py",
    SRC / "cli" / "provenance.py",
    SRC / "cli" / "release.py",
    SRC / "cli" / "signing.py",
)
KNOWN: set[tuple[str, str]] = set()


def _module(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, str]]:
    """(imported module, imported name or "") of every chainward import in ``path``."""
    out: list[tuple[str, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("chainward"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                is_module = (SRC.parent / Path(*full.split("."))).with_suffix(".py").is_file()
                out.append((full, "") if is_module else (node.module, alias.name))
        elif isinstance(node, ast.Import):
            out.extend((a.name, "") for a in node.names if a.name.startswith("chainward"))
    return out


def _floor(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_no_domain_imports_another_and_floors_import_no_domain() -> None:
    wrong = []
    for path in OWNED:
        source = _module(path)
        for target, _ in _imports(path):
            here, there = _floor(source), _floor(target)
            crosses = here in DOMAINS and there in DOMAINS and here != there
            climbs = here in {"core", "inventory"} and there in DOMAINS | {"cli"}
            if (crosses or climbs) and (source, target) not in KNOWN:
                wrong.append(f"{source} -> {target}")
    assert not wrong, wrong


def test_no_private_name_is_imported_across_modules() -> None:
    wrong = [
        f"{_module(path)} imports {target}.{name}"
        for path in OWNED
        for target, name in _imports(path)
        if name.startswith("_") and not name.startswith("__")
    ]
    assert not wrong, wrong


def test_no_import_cycle() -> None:
    graph = {_module(p): {t for t, _ in _imports(p)} for p in OWNED}
    state: dict[str, int] = {}
    cycles: list[str] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*trail[trail.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert not cycles, cycles


def test_long_modules_say_why() -> None:
    silent = []
    for path in OWNED:
        lines = path.read_text(encoding="utf-8").count("\n")
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        if lines > 500 and "500 lines" not in doc:
            silent.append(f"{path.name}: {lines} lines")
    assert not silent, silent


def test_the_walk_sees_a_cross_domain_import(tmp_path: Path) -> None:
    """The walker is not vacuous: a function-level import of another domain is found."""
    probe = SRC / "provenance" / "verify.py"
    imports = _imports(probe)
    assert ("chainward.core.attestation", "Artifact") in imports
    fake = tmp_path / "x.py"
    fake.write_text("def f():\n    from chainward.models.hashing import hash_files\n")
    assert _imports(fake) == [("chainward.models.hashing", "hash_files")]
