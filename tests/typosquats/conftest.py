"""Shared helpers of the typosquat tests: the development-set rows and a default detector."""

from __future__ import annotations

import csv

import pytest

from chainward.typosquats.detect import Detector
from tests.conftest import DATA

TS = DATA / "typosquats"


def dev_rows(name: str) -> list[dict[str, str]]:
    """The rows of one TSV file under tests/data/typosquats."""
    with (TS / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@pytest.fixture(scope="module")
def full() -> Detector:
    """A detector with the shipped defaults."""
    return Detector()
