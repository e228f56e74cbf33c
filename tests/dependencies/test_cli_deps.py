"""`chainward deps`, the fine-tuning fixture, the demo project, and what `check` runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT
from tests.dependencies.conftest import DEPS_DATA, MANIFESTS

FINETUNE = DEPS_DATA / "finetune"
# The demo project's Dockerfile is the fine-tuning image, so the Dockerfile's findings
# are checked there rather than on a copy of it.
DEMO = REPO_ROOT / "examples" / "demo-ai-project"

# The first lines of both requirements files: the fine-tuning stack, unpinned.
REQUIREMENTS_FINDINGS = {
    ("unpinned-ai-dependency", "requirements.txt", 2),  # transformers>=4.28.0
    ("unpinned-ai-dependency", "requirements.txt", 3),  # accelerate
    ("unpinned-ai-dependency", "requirements.txt", 4),  # bitsandbytes
    ("unpinned-ai-dependency", "requirements.txt", 5),  # datasets
    ("unpinned-vcs-dependency", "requirements.txt", 6),  # git+https://…/peft.git
}
FINETUNE_FINDINGS = REQUIREMENTS_FINDINGS | {
    ("missing-dependency-hash", "requirements.txt", 7),  # sentencepiece==0.1.99
}
DEMO_FINDINGS = REQUIREMENTS_FINDINGS | {
    ("unpinned-base-image", "Dockerfile", 2),  # FROM nvidia/cuda:11.8.0-devel-ubuntu22.04
    ("pipe-to-shell", "Dockerfile", 6),  # curl … get-pip.py | python3.10
    ("extra-index-url", "Dockerfile", 11),  # nightly index next to PyPI
    ("unpinned-ai-dependency", "Dockerfile", 11),  # pip install --pre torch
}


def _json(out: str) -> set[tuple[str, str, int]]:
    document = json.loads(out)
    assert document["version"] == 1
    return {(f["check_id"], f["path"], f["line"]) for f in document["findings"]}


def test_finetune_fixture_reports_every_problem(cli: object) -> None:
    result = cli("deps", str(FINETUNE), "--format", "json")  # type: ignore[operator]
    assert result.code == 1
    assert _json(result.out) == FINETUNE_FINDINGS


def test_demo_project_reports_every_dependency_problem(cli: object) -> None:
    result = cli("deps", str(DEMO), "--format", "json")  # type: ignore[operator]
    assert result.code == 1
    assert _json(result.out) == DEMO_FINDINGS
    torch = [
        f
        for f in json.loads(result.out)["findings"]
        if f["check_id"] == "unpinned-ai-dependency" and f["path"] == "Dockerfile"
    ]
    assert "--pre" in torch[0]["message"]


def test_check_on_the_demo_project_shows_the_dependency_problems(cli: object) -> None:
    result = cli("check", str(DEMO), "--format", "json")  # type: ignore[operator]
    assert result.code == 1
    found = _json(result.out)
    assert found >= DEMO_FINDINGS
    # Network checks never run by surprise.
    assert not {f[0] for f in found} & {
        "unpublished-hash",
        "vulnerable-dependency",
        "dependency-not-verified",
    }


def test_only_splits_pins_and_images(cli: object) -> None:
    images = cli("deps", str(DEMO), "--only", "images", "--format", "json")  # type: ignore[operator]
    assert _json(images.out) == {("unpinned-base-image", "Dockerfile", 2)}
    pins = cli("deps", str(DEMO), "--only", "pins", "--format", "json")  # type: ignore[operator]
    assert _json(pins.out) == DEMO_FINDINGS - {("unpinned-base-image", "Dockerfile", 2)}


def test_clean_repository_exits_0(cli: object) -> None:
    result = cli("deps", str(MANIFESTS / "requirements" / "good"))  # type: ignore[operator]
    assert result.code == 0, result.out


def test_verify_offline_prints_a_notice_and_is_not_a_pass(cli: object) -> None:
    result = cli(  # type: ignore[operator]
        "deps",
        str(MANIFESTS / "requirements" / "good"),
        "--verify",
        "--audit",
        "--offline",
        "--format",
        "json",
    )
    assert result.code == 1
    assert "--offline: index verification and audit skipped" in result.err
    findings = json.loads(result.out)["findings"]
    assert [f["check_id"] for f in findings] == ["dependency-not-verified"]


def test_check_select_runs_the_network_family_only_when_asked(cli: object) -> None:
    root = str(MANIFESTS / "requirements" / "good")
    plain = cli("check", root, "--format", "json")  # type: ignore[operator]
    assert plain.code == 0
    selected = cli(  # type: ignore[operator]
        "check",
        root,
        "--select",
        "unpublished-hash,dependency-not-verified",
        "--offline",
        "--format",
        "json",
    )
    assert selected.code == 1
    assert [f["check_id"] for f in json.loads(selected.out)["findings"]] == [
        "dependency-not-verified"
    ]


def test_list_prints_the_inventory(cli: object) -> None:
    result = cli("deps", str(DEMO), "--list", "--format", "json")  # type: ignore[operator]
    assert result.code == 0
    document = json.loads(result.out)
    names = [(d["name"], d["path"], d["line"], d["manifest"]) for d in document["dependencies"]]
    assert ("peft", "requirements.txt", 6, "requirements") in names
    assert ("torch", "Dockerfile", 11, "dockerfile") in names
    assert document["images"][0]["image"] == "nvidia/cuda:11.8.0-devel-ubuntu22.04"
    text = cli("deps", str(DEMO), "--list")  # type: ignore[operator]
    assert "requirements.txt:2: transformers>=4.28.0  [requirements, index]" in text.out


def test_bad_inputs_are_findings_or_exit_2_never_a_traceback(tmp_path: Path, cli: object) -> None:
    (tmp_path / "pyproject.toml").write_text("[project\nname = 'x'\n")
    (tmp_path / "requirements.txt").write_text("-r requirements.txt\n-r missing.txt\ntorch==\n")
    result = cli("deps", str(tmp_path), "--format", "json")  # type: ignore[operator]
    assert result.code == 1
    assert "Traceback" not in result.err
    assert _json(result.out) == {
        ("unparsable-file", "pyproject.toml", 1),
        ("broken-requirements-include", "requirements.txt", 1),
        ("broken-requirements-include", "requirements.txt", 2),
        ("unparsable-file", "requirements.txt", 3),
    }
    (tmp_path / "chainward.toml").write_text('[dependencies]\nscope = "everything"\n')
    bad_policy = cli("deps", str(tmp_path))  # type: ignore[operator]
    assert bad_policy.code == 2
    assert "scope" in bad_policy.err
    missing = cli("deps", str(tmp_path / "nope.txt"))  # type: ignore[operator]
    assert missing.code == 2


def test_offline_hooks_do_not_import_heavy_libraries() -> None:
    code = (
        "import sys\n"
        "from chainward.cli import main\n"
        f"main(['deps', '--only', 'pins', '-q', {str(DEMO)!r}])\n"
        f"main(['deps', '--only', 'images', '-q', {str(DEMO)!r}])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('pip_audit', 'requests', 'urllib3', 'sigstore', 'cryptography'))\n"
        "print('HEAVY', heavy)\n"
    )
    proc = subprocess.run(
        (sys.executable, "-c", code), capture_output=True, text=True, check=False, timeout=60
    )
    assert "HEAVY []" in proc.stdout, proc.stdout + proc.stderr


def test_deps_and_check_report_the_same_dependency_findings(cli: object) -> None:
    # deps runs the dependencies family's scanner through the engine, as check does:
    # the same findings, fields and order, whatever the verb (issue 19).
    from chainward.dependencies.meta import FAMILY

    ids = {c.id for c in FAMILY.checks}
    deps = json.loads(cli("deps", str(DEMO), "--format", "json").out)  # type: ignore[operator]
    check = json.loads(cli("check", str(DEMO), "--format", "json").out)  # type: ignore[operator]
    from_check = [f for f in check["findings"] if f["check_id"] in ids]
    assert [f for f in deps["findings"] if f["check_id"] in ids] == from_check
    assert len(from_check) == len(DEMO_FINDINGS)
