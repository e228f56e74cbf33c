"""``CheckInfo.finding``: findings built from the check's own metadata."""

from __future__ import annotations

from chainward.catalog import load_registry
from chainward.core.findings import Confidence, Severity
from chainward.core.registry import CheckList


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


def test_check_list_returns_the_id_and_keeps_the_declarations_in_order() -> None:
    check = CheckList("demo", stages=("ci",), hook="demo-hook")
    first = check("first-check", "One.", Severity.HIGH)
    second = check("second-check", "Two.", Severity.LOW, hook=None, needs_network=True)
    assert (first, second) == ("first-check", "second-check")
    assert [info.id for info in check.infos] == [first, second]
    one, two = check.infos
    assert (one.family, one.stages, one.hook, one.needs_network) == (
        "demo",
        ("ci",),
        "demo-hook",
        False,
    )
    assert (two.default_severity, two.hook, two.needs_network) == (Severity.LOW, None, True)


def test_ci_verification_families_name_themselves_once() -> None:
    for family_name, check_id, hook in (
        ("provenance", "unverified-attestation", "verify-attestation"),
        ("release", "release-policy-violation", "verify-release"),
    ):
        family = load_registry().families[family_name]
        (info,) = family.checks
        assert (info.id, info.family, info.hook, info.stages) == (
            check_id,
            family_name,
            hook,
            ("ci",),
        )
        assert info.default_severity == Severity.HIGH
        assert (family.scanner, family.in_check) == (None, False)
