"""The batch interface gives the recorded verdicts on the evaluation files.

``tests/data/typosquats/expected_verdicts.tsv`` holds every field of the JSON results of
``chainward typosquats --names-file FILE --format json`` on ``dev_positives.tsv`` and
``real_dependencies.txt`` (default trusted list) and ``dev_hard_negatives.tsv``
(``--trusted-top 5000``), recorded before the speed work of issue 5. Speed-ups must not
change a single verdict; a deliberate change of the rules re-records the file with::

    python tests/typosquats/test_verdicts_stable.py --update
"""

from __future__ import annotations

import csv
import json
import random
import sys
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parent.parent / "data" / "typosquats"
EXPECTED = DATA / "expected_verdicts.tsv"
FIELDS = ("name", "flagged", "target", "technique", "score", "rank", "detail")
RUNS = {
    "positives": ("dev_positives.tsv", ()),
    "hard_negatives_top5000": ("dev_hard_negatives.tsv", ("--trusted-top", "5000")),
    "real_dependencies": ("real_dependencies.txt", ()),
}


def _row(result: dict[str, Any]) -> tuple[str, ...]:
    return (
        result["name"],
        "1" if result["flagged"] else "0",
        result["target"] or "",
        result["technique"] or "",
        repr(result["score"]),
        "" if result["rank"] is None else str(result["rank"]),
        result["detail"],
    )


def _expected() -> dict[str, list[tuple[str, ...]]]:
    out: dict[str, list[tuple[str, ...]]] = {key: [] for key in RUNS}
    with EXPECTED.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            out[row["set"]].append(tuple(row[f] for f in FIELDS))
    return out


@pytest.mark.parametrize("key", sorted(RUNS))
def test_batch_verdicts_unchanged(cli: Any, tmp_path: Path, key: str) -> None:
    filename, options = RUNS[key]
    result = cli(
        "typosquats",
        "--names-file",
        str(DATA / filename),
        "--format",
        "json",
        "--exit-zero",
        *options,
        cwd=tmp_path,
    )
    assert result.code == 0, result.err
    got = [_row(r) for r in json.loads(result.out)["results"]]
    expected = _expected()[key]
    assert len(got) == len(expected)
    changed = [(e, g) for e, g in zip(expected, got, strict=True) if e != g]
    assert not changed, changed[:5]


def _two_edit_variants(names: list[str], count: int) -> list[str]:
    """Names one to three random edits away from ``names`` (a fixed seed)."""
    rng = random.Random(5)  # noqa: S311 - reproducible test names, not secrets
    alphabet = "abcdefghijklmnopqrstuvwxyz-0123456789"
    out = []
    for _ in range(count):
        letters = list(rng.choice(names))
        for _ in range(rng.choice((1, 2, 2, 3))):
            op = rng.randrange(4)
            if op == 0:
                letters[rng.randrange(len(letters))] = rng.choice(alphabet)
            elif op == 1:
                letters.insert(rng.randrange(len(letters) + 1), rng.choice(alphabet))
            elif op == 2 and len(letters) > 1:
                letters.pop(rng.randrange(len(letters)))
            elif len(letters) > 1:
                i = rng.randrange(len(letters) - 1)
                letters[i], letters[i + 1] = letters[i + 1], letters[i]
        name = "".join(letters).strip("-")
        if name:
            out.append(name)
    return out


def test_distance_two_pool_and_deletions_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """The two ways of finding distance-2 targets (the name's two-letter deletions in
    the index, or the five-piece test of the targets of a close length) give the same
    verdicts: every name through one way, then every name through the other."""
    from chainward.typosquats import detect

    reference = detect.load_reference()
    popular = [
        name
        for name, rank in zip(reference.names, reference.ranks, strict=True)
        if rank <= detect.DOUBLE_TOP and len(name) >= 10
    ]
    names = _two_edit_variants(popular, 600)
    verdicts = {}
    for factor in (0, 10**9):  # always the pieces / always the deletions
        monkeypatch.setattr(detect, "POOL_FACTOR", factor)
        found = detect.Detector(trusted_top=1000)
        verdicts[factor] = [found.check(name) for name in names]
    assert verdicts[0] == verdicts[10**9]
    assert sum(v.technique == "edit-distance-2" for v in verdicts[0]) > 50


def _update() -> None:  # pragma: no cover - run by hand after a deliberate rule change
    import subprocess

    rows = ["set\t" + "\t".join(FIELDS)]
    for key, (filename, options) in RUNS.items():
        out = subprocess.run(
            (
                sys.executable,
                "-m",
                "chainward",
                "typosquats",
                "--names-file",
                str(DATA / filename),
                "--format",
                "json",
                "--exit-zero",
                *options,
            ),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        rows.extend(key + "\t" + "\t".join(_row(r)) for r in json.loads(out)["results"])
    EXPECTED.write_text("\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    if sys.argv[1:] == ["--update"]:
        _update()


def test_parallel_batch_equals_sequential() -> None:
    from chainward.typosquats.detect import PARALLEL_MIN_NAMES, Detector, check_batch

    rows = (DATA / "dev_positives.tsv").read_text().splitlines()[1:]
    names = [r.split("\t")[0] for r in rows]
    batch = (names * (PARALLEL_MIN_NAMES // len(names) + 1))[: PARALLEL_MIN_NAMES + 7]
    found = Detector()
    assert check_batch(found, batch, workers=2) == [found.check(n) for n in batch]
