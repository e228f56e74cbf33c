"""``CheckInfo.finding``: findings built from the check's own metadata."""

from __future__ import annotations

from chainward.catalog import load_registry
from chainward.core.findings import Confidence, Severity


def test_finding_takes_id_and_default_severity_from_the_check() -> None:
    info = load_registry().get("unpinned-action")
    assert info is not None
    finding = info.finding("uses a tag", path="a.yml", line=3, properties={"action": "x/y"})
    assert finding.check_id == "unpinned-action"
    assert finding.severity == info.default_severity
    assert (finding.path, finding.line, finding.subject) == ("a.yml", 3, "x/y")


def test_finding_severity_and_confidence_can_be_overridden() -> None:
    info = load_registry().get("unpinned-action")
    assert info is not None
    finding = info.finding("m", severity=Severity.LOW, confidence=Confidence.LOW)
    assert (finding.severity, finding.confidence) == (Severity.LOW, Confidence.LOW)
    assert finding.properties == {}
