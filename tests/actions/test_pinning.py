"""The ``unpinned-action`` check on every kind of ``uses:`` value (bad and good)."""

from __future__ import annotations

import pytest

from chainward.actions.pinning import find_unpinned_actions, unpinned_reason
from chainward.inventory.workflows import UsesRef, is_workflow_path, parse_workflow

SHA = "8e5e7e5ab8b370d6c329ec480221332ada57f0ab"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("actions/checkout@v4", "movable tag or branch"),
        ("actions/checkout@main", "movable tag or branch"),
        ("actions/checkout", "has no @ref"),
        ("actions/checkout@8e5e7e5", "short SHA"),
        ("actions/checkout@8E5E7E5AB8B370D6C329EC480221332ADA57F0AB", "movable"),
        ("${{ matrix.action }}@v1", "expression"),
        ("docker://alpine:3.20", "by tag"),
        ("org/repo/path/to/action@v1.2.3", "movable tag or branch"),
    ],
)
def test_unpinned(value: str, reason: str) -> None:
    found = unpinned_reason(value)
    assert found is not None and reason in found


@pytest.mark.parametrize(
    "value",
    [
        f"actions/checkout@{SHA}",
        f"org/repo/.github/workflows/w.yml@{SHA}",
        "./.github/actions/local",
        "../sibling",
        "docker://alpine@sha256:" + "0" * 64,
    ],
)
def test_pinned(value: str) -> None:
    assert unpinned_reason(value) is None


def test_allow_list_by_glob() -> None:
    refs = [
        UsesRef("w.yml", 1, 1, "my-org/tool@v1", "step"),
        UsesRef("w.yml", 2, 1, "x/y@v1", "step"),
    ]
    findings = list(find_unpinned_actions(refs, ["my-org/*"]))
    assert [f.line for f in findings] == [2]
    assert "x/y@<40-hex-sha>" in (findings[0].fix or "")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (".github/workflows/ci.yml", True),
        ("sub/.github/workflows/ci.yaml", True),
        (".github/workflows/nested/ci.yml", False),
        ("action.yml", True),
        ("tools/act/action.yaml", True),
        ("workflows/ci.yml", False),
        (".github/workflows/README.md", False),
    ],
)
def test_workflow_paths(path: str, expected: bool) -> None:
    assert is_workflow_path(path) is expected


def test_parse_workflow_collects_uses_runs_and_images() -> None:
    text = (
        "jobs:\n"
        "  a:\n"
        "    container: python:3.11\n"
        "    services:\n"
        "      db:\n"
        "        image: postgres:16\n"
        "    steps:\n"
        "      - uses: a/b@v1\n"
        "      - run: |\n"
        "          pip install torch\n"
        "  b:\n"
        "    uses: o/r/.github/workflows/w.yml@main\n"
    )
    wf = parse_workflow("w.yml", text)
    assert [(u.value, u.line, u.kind) for u in wf.uses] == [
        ("a/b@v1", 8, "step"),
        ("o/r/.github/workflows/w.yml@main", 12, "job"),
    ]
    assert [(r.line, r.text.strip()) for r in wf.runs] == [(10, "pip install torch")]
    assert [(i.image, i.line) for i in wf.images] == [("python:3.11", 3), ("postgres:16", 6)]


def test_composite_and_docker_actions() -> None:
    wf = parse_workflow("action.yml", "runs:\n  using: docker\n  image: docker://ghcr.io/x/y:1\n")
    assert [i.image for i in wf.images] == ["docker://ghcr.io/x/y:1"]
    wf = parse_workflow("action.yml", "runs:\n  using: composite\n  steps:\n    - uses: a/b@v2\n")
    assert [u.value for u in wf.uses] == ["a/b@v2"]


def test_alias_bomb_is_cheap() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 30)]
    lines += ["jobs:", "  j:", "    steps: *a29"]
    wf = parse_workflow("w.yml", "\n".join(lines) + "\n")
    assert wf.uses == ()
