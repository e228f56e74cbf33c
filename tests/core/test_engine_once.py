"""Every verb applies the policy exactly once (engine.apply_policy).

``typosquats --online`` used to run the scan through the engine and then apply the
policy a second time to all findings with the online ones added, so a finding in test
code was down-ranked twice. Network answers come from recorded PyPI responses through
``core.http``'s transport hook (tests/data/http).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chainward.core import http
from tests.conftest import DATA

GHOST = "chainward-surely-not-a-project-2026"


def test_online_typosquats_downrank_test_code_once(tmp_path: Path, cli: Any) -> None:
    root = tmp_path / "repo"
    (root / "tests").mkdir(parents=True)
    (root / "requirements.txt").write_text(f"{GHOST}==1.0\nreqeusts==1.0\n")
    (root / "tests" / "requirements.txt").write_text(f"{GHOST}==1.0\nreqeusts==1.0\n")
    recorded = http.RecordedTransport(DATA / "http")
    with http.use_transport(recorded):
        result = cli("typosquats", "--online", "--format", "json", "--root", str(root))
    findings = json.loads(result.out)["findings"]

    def severities(check_id: str, confidence: str = "high") -> dict[str, str]:
        return {
            f["path"]: f["severity"]
            for f in findings
            if f["check_id"] == check_id and f["confidence"] == confidence
        }

    once = {"requirements.txt": "high", "tests/requirements.txt": "medium"}
    assert severities("nonexistent-package") == once, result.out
    # The offline scan's own finding is down-ranked once too, not twice.
    assert severities("typosquat") == once, result.out
    # `reqeusts` has no recording: not verified (a refused connection), never a pass.
    assert severities("nonexistent-package", "low") == {
        "requirements.txt": "low",
        "tests/requirements.txt": "info",
    }
    asked = {r.url.rsplit("/", 2)[-2] for r in recorded.requests}
    assert asked == {GHOST, "reqeusts"}


def test_an_offline_scan_refuses_the_network_even_with_a_transport(
    tmp_path: Path, cli: Any
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "requirements.txt").write_text(f"{GHOST}==1.0\n")
    recorded = http.RecordedTransport(DATA / "http")
    with http.use_transport(recorded):
        result = cli("typosquats", "--format", "json", "--root", str(root))
    assert recorded.requests == []
    assert result.code in (0, 1)
