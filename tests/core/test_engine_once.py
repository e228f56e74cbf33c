"""Every verb applies the policy exactly once (engine.apply_policy).

``typosquats --online`` used to run the scan through the engine and then apply the
policy a second time to all findings with the online ones added, so a finding in test
code was down-ranked twice. Network answers come from recorded PyPI responses through
``core.http``'s transport hook (tests/data/http).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chainward.core import http
from chainward.core.findings import Finding
from chainward.core.meta import UNPARSABLE_FILE_INFO
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


def fetching_scanner(ctx: Any) -> Iterator[Finding]:
    """A scanner that asks the network, as an online check would."""
    try:
        http.fetch(f"https://pypi.org/pypi/{GHOST}/json", retries=0)
    except http.OfflineError as exc:
        yield UNPARSABLE_FILE_INFO.finding(f"refused: {exc.message}", path="x")
        return
    yield UNPARSABLE_FILE_INFO.finding("fetched", path="x")


def test_an_offline_scan_refuses_the_network_even_with_a_transport(tmp_path: Path) -> None:
    from chainward.core.context import ScanContext
    from chainward.core.policy import load_policy
    from chainward.core.registry import Family
    from chainward.engine import run_scan

    family = Family(
        "probe", (UNPARSABLE_FILE_INFO,), scanner="tests.core.test_engine_once:fetching_scanner"
    )
    policy = load_policy(tmp_path, {}, [])
    recorded = http.RecordedTransport(DATA / "http")
    with http.use_transport(recorded):
        offline = run_scan(ScanContext(tmp_path, [], policy), [family])
        online = run_scan(ScanContext(tmp_path, [], policy, offline=False), [family])
    assert [f.message.split(":")[0] for f in offline] == ["refused"]
    assert "offline" in offline[0].message
    assert [f.message for f in online] == ["fetched"]
    assert len(recorded.requests) == 1, "only the online scan reached the transport"


def test_the_engine_sets_the_variable_the_client_reads() -> None:
    from chainward import engine

    assert engine.OFFLINE_ENV == http.OFFLINE_ENV
