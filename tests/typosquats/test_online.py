"""Online signals, from recorded PyPI JSON API responses (and one live test)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from chainward.core.context import ScanContext
from chainward.core.policy import load_policy
from chainward.typosquats.detect import Detector
from chainward.typosquats.online import apply_online, fetch_pypi, parse_project, project_info
from chainward.typosquats.scan import find_nonexistent
from tests.conftest import DATA

RECORDED = DATA / "typosquats" / "pypi"
STATUS = json.loads((RECORDED / "status.json").read_text())
NOW = datetime(2026, 11, 27, tzinfo=timezone.utc)


def recorded_fetch(name: str) -> tuple[int, bytes]:
    """Answer from the recorded responses; unknown names are a network failure."""
    path = RECORDED / f"{name}.json"
    if path.is_file():
        return 200, path.read_bytes()
    if name in STATUS:
        return int(STATUS[name]), b""
    raise OSError(f"no recorded response for {name}")


def test_existing_projects_have_age_releases_and_requirements() -> None:
    info = parse_project("requests", *recorded_fetch("requests"))
    assert info.exists is True
    assert info.first_release is not None and info.first_release.year == 2011
    assert info.releases > 100
    assert "urllib3" in info.requires and "idna" in info.requires
    placeholder = parse_project("pytorch", *recorded_fetch("pytorch"))
    assert placeholder.exists is True
    assert placeholder.releases >= 1
    assert placeholder.age_days(NOW) is not None and placeholder.age_days(NOW) > 365


def test_missing_name_is_likely_hallucinated() -> None:
    verdict = Detector().check("huggingface-cli")
    info = project_info("huggingface-cli", recorded_fetch)
    assert info.exists is False
    online = apply_online(verdict, info)
    assert online.flagged
    assert "likely hallucinated, do not install" in online.detail
    unknown = Detector().check("chainward-surely-not-a-project-2026")
    assert not unknown.flagged
    online = apply_online(unknown, project_info(unknown.normalized, recorded_fetch))
    assert online.flagged and online.technique == "nonexistent"


def test_network_failure_is_not_verified_never_a_pass() -> None:
    info = project_info("some-unrecorded-name", recorded_fetch)
    assert info.exists is None
    assert info.error and "not verified" in info.error
    verdict = apply_online(Detector().check("reqeusts"), info)
    assert verdict.flagged and "not verified" in verdict.detail
    assert parse_project("x", 503, b"").exists is None
    assert parse_project("x", 200, b"{not json").exists is None


def test_age_and_dependency_on_the_target_raise_the_score() -> None:
    body = json.dumps(
        {
            "info": {"requires_dist": ["requests>=2", "colorama; extra == 'x'"]},
            "releases": {"0.1": [{"upload_time_iso_8601": "2026-11-20T10:00:00Z"}]},
        }
    ).encode()
    info = parse_project("requests-latest", 200, body)
    base = Detector().check("requests-latest")
    online = apply_online(base, info, now=NOW)
    assert online.score > base.score
    assert "depends on 'requests' itself" in online.detail
    assert "(6 days ago)" in online.detail and "1 release" in online.detail


def test_nonexistent_package_findings_from_a_repository(git_repo: Any) -> None:
    git_repo.write("requirements.txt", "requests\nhuggingface-cli\nnumpyy\nsome-unrecorded-name\n")
    policy = load_policy(git_repo.path, {"typosquats": {}}, [])
    ctx = ScanContext(git_repo.path, ["requirements.txt"], policy, offline=False)
    findings = list(find_nonexistent(ctx, recorded_fetch))
    by_line = {f.line: f for f in findings}
    assert set(by_line) == {2, 3, 4}
    assert "likely hallucinated" in by_line[2].message
    assert by_line[2].check_id == "nonexistent-package"
    assert "not verified" in by_line[4].message


@pytest.mark.online
def test_live_pypi_answers() -> None:
    status, body = fetch_pypi("requests")
    assert status == 200 and parse_project("requests", status, body).exists
    assert parse_project("x", *fetch_pypi("chainward-surely-not-a-project-2026")).exists is False


def test_recorded_files_are_documented() -> None:
    readme = (RECORDED / "README.md").read_text()
    for path in RECORDED.glob("*.json"):
        assert path.name in readme, path
    assert isinstance(Path, type)
