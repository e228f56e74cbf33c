"""Fixture repositories for every manifest kind: each bad case reports exactly the expected
findings (check id, file, line); each good case reports nothing."""

from __future__ import annotations

import pytest

from tests.dependencies.conftest import MANIFESTS, findings_of, triples

U = "unpinned-ai-dependency"
H = "missing-dependency-hash"
V = "unpinned-vcs-dependency"
URL = "unhashed-url-dependency"
X = "extra-index-url"
P = "pipe-to-shell"
I = "unpinned-base-image"  # noqa: E741 - a one-letter table key like the others
B = "broken-requirements-include"
E = "unparsable-file"
Z = "incomplete-hash-pinning"  # pip refuses a half-hashed install; one finding per file

EXPECTED: dict[str, set[tuple[str, str, int]]] = {
    "requirements/bad": {
        (X, "requirements.txt", 3),
        (U, "requirements.txt", 4),
        (U, "requirements.txt", 5),
        (H, "requirements.txt", 6),
        (URL, "requirements.txt", 7),
        (V, "requirements.txt", 8),
        (U, "requirements.txt", 9),
        # datasets in requirements/base.txt is pinned by the -c constraints file,
        # which is where the missing hash is reported.
        (H, "constraints.txt", 1),
        # safetensors carries a hash, so pip checks every line of the install: the
        # unpinned and unhashed lines (and the included base.txt) make it refuse.
        (Z, "requirements.txt", 4),
        (Z, "requirements/base.txt", 2),
        (B, "requirements-cycle.txt", 1),
        (B, "requirements-cycle-b.txt", 2),
        (H, "requirements-malformed.txt", 1),
        (E, "requirements-malformed.txt", 2),
        (E, "requirements-malformed.txt", 3),
        (E, "requirements-malformed.txt", 4),
    },
    "pyproject/bad": {
        (U, "pyproject.toml", 2),
        (U, "pyproject.toml", 9),
        (V, "pyproject.toml", 11),
        (H, "pyproject.toml", 15),
        (U, "pyproject.toml", 18),
        (X, "pyproject.toml", 22),
    },
    "poetry/bad": {
        (U, "pyproject.toml", 7),
        (U, "pyproject.toml", 8),
        (U, "pyproject.toml", 9),
        (V, "pyproject.toml", 10),
        (H, "pyproject.toml", 14),
        (X, "pyproject.toml", 18),
    },
    "poetry/badlock": {(V, "poetry.lock", 11)},
    "setupcfg/bad": {
        (U, "setup.cfg", 7),
        (U, "setup.cfg", 9),
        (H, "setup.cfg", 14),
    },
    "setupcfg/broken": {(E, "setup.cfg", 1)},
    "setuppy/bad": {
        (U, "setup.py", 4),
        (U, "setup.py", 6),
        (H, "setup.py", 9),
        (V, "setup.py", 12),
    },
    "pipfile/bad": {
        (X, "Pipfile", 7),
        (U, "Pipfile", 12),
        (V, "Pipfile", 14),
        (H, "Pipfile", 18),
        (H, "Pipfile.lock", 11),
        (V, "Pipfile.lock", 15),
    },
    "conda/bad": {
        (U, "environment.yml", 8),
        (U, "environment.yml", 9),
        (X, "environment.yml", 13),
        (U, "environment.yml", 14),
        (H, "environment.yml", 15),
        (V, "environment.yml", 16),
    },
    "conda/broken": {(E, "environment.yml", 4)},
    "uvlock/bad": {(URL, "uv.lock", 21)},
    "pylock/bad": {(V, "pylock.toml", 5), (URL, "pylock.toml", 9)},
    "docker/bad": {
        (I, "Containerfile", 1),
        (H, "Containerfile", 2),
        (I, "Dockerfile", 4),
        (H, "Dockerfile", 7),
        (U, "Dockerfile", 8),
        (X, "Dockerfile", 9),
        (U, "Dockerfile", 9),
        (P, "Dockerfile", 10),
        (P, "Dockerfile", 11),
        (U, "Dockerfile", 12),
    },
    "workflow/bad": {
        (I, ".github/workflows/train.yml", 7),
        (I, ".github/workflows/train.yml", 10),
        (H, ".github/workflows/train.yml", 12),
        (U, ".github/workflows/train.yml", 12),
        (P, ".github/workflows/train.yml", 14),
        (U, ".github/workflows/train.yml", 15),
        (X, ".github/workflows/train.yml", 18),
        (U, ".github/workflows/train.yml", 18),
        (U, "actions/setup/action.yml", 6),
    },
    "script/bad": {
        (H, "setup.sh", 4),
        (U, "setup.sh", 5),
        (P, "setup.sh", 6),
    },
}

GOOD = [
    "requirements/good",
    "pyproject/good",
    "poetry/good",
    "setupcfg/good",
    "setuppy/good",
    "pipfile/good",
    "conda/good",
    "pylock/good",
    "docker/good",
    "workflow/good",
    "script/good",
]


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_bad_fixture_reports_each_problem_at_its_line(case: str) -> None:
    findings = findings_of(MANIFESTS / case)
    assert triples(findings) == EXPECTED[case]
    for finding in findings:
        assert finding.message
        if finding.check_id != E:
            assert finding.fix, finding


@pytest.mark.parametrize("case", GOOD)
def test_good_fixture_is_clean(case: str) -> None:
    assert findings_of(MANIFESTS / case) == []


