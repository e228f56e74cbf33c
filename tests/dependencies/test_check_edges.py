"""Edge cases of each check, so that every branch of checks/ and verify.py is exercised."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from chainward.dependencies.audit import AuditResult
from chainward.dependencies.verify import find_vulnerabilities, verify_inventory
from tests.dependencies.conftest import findings_of, inventory_of, triples

LOCK = """version = 1

[[package]]
name = "peft"
version = "0.13.2"
source = {{ registry = "https://pypi.org/simple" }}
wheels = [{{ url = "https://x/peft.whl", hash = "sha256:{h}" }}]

[[package]]
name = "lora-kit"
version = "1.0"
source = {{ git = "https://github.com/example/lora-kit?rev=main#{sha}" }}

[[package]]
name = "fused"
version = "2.0"
source = {{ url = "https://example.com/fused-2.0.tar.gz" }}
sdist = {{ url = "https://example.com/fused-2.0.tar.gz", hash = "sha256:{h}" }}
"""


def test_lock_covers_exact_pins_vcs_refs_and_urls(tmp_path: Path) -> None:
    (tmp_path / "uv.lock").write_text(LOCK.format(h="a" * 64, sha="b" * 40))
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'x'\nversion = '1'\ndependencies = [\n"
        '  "peft==0.13.2",\n'
        '  "lora-kit @ git+https://github.com/example/lora-kit@main",\n'
        '  "fused @ https://example.com/fused-2.0.tar.gz",\n'
        "]\n"
    )
    # peft is pinned (no hash needed: the lock has it), the VCS branch is resolved to a
    # commit in the lock, the URL has a hash in the lock.
    assert findings_of(tmp_path, {"ai-packages": ["lora-kit", "fused"]}) == []


def test_constraint_with_hashes_covers_the_pin(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("-c constraints.txt\ntorch==2.1.0\n")
    (tmp_path / "constraints.txt").write_text(f"torch==2.1.0 --hash=sha256:{'c' * 64}\n")
    assert findings_of(tmp_path) == []


def test_pip_tools_input_is_covered_by_a_lock(tmp_path: Path) -> None:
    (tmp_path / "requirements.in").write_text("peft>=0.13\n")
    (tmp_path / "uv.lock").write_text(LOCK.format(h="a" * 64, sha="b" * 40))
    assert findings_of(tmp_path) == []
    (tmp_path / "uv.lock").unlink()
    assert triples(findings_of(tmp_path)) == {("unpinned-ai-dependency", "requirements.in", 1)}


def test_allowed_registries_and_unpinned_image_allowlist(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "FROM ubuntu:22.04\n"
        "FROM nvcr.io/nvidia/pytorch:24.01-py3\n"
        "FROM localhost:5000/team/base:1\n"
        "FROM someuser/pytorch:latest\n"
        "FROM library/python:3.11\n"
    )
    policy = {
        "allowed-registries": ["nvcr.io/nvidia/", "docker.io/library/", "localhost:5000/"],
        "allow-unpinned-images": ["localhost:5000/*", "docker.io/library/ubuntu:*"],
    }
    found = triples(findings_of(tmp_path, policy))
    assert found == {
        ("unpinned-base-image", "Dockerfile", 2),
        ("unpinned-base-image", "Dockerfile", 4),
        ("unpinned-base-image", "Dockerfile", 5),
        ("untrusted-base-image", "Dockerfile", 4),
    }


def test_verify_with_nothing_pinned_reports_nothing(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("torch>=2\n")
    assert list(verify_inventory(inventory_of(tmp_path), {}, offline=True)) == []


def test_pins_missing_from_the_audit_results_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("torch==2.1.0\npeft==0.13.2\n")
    deps = inventory_of(tmp_path).dependencies
    results = [AuditResult("peft", "0.13.2")]
    assert list(find_vulnerabilities(deps, results)) == []


def test_without_pip_audit_the_audit_is_not_verified(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An install without the audit extra: importing pip-audit's service fails.
    monkeypatch.setitem(sys.modules, "pip_audit._service.pypi", None)
    (tmp_path / "requirements.txt").write_text("torch==2.1.0\n")
    findings = list(verify_inventory(inventory_of(tmp_path), {}, offline=False, hashes=False))
    assert triples(findings) == {("dependency-not-verified", "requirements.txt", 1)}
    assert "chainward[audit]" in findings[0].message


def test_conda_channel_packages_are_never_looked_up_on_pypi(tmp_path: Path) -> None:
    (tmp_path / "environment.yml").write_text(
        "dependencies:\n  - pytorch==2.1.0\n  - pip:\n      - peft==0.13.2\n"
    )
    deps = inventory_of(tmp_path).dependencies
    assert [(d.name, d.ecosystem) for d in deps] == [("pytorch", "conda"), ("peft", "pypi")]
    notice = list(verify_inventory(inventory_of(tmp_path), {}, offline=True))
    assert "1 pinned dependencies" in notice[0].message


def test_extra_index_in_an_included_file_serves_the_includer(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("-r base.txt\ntorch==2.1.0 --hash=sha256:aa\n")
    (tmp_path / "base.txt").write_text(
        "--extra-index-url https://download.pytorch.org/whl/cu118\nnumpy==1.26.4\n"
    )
    (tmp_path / "other.txt").write_text("--extra-index-url https://x.example/simple\nrich\n")
    assert triples(findings_of(tmp_path)) == {
        ("extra-index-url", "base.txt", 1),
        # torch's hash puts the whole install (base.txt included) in hash-checking mode.
        ("incomplete-hash-pinning", "base.txt", 2),
    }


def test_uv_git_sources_are_vcs_dependencies(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'x'\nversion = '1'\ndependencies = ['peft', 'trl']\n\n"
        "[tool.uv.sources]\n"
        'peft = { git = "https://github.com/huggingface/peft", branch = "main" }\n'
        'trl = { git = "https://github.com/huggingface/trl", rev = "' + "d" * 40 + '" }\n'
        'local = { path = "../local", editable = true }\n'
        'torch = { index = "pytorch" }\n'
    )
    found = findings_of(tmp_path)
    # peft and trl come from git, not from the index: only the branch is a problem.
    assert triples(found) == {("unpinned-vcs-dependency", "pyproject.toml", 7)}
    assert "peft" in found[0].message
