"""Vulnerability audit through pip-audit's real PyPI service.

pip-audit asks ``/pypi/NAME/VERSION/json``, which answers 404 from this network, so the
offline tests give pip-audit an HTTP session that replays per-version responses built in
PyPI's documented schema (tests/data/dependencies/pypi/versions, see its README); every
URL without a file answers 404, like the real endpoint here. pip-audit's own parsing
(withdrawn entries, alias ordering, fixed versions) runs unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter

from chainward.dependencies.audit import audit_versions
from chainward.dependencies.verify import find_vulnerabilities, verify_inventory
from tests.dependencies.conftest import PYPI_DATA, inventory_of, triples

VERSIONS = PYPI_DATA / "versions"


class ReplayAdapter(BaseAdapter):
    """Serves ``https://pypi.org/pypi/NAME/VERSION/json`` from recorded files (else 404)."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder
        self.requests: list[str] = []

    def send(self, request: requests.PreparedRequest, **_: Any) -> requests.Response:
        url = str(request.url)
        self.requests.append(url)
        parts = urlsplit(url).path.strip("/").split("/")
        response = requests.Response()
        response.url = url
        response.request = request
        response.headers["Content-Type"] = "application/json"
        target = self.folder / f"{parts[1]}-{parts[2]}.json" if len(parts) == 4 else None
        if target is not None and target.is_file():
            response.status_code = 200
            response._content = target.read_bytes()
        else:
            response.status_code = 404
            response._content = b'{"message": "Not Found"}'
        return response

    def close(self) -> None:
        return None


def replay_session() -> tuple[requests.Session, ReplayAdapter]:
    session = requests.Session()
    adapter = ReplayAdapter(VERSIONS)
    session.mount("https://", adapter)
    return session, adapter


def test_pip_audit_reports_advisories_skips_withdrawn_and_404s(tmp_path: Path) -> None:
    session, adapter = replay_session()
    results = audit_versions(
        [("transformers", "4.28.0"), ("peft", "0.13.2"), ("safetensors", "0.4.5")],
        cache_dir=tmp_path,
        session=session,
    )
    assert adapter.requests == [
        "https://pypi.org/pypi/transformers/4.28.0/json",
        "https://pypi.org/pypi/peft/0.13.2/json",
        "https://pypi.org/pypi/safetensors/0.4.5/json",
    ]
    transformers, peft, safetensors = results
    assert transformers.error is None
    assert [(a.id, a.aliases, a.fixed_in) for a in transformers.advisories] == [
        ("PYSEC-2023-300", ("CVE-2023-6730",), ("4.36.0",)),
        ("PYSEC-2023-301", ("CVE-2023-7018",), ("4.36.0",)),
    ]
    assert peft.error is None
    assert peft.advisories == ()
    assert safetensors.error is not None
    assert "could not be audited" in safetensors.error


def test_vulnerable_pin_is_reported_at_its_line_with_advisory_and_fix(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "# the training stack\ntransformers==4.28.0\npeft==0.13.2\nsafetensors==0.4.5\n"
    )
    session, _ = replay_session()
    findings = list(
        verify_inventory(
            inventory_of(tmp_path), {}, offline=False, hashes=False, audit_session=session
        )
    )
    assert triples(findings) == {
        ("vulnerable-dependency", "requirements.txt", 2),
        ("dependency-not-verified", "requirements.txt", 4),
    }
    vulns = [f for f in findings if f.check_id == "vulnerable-dependency"]
    assert [f.properties["advisory"] for f in vulns] == ["PYSEC-2023-300", "PYSEC-2023-301"]
    assert all(f.properties["fixed_in"] == "4.36.0" for f in vulns)
    assert "CVE-2023-6730" in vulns[0].message
    assert vulns[0].fix == "upgrade to transformers==4.36.0 or later"
    not_verified = [f for f in findings if f.check_id == "dependency-not-verified"]
    assert "vulnerability service did not answer" in not_verified[0].message


def test_ignored_advisories_are_dropped_by_id_or_alias(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("transformers==4.28.0\n")
    session, _ = replay_session()
    results = audit_versions([("transformers", "4.28.0")], cache_dir=tmp_path, session=session)
    deps = inventory_of(tmp_path).dependencies
    kept = list(find_vulnerabilities(deps, results, ignore=["cve-2023-6730"]))
    assert [f.properties["advisory"] for f in kept] == ["PYSEC-2023-301"]


def test_connection_errors_are_not_verified(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("transformers==4.28.0\n")

    class Refused(BaseAdapter):
        def send(self, _request: requests.PreparedRequest, **_: Any) -> requests.Response:
            raise requests.ConnectionError("connection refused")

        def close(self) -> None:
            return None

    session = requests.Session()
    session.mount("https://", Refused())
    findings = list(
        verify_inventory(
            inventory_of(tmp_path), {}, offline=False, hashes=False, audit_session=session
        )
    )
    assert triples(findings) == {("dependency-not-verified", "requirements.txt", 1)}


@pytest.mark.online
def test_live_audit_degrades_to_not_verified_when_pypi_has_no_per_version_json(
    tmp_path: Path,
) -> None:
    import urllib.error
    import urllib.request

    url = "https://pypi.org/pypi/safetensors/0.4.5/json"
    try:
        with urllib.request.urlopen(url, timeout=30):
            answers = True
    except urllib.error.HTTPError:
        answers = False
    (tmp_path / "requirements.txt").write_text("safetensors==0.4.5\n")
    findings = list(verify_inventory(inventory_of(tmp_path), {}, offline=False, hashes=False))
    ids = {f.check_id for f in findings}
    if answers:
        assert "dependency-not-verified" not in ids
    else:
        assert ids == {"dependency-not-verified"}