def test_every_manifest_kind_has_fixtures() -> None:
    from chainward.inventory.model import MANIFEST_KINDS

    kinds: set[str] = set()
    for case in [*EXPECTED, *GOOD]:
        from tests.dependencies.conftest import inventory_of

        kinds.update(d.manifest for d in inventory_of(MANIFESTS / case).dependencies)
    assert kinds == set(MANIFEST_KINDS)


def test_scope_all_checks_every_dependency() -> None:
    found = triples(findings_of(MANIFESTS / "setupcfg" / "bad", {"scope": "all"}))
    # numpy (line 8) and cython (setup_requires, line 10) join torch and friends.
    assert (U, "setup.cfg", 8) in found
    assert (U, "setup.cfg", 10) in found


def test_policy_removes_and_adds_ai_packages() -> None:
    policy = {"not-ai-packages": ["torch"], "ai-packages": ["numpy"]}
    found = triples(findings_of(MANIFESTS / "setupcfg" / "bad", policy))
    assert (U, "setup.cfg", 7) not in found  # torch dropped
    assert (U, "setup.cfg", 8) in found  # numpy added


def test_require_hashes_false_drops_hash_findings() -> None:
    found = findings_of(MANIFESTS / "pyproject" / "bad", {"require-hashes": False})
    assert H not in {f.check_id for f in found}


def test_allowed_indexes_count_as_pypi() -> None:
    policy = {"allowed-indexes": ["https://download.pytorch.org/whl/"]}
    found = triples(findings_of(MANIFESTS / "pyproject" / "bad", policy))
    assert (X, "pyproject.toml", 22) not in found


def test_lock_file_covers_ranges_but_only_for_its_names(tmp_path: object) -> None:
    from pathlib import Path

    root = Path(str(tmp_path))
    src = MANIFESTS / "pyproject" / "good"
    (root / "uv.lock").write_text((src / "uv.lock").read_text())
    (root / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\ndependencies = ["peft>=0.13", "vllm>=0.6"]\n'
    )
    found = triples(findings_of(root))
    # peft is in uv.lock; vllm is not.
    assert found == {(U, "pyproject.toml", 4)}
    sub = root / "pkg"
    sub.mkdir()
    (sub / "pyproject.toml").write_text(
        '[project]\nname = "y"\nversion = "1"\ndependencies = ["peft>=0.13"]\n'
    )
    # A lock file in a parent folder (a uv workspace) covers members below it.
    assert (U, "pkg/pyproject.toml", 4) not in triples(findings_of(root))


def test_named_manifest_is_judged_with_the_lock_beside_it(cli: object) -> None:
    # pre-commit may pass only pyproject.toml; its uv.lock still covers it.
    root = MANIFESTS / "pyproject" / "good"
    result = cli("deps", "pyproject.toml", "--format", "json", cwd=root)  # type: ignore[operator]
    assert result.code == 0, result.out


# The shape uv pip compile --generate-hashes writes (taken from requirements/dev.txt).
_COMPILED = """\
# This file was autogenerated by uv via the following command:
#    uv pip compile pyproject.toml --generate-hashes -o {out}
peft==0.13.2 \\
    --hash=sha256:{h1}
    # via x (pyproject.toml)
vllm==0.6.3 \\
    --hash=sha256:{h2}
    # via
    #   {via}
    #   other-package
"""


def _compiled(out: str, via: str, hashes: bool = True) -> str:
    text = _COMPILED.format(out=out, h1="1" * 64, h2="2" * 64, via=via)
    if not hashes:
        text = text.replace(" \\\n    --hash=sha256:" + "1" * 64, "").replace(
            " \\\n    --hash=sha256:" + "2" * 64, ""
        )
    return text


@pytest.mark.parametrize("out", ["requirements.txt", "requirements/dev.txt"])
def test_a_hash_pinned_file_compiled_from_pyproject_covers_its_ranges(
    tmp_path: object, out: str
) -> None:
    from pathlib import Path

    root = Path(str(tmp_path))
    (root / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\ndependencies = ["peft>=0.13", "vllm>=0.6"]\n'
    )
    (root / out).parent.mkdir(parents=True, exist_ok=True)
    (root / out).write_text(_compiled(out, "x (pyproject.toml)"))
    assert not {f for f in triples(findings_of(root)) if f[1] == "pyproject.toml"}


def test_a_compiled_file_covers_only_what_it_pins_with_hashes_from_that_manifest(
    tmp_path: object,
) -> None:
    from pathlib import Path

    root = Path(str(tmp_path))
    (root / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\ndependencies = ["peft>=0.13", "vllm>=0.6"]\n'
    )
    # vllm's pin came from another manifest: pyproject.toml's range is not locked by it.
    (root / "requirements.txt").write_text(_compiled("requirements.txt", "y (setup.cfg)"))
    assert (U, "pyproject.toml", 4) in triples(findings_of(root))
    assert len([f for f in findings_of(root) if f.path == "pyproject.toml"]) == 1
    # Without hashes the compiled file locks nothing (and is itself reported).
    (root / "requirements.txt").write_text(
        _compiled("requirements.txt", "x (pyproject.toml)", hashes=False)
    )
    on_pyproject = [f for f in findings_of(root) if f.path == "pyproject.toml"]
    assert {f.check_id for f in on_pyproject} == {U}
    assert len(on_pyproject) == 2
