# ruff: noqa: RUF001 - Unicode look-alike names are the test data
"""Detection: real look-alike pairs, legitimate near-neighbours, odd input, settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainward.typosquats.detect import THRESHOLD, Detector
from chainward.typosquats.edits import osa_edits, single_edit
from chainward.typosquats.index import normalize
from chainward.typosquats.lookalikes import ascii_skeleton
from chainward.typosquats.scoring import classify_edit
from tests.typosquats.conftest import TS, dev_rows


@pytest.fixture(scope="module")
def top5000() -> Detector:
    return Detector(trusted_top=5000)


# Real published look-alikes (from the evaluation data and incident write-ups), one per
# technique, with the project each imitates.
REAL_PAIRS = [
    ("reqeusts", "requests", "transposition"),
    ("numpyy", "numpy", "repetition"),
    ("matplotib", "matplotlib", "omission"),
    ("tensorfloq", "tensorflow", "substitution-keyboard-adjacent"),
    ("r3quests", "requests", "homoglyph"),
    ("matpllotib", "matplotlib", "edit-distance-2"),
    ("requests-latest", "requests", "combosquat"),
    ("install-pyyaml", "pyyaml", "combosquat"),
    ("selenium-matplotlib", "matplotlib", "combosquat"),
    ("requests-2022", "requests", "version-suffix"),
    ("python3-dateutil", "python-dateutil", "py-affix"),
    ("python-openssl", "pyopenssl", "py-affix"),
    ("pytorch-lightening", "pytorch-lightning", "insertion"),
    ("torchvisions", "torchvision", "insertion"),
    ("tiketoken", "tiktoken", "insertion"),
    ("pytoorch", "torch", "repetition"),  # pytorch is an alias of torch
    ("huggingface-cli", "huggingface-hub", "llm-hallucination"),
]


@pytest.mark.parametrize(("name", "target", "technique"), REAL_PAIRS)
def test_real_look_alikes_are_flagged_with_target_and_technique(
    full: Detector, name: str, target: str, technique: str
) -> None:
    verdict = full.check(name)
    assert verdict.flagged, verdict
    assert verdict.target == target
    assert verdict.technique == technique
    assert verdict.score >= THRESHOLD


# Legitimate names close to a popular one: plugins, siblings, versions, other words.
LEGIT_UNTRUSTED = [
    "pytest-json",  # plugin of a plugin host
    "django-cryptography",  # framework + library integration
    "numpy-stl",  # a specific word after a popular name
    "smbus",  # smbus2 without the version digit
    "aws-cdk-aws-sqs",  # sibling product in a short word
    "pyinvoke",  # fused py prefix
    "slugify",  # affix removed
    "nose2",  # next-major fork naming
    "fifolock",  # two unrelated letters changed
    "rich-cli",  # truncation of rich-click
]


@pytest.mark.parametrize("name", LEGIT_UNTRUSTED)
def test_legitimate_near_neighbours_are_not_flagged(top5000: Detector, name: str) -> None:
    assert name not in top5000.trusted
    assert not top5000.check(name).flagged


def test_dev_positives_recall_and_negatives_rate(full: Detector, top5000: Detector) -> None:
    positives = [r for r in dev_rows("dev_positives.tsv") if r["ecosystem"] == "pypi"]
    flagged = sum(full.check(r["name"]).flagged for r in positives)
    assert flagged / len(positives) >= 0.95
    combos = [r for r in positives if r["technique"] == "combosquat"]
    assert sum(full.check(r["name"]).flagged for r in combos) / len(combos) >= 0.6
    negatives = dev_rows("dev_hard_negatives.tsv")
    false = sum(top5000.check(r["name"]).flagged for r in negatives)
    assert false / len(negatives) <= 0.12


def test_no_popular_name_and_no_real_dependency_is_flagged(full: Detector) -> None:
    top = [line.split("\t")[1] for line in (TS / "top15000.txt").read_text().splitlines()]
    assert not [n for n in top if full.check(n).flagged]
    real = [
        line.strip()
        for line in (TS / "real_dependencies.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(real) > 500
    flagged = [n for n in real if full.check(n).flagged]
    assert len(flagged) <= len(real) // 100, flagged


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        ("", "empty name"),
        ("   ", "empty name"),
        ("a" * 1_000_000, "1000000 characters"),
        ("requ\x00ests", "U+0000"),
        ("numpy\u200b", "U+200B"),
        ("requ\nests", "U+000A"),
        ("foo bar", "not a valid package name"),
        ("@scope/pkg", "not a valid package name"),
        ("-leading", "not a valid package name"),
    ],
)
def test_odd_input_is_flagged_with_a_message(full: Detector, raw: str, detail: str) -> None:
    verdict = full.check(raw)
    assert verdict.flagged
    assert verdict.technique == "invalid-name"
    assert detail in verdict.detail


@pytest.mark.parametrize(
    ("raw", "target"),
    [
        ("rеquests", "requests"),  # Cyrillic e
        ("nuмpy", "numpy"),  # Cyrillic m
        ("ｒｅｑｕｅｓｔｓ", "requests"),  # fullwidth
        ("réquests", "requests"),  # accent
        ("pаndas", "pandas"),
    ],
)
def test_unicode_look_alikes_name_their_target(full: Detector, raw: str, target: str) -> None:
    verdict = full.check(raw)
    assert verdict.flagged
    assert verdict.target == target
    assert verdict.technique == "homoglyph"


def test_pep503_forms_of_a_popular_name_are_the_name(full: Detector) -> None:
    for raw in ("Requests", "typing_extensions", "Typing.Extensions", "ruamel.yaml"):
        assert not full.check(raw).flagged, raw
        assert full.check(raw).normalized == normalize(raw)


def test_allow_list_accepts_a_flagged_name() -> None:
    assert Detector().check("reqeusts").flagged
    verdict = Detector(allow=["Reqeusts"]).check("reqeusts")
    assert not verdict.flagged
    assert verdict.technique == "allowed"


def test_trusted_top_limits_trust_and_targets() -> None:
    small = Detector(trusted_top=100)
    # sklearn (rank ~3300) is trusted by default, not in the top 100.
    assert not Detector().check("sklearn").flagged
    assert "sklearn" not in small.trusted
    # A typo of a name outside the trusted list has no target any more.
    assert Detector().check("customtkinterr").flagged
    assert not small.check("customtkinterr").flagged


def test_edit_helpers_classify_edits() -> None:
    edit = single_edit("reqeusts", "requests")
    assert edit is not None and edit.kind == "transposition"
    edit = single_edit("numpyy", "numpy")
    assert edit is not None and classify_edit(edit, "numpyy") == "repetition"
    edit = single_edit("tensorfloq", "tensorflow")
    assert edit is not None and classify_edit(edit, "tensorfloq") == (
        "substitution-keyboard-adjacent"
    )
    assert single_edit("abc", "xyz") is None
    edits = osa_edits("requesxt", "requests", prefer_indel=True)
    assert edits is not None and [e.kind for e in edits] == ["insertion", "omission"]
    assert osa_edits("completely", "different") is None
    assert ascii_skeleton("rеquеsts") == "requests"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_check_never_raises(text: str) -> None:
    verdict = Detector().check(text)
    assert isinstance(verdict.flagged, bool)
    assert 0.0 <= verdict.score <= 1.0


def test_data_files_are_copies_with_origin() -> None:
    readme = (TS / "README.md").read_text()
    for name in ("top15000.txt", "dev_positives.tsv", "dev_hard_negatives.tsv"):
        assert name in readme
        assert (TS / name).is_file()
    assert Path(TS / "real_dependencies.txt").read_text().startswith("# Dependency names")


def test_a_doubled_digit_is_a_typo_and_other_digit_edits_are_versions(full: Detector) -> None:
    """No two popular names differ by a doubled digit, while many differ by a version
    digit: a doubled digit (pyqt55) is a typing mistake, an added or changed one is not."""
    popular = set(full.ref.names)
    doubled = [
        (name, name[:i] + name[i + 1 :])
        for name in popular
        for i in range(1, len(name))
        if name[i].isdigit() and name[i] == name[i - 1] and name[:i] + name[i + 1 :] in popular
    ]
    assert doubled == []
    verdict = full.check("pyqt55")
    assert (verdict.flagged, verdict.target, verdict.technique) == (True, "pyqt5", "repetition")
    assert not full.check("pyqt7").flagged  # another digit: a version, not a typo
    assert not full.check("smbus3").flagged
