"""Hash verification against recorded PyPI project JSON (see tests/data/dependencies/pypi)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from chainward.core.errors import NetworkError
from chainward.dependencies.index import PyPIClient, parse_project
from chainward.dependencies.verify import verify_inventory
from tests.dependencies.conftest import MANIFESTS, PYPI_DATA, inventory_of, triples

PEFT_WHEEL = "sha256:d4e0951ec78eac11c45a051801c569913436888c578d48e5ce86996b715bc6ef"
PEFT_SDIST = "sha256:0e0cbd40ebdf5fe4ea79f255880d02f96712d18899509369a2cc5768ad46d672"


def recorded() -> PyPIClient:
    """A client that answers from the recorded responses and never opens a socket."""
    return PyPIClient(cache_dir=PYPI_DATA, offline=True)


def verify(root: Path, client: PyPIClient | None = None, **policy: object) -> list:  # type: ignore[type-arg]
    return list(
        verify_inventory(
            inventory_of(root),
            policy,
            offline=False,
            vulnerabilities=False,
            client=client or recorded(),
        )
    )


def test_recorded_project_json_parses_every_release() -> None:
    project = parse_project(json.loads((PYPI_DATA / "peft.json").read_text()))
    assert project.name == "peft"
    assert len(project.releases) == 39
    published = project.published("0.13.2")
    assert published is not None
    assert {PEFT_WHEEL, PEFT_SDIST} <= published
    assert project.published("0.0.999") is None
    # PEP 440 comparison: "0.13.2.0" is the same release.
    assert project.published("0.13.2.0") == published


def test_published_hashes_pass(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        f"peft==0.13.2 --hash={PEFT_WHEEL} --hash={PEFT_SDIST}\n"
    )
    assert verify(tmp_path) == []


def test_unpublished_hash_is_critical_at_its_line(tmp_path: Path) -> None:
    bogus = "sha256:" + "0" * 64
    (tmp_path / "requirements.txt").write_text(
        f"# poisoned\nsafetensors==0.4.5 \\\n    --hash={bogus}\npeft==0.13.2 --hash={PEFT_WHEEL}\n"
    )
    findings = verify(tmp_path)
    assert triples(findings) == {("unpublished-hash", "requirements.txt", 2)}
    assert findings[0].severity.label == "critical"
    assert bogus in findings[0].message
    assert findings[0].properties["hash"] == bogus


def test_lock_files_are_verified() -> None:
    found = triples(verify(MANIFESTS / "uvlock" / "bad"))
    assert found == {
        ("unpublished-hash", "uv.lock", 5),  # peft with a hash PyPI never published
        ("dependency-not-verified", "uv.lock", 13),  # torch from the PyTorch index
    }
    assert verify(MANIFESTS / "pyproject" / "good") == []
    assert verify(MANIFESTS / "poetry" / "good") == []
    assert verify(MANIFESTS / "pylock" / "good") == []
    assert verify(MANIFESTS / "pipfile" / "good") == []


def test_extra_index_makes_a_mismatch_not_verified_instead_of_critical() -> None:
    findings = verify(MANIFESTS / "requirements" / "bad")
    assert triples(findings) == {("dependency-not-verified", "requirements.txt", 11)}
    assert "download.pytorch.org" in findings[0].message


def test_unknown_version_and_algorithm_are_not_verified(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        f"peft==0.0.999 --hash={PEFT_WHEEL}\npeft==0.13.2 --hash=sha512:abcd\n"
    )
    findings = verify(tmp_path)
    assert triples(findings) == {
        ("dependency-not-verified", "requirements.txt", 1),
        ("dependency-not-verified", "requirements.txt", 2),
    }
    assert "no release 0.0.999" in findings[0].message


def test_network_failure_is_not_verified_never_a_pass(tmp_path: Path) -> None:
    # A real connection to a closed local port: refused, so never a pass.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = PyPIClient(
        cache_dir=tmp_path / "cache", base_url=f"https://127.0.0.1:{port}/pypi", timeout=2
    )
    (tmp_path / "requirements.txt").write_text(f"peft==0.13.2 --hash={PEFT_WHEEL}\n")
    findings = verify(tmp_path, client)
    assert triples(findings) == {("dependency-not-verified", "requirements.txt", 1)}
    assert "could not be asked" in findings[0].message
    with pytest.raises(NetworkError):
        client.project("peft")


def test_offline_skips_with_one_notice(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(f"peft==0.13.2 --hash={PEFT_WHEEL}\ntorch==2.1.0\n")
    findings = list(verify_inventory(inventory_of(tmp_path), {}, offline=True))
    assert len(findings) == 1
    assert findings[0].check_id == "dependency-not-verified"
    assert "--offline: 2 pinned dependencies" in findings[0].message


def test_cache_is_written_atomically_and_reused(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "peft.json").write_bytes((PYPI_DATA / "peft.json").read_bytes())
    client = PyPIClient(cache_dir=cache, ttl=3600)
    # Fresh cache: answered without a request (the base URL would fail).
    client.base_url = "https://127.0.0.1:9/pypi"
    assert client.project("peft", "0.13.2").files("0.13.2")
    # A version missing from the cache forces a refetch, which fails here: an error.
    with pytest.raises(NetworkError):
        PyPIClient(cache_dir=cache, base_url="https://127.0.0.1:9/pypi", timeout=2).project(
            "peft", "99.0"
        )


@pytest.mark.online
def test_live_project_json_matches_the_recording(tmp_path: Path) -> None:
    live = PyPIClient(cache_dir=tmp_path, timeout=30).project("peft", "0.13.2")
    assert live.published("0.13.2") == recorded().project("peft").published("0.13.2")
    assert (tmp_path / "peft.json").is_file()
