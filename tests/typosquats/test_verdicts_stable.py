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
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _osa(a: str, b: str) -> int:
    """The restricted Damerau (optimal string alignment) distance, full table."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


@given(
    st.text(alphabet="ab-", max_size=9),
    st.text(alphabet="ab-", max_size=9),
)
@settings(max_examples=3000, deadline=None)
def test_short_distance_is_the_distance(a: str, b: str) -> None:
    """The byte-level test gives the distance up to 2, and 3 beyond (a two-letter
    alphabet makes repeated letters, where alignments are ambiguous, common)."""
    from chainward.typosquats.edits import short_distance

    assert short_distance(a.encode(), b.encode()) == min(_osa(a, b), 3)


@given(
    st.text(alphabet="ab-", max_size=9),
    st.text(alphabet="ab-", max_size=9),
    st.booleans(),
)
@settings(max_examples=3000, deadline=None)
def test_alignment_is_optimal(a: str, b: str, prefer_indel: bool) -> None:
    """The banded table exists exactly within distance 2, and its backtracked edits
    are that many and turn the target into the name."""
    from chainward.typosquats.edits import osa_backtrack, osa_table

    table = osa_table(a, b)
    distance = _osa(a, b)
    assert (table is None) == (distance > 2)
    if table is None:
        return
    edits = osa_backtrack(a, b, table, prefer_indel)
    assert len(edits) == distance
    out: list[str] = []
    t = 0
    for edit in edits:  # in order; positions are in the name
        while len(out) < edit.position:
            out.append(b[t])
            t += 1
        consumed = {"omission": 1, "insertion": 0, "substitution": 1, "transposition": 2}
        assert b[t : t + consumed[edit.kind]] == edit.old
        out.extend(edit.new)
        t += consumed[edit.kind]
    assert "".join(out) + b[t:] == a


def _reference_table(name: str, target: str) -> list[list[int]] | None:
    """The banded table computed cell by cell, as before osa_table skipped the common
    prefix and suffix (the backtrack must not see a difference)."""
    ln, lt = len(name), len(target)
    if abs(ln - lt) > 2:
        return None
    dist = [[99] * (lt + 1) for _ in range(ln + 1)]
    for i in range(min(ln, 2) + 1):
        dist[i][0] = i
    for j in range(min(lt, 2) + 1):
        dist[0][j] = j
    for i in range(1, ln + 1):
        for j in range(max(1, i - 2), min(lt, i + 2) + 1):
            cost = 0 if name[i - 1] == target[j - 1] else 1
            best = min(dist[i - 1][j] + 1, dist[i][j - 1] + 1, dist[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and name[i - 1] == target[j - 2] and name[i - 2] == target[j - 1]:
                best = min(best, dist[i - 2][j - 2] + 1)
            dist[i][j] = best
        if min(dist[i][max(0, i - 2) : i + 3]) > 2:
            return None
    return dist if dist[ln][lt] <= 2 else None


def _reference_backtrack(
    name: str, target: str, dist: list[list[int]], prefer_indel: bool
) -> list[tuple[str, int, str, str]]:
    """The backtrack cell by cell from the end, as before osa_backtrack skipped the
    common prefix and suffix."""
    from chainward.typosquats.edits import backtrack_step

    edits: list[tuple[str, int, str, str]] = []
    i, j = len(name), len(target)
    while i > 0 or j > 0:
        i, j, edit = backtrack_step(name, target, dist, i, j, prefer_indel)
        if edit is not None:
            edits.append((edit.kind, edit.position, edit.new, edit.old))
    edits.reverse()
    return edits


@given(
    st.text(alphabet="ab-", max_size=12),
    st.text(alphabet="ab-", max_size=12),
)
@settings(max_examples=3000, deadline=None)
def test_table_shortcuts_change_no_alignment(a: str, b: str) -> None:
    from chainward.typosquats.edits import osa_backtrack, osa_table

    reference = _reference_table(a, b)
    table = osa_table(a, b)
    assert (table is None) == (reference is None)
    if table is not None and reference is not None:
        for prefer_indel in (False, True):
            expected = _reference_backtrack(a, b, reference, prefer_indel)
            assert osa_backtrack(a, b, table, prefer_indel) == expected
            assert osa_backtrack(a, b, reference, prefer_indel) == expected


def test_short_distance_on_real_names() -> None:
    from chainward.typosquats.edits import short_distance
    from chainward.typosquats.trusted import load_reference

    popular = load_reference().names[:400]
    names = _two_edit_variants(popular, 400)
    for name in names:
        for target in popular:
            if abs(len(name) - len(target)) <= 2:
                expected = min(_osa(name, target), 3)
                assert short_distance(name.encode(), target.encode()) == expected, (name, target)


def test_distance_two_targets_are_all_found() -> None:
    """The distance-2 targets (8+ letters, ranked up to DOUBLE_TOP) exactly two edits
    from a name and starting or ending with the same three letters are the candidates:
    the buckets lose nothing that a scan of every target would find, and add nothing."""
    from chainward.typosquats import detect, scoring

    found = detect.Detector(trusted_top=1000)
    names_ = found.ref.names
    targets = [
        number
        for number in range(found.count)
        if len(names_[number]) >= 8 and found.ref.ranks[number] <= scoring.DOUBLE_TOP
    ]
    names = _two_edit_variants([names_[n] for n in targets], 400)
    hits = 0
    for name in names:
        found.check(name)  # sets the distance-1 candidates the search starts from
        got = {n for n in found.double_targets(name) if n < found.count}
        expected = set()
        for number in targets:
            target = names_[number]
            if abs(len(target) - len(name)) > 2:
                continue
            if target[:3] != name[:3] and target[-3:] != name[-3:]:
                continue
            if _osa(name, target) == 2:
                expected.add(number)
        # The distance-1 look-up may add a target that neither starts nor ends alike.
        assert expected <= got, (name, expected - got)
        assert all(_osa(name, names_[n]) == 2 for n in got), name
        hits += len(expected)
    assert hits > 150


def test_precomputed_look_ups_match_the_index() -> None:
    """What is stored for each popular name is what the look-ups find for it."""
    from chainward.typosquats.index import (
        NS_CORE,
        NS_DEL1,
        NS_FOLD,
        NS_WORDS,
        load_index,
    )
    from chainward.typosquats.keys import affix_core, word_key
    from chainward.typosquats.lookalikes import fold

    index = load_index()
    numbers = {name: number for number, name in enumerate(index.names)}
    for number in range(0, len(index.names), 7):
        name = index.names[number]
        singles = [name[:i] + name[i + 1 :] for i in range(len(name))]
        near, shorter, folded, core, words, _ = (list(part) for part in index.related(number))
        expected = {v for v in index.lookup_many(NS_DEL1, [name, *singles]) if v >> 1 != number}
        assert set(near) == expected, name
        assert {n for n in shorter if n < len(index.names)} == {
            numbers[s] for s in singles if s in numbers
        }, name
        assert folded == [n for n in index.lookup(NS_FOLD, fold(name)) if n != number]
        core_key = affix_core(name) or name
        assert core == [n for n in index.lookup(NS_CORE, core_key) if n != number]
        key = word_key(name)
        expected_words = [] if key is None else index.lookup(NS_WORDS, key)
        assert words == [n for n in expected_words if n != number]


def _update() -> None:  # pragma: no cover - run by hand after a deliberate rule change
    import contextlib
    import io

    from chainward.cli import main

    rows = ["set\t" + "\t".join(FIELDS)]
    for key, (filename, options) in RUNS.items():
        argv = ["typosquats", "--names-file", str(DATA / filename), "--format", "json"]
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            main([*argv, "--exit-zero", *options])
        rows.extend(key + "\t" + "\t".join(_row(r)) for r in json.loads(out.getvalue())["results"])
    EXPECTED.write_text("\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    if sys.argv[1:] == ["--update"]:
        _update()


def test_parallel_batch_equals_sequential() -> None:
    from chainward.typosquats.batch import PARALLEL_MIN_NAMES, check_batch
    from chainward.typosquats.detect import Detector

    rows = (DATA / "dev_positives.tsv").read_text().splitlines()[1:]
    names = [r.split("\t")[0] for r in rows]
    batch = (names * (PARALLEL_MIN_NAMES // len(names) + 1))[: PARALLEL_MIN_NAMES + 7]
    found = Detector()
    assert check_batch(found, batch, workers=2) == [found.check(n) for n in batch]


def test_parallel_batch_uses_three_workers_in_order() -> None:
    """More workers than cores still give every verdict, in order."""
    from chainward.typosquats.batch import PARALLEL_MIN_NAMES, check_batch
    from chainward.typosquats.detect import Detector

    rows = (DATA / "dev_hard_negatives.tsv").read_text().splitlines()[1:]
    names = [r.split("\t")[0] for r in rows]
    batch = (names * (3 * PARALLEL_MIN_NAMES // len(names) + 1))[: 3 * PARALLEL_MIN_NAMES + 5]
    found = Detector(trusted_top=5000)
    assert check_batch(found, batch, workers=3) == [found.check(n) for n in batch]


def test_a_failing_worker_costs_time_not_verdicts(monkeypatch: pytest.MonkeyPatch) -> None:
    """A child that dies (here: its checking raises) leaves its share to the parent."""
    import os

    from chainward.typosquats import batch
    from chainward.typosquats.detect import Detector

    parent = os.getpid()
    real_rows = batch._rows

    def dying_rows(found: Any, names: Any) -> Any:
        if os.getpid() != parent:
            raise RuntimeError("worker failure")
        return real_rows(found, names)

    monkeypatch.setattr(batch, "_rows", dying_rows)
    rows = (DATA / "dev_positives.tsv").read_text().splitlines()[1:]
    names = [r.split("\t")[0] for r in rows]
    many = (names * (batch.PARALLEL_MIN_NAMES // len(names) + 2))[: batch.PARALLEL_MIN_NAMES + 900]
    found = Detector()
    assert batch.check_batch(found, many, workers=2) == [found.check(n) for n in many]


def test_technique_ceilings_hold() -> None:
    """No technique scores above the ceiling the search uses to skip it (on every
    evaluation name and thousands of random variants of popular names)."""
    from chainward.typosquats import detect
    from chainward.typosquats.index import normalize
    from chainward.typosquats.scoring import Candidate
    from chainward.typosquats.trusted import load_reference

    reference = load_reference()
    names = [r.split("\t")[0] for r in (DATA / "dev_positives.tsv").read_text().splitlines()[1:]]
    names += [
        r.split("\t")[0] for r in (DATA / "dev_hard_negatives.tsv").read_text().splitlines()[1:]
    ]
    names += _two_edit_variants(reference.names[:3000], 3000)
    rng = random.Random(7)  # noqa: S311 - reproducible test names
    fillers = ["py", "python", "2022", "v2", "lite", "api", "sdk", "dev", "ai", "gpt", "3"]
    for name in reference.names[:2000]:
        filler = rng.choice(fillers)
        names += [f"{name}-{filler}", f"{filler}-{name}", f"{name}{filler}", f"py{name}"]
    from chainward.typosquats.techniques import STRUCTURAL

    ceilings = {technique.name: technique.ceiling for technique in STRUCTURAL}
    highest = dict.fromkeys(ceilings, 0.0)
    for trusted_top in (None, 1000):
        found = detect.Detector(trusted_top=trusted_top)
        for raw in names:
            name = normalize(raw)
            found.related = None
            for technique in STRUCTURAL:
                candidates: list[Candidate] = []
                technique.find(found, name, candidates)
                for candidate in candidates:
                    highest[technique.name] = max(highest[technique.name], candidate.score)
    for method, ceiling in ceilings.items():
        assert highest[method] <= ceiling, (method, highest[method])
    # The ceilings are reached (or nearly): they are not loose guesses.
    assert all(highest[m] >= ceilings[m] - 0.15 for m in ceilings), highest


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of the share of each child check_batch forks (the forks still run)."""
    from chainward.typosquats import batch

    shares: list[int] = []
    real_fork = batch._fork_worker

    def counting_fork(found: Any, names: Any) -> Any:
        shares.append(len(names))
        return real_fork(found, names)

    monkeypatch.setattr(batch, "_fork_worker", counting_fork)
    return shares


def test_batch_does_not_fork_beside_threads(forks: list[int]) -> None:
    """With other threads running, forking could copy a held lock: the batch stays in
    this process (no child is made) and gives the same verdicts."""
    import threading

    from chainward.typosquats import detect

    rows = (DATA / "dev_positives.tsv").read_text().splitlines()[1:]
    batch = [r.split("\t")[0] for r in rows] * 2
    found = detect.Detector()
    expected = [found.check(n) for n in batch]
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert detect.check_batch(found, batch, workers=2) == expected
        assert forks == []
    finally:
        stop.set()
        other.join()
    assert detect.check_batch(found, batch, workers=2) == expected
    assert forks  # without the thread, the same batch is split


@pytest.mark.parametrize("trusted_top", [300, 3000, 9000])
def test_precomputed_look_ups_give_the_same_verdicts(trusted_top: int) -> None:
    """Every popular name beyond the trusted cut gets the same verdict from the look-ups
    stored in the index as from computing them."""
    from chainward.typosquats import detect

    stored = detect.Detector(trusted_top=trusted_top)
    computed = detect.Detector(trusted_top=trusted_top)
    computed.precomputed = False
    names = stored.ref.names[stored.count :: 3]
    assert len(names) > 1500
    differ = [n for n in names if stored.check(n) != computed.check(n)]
    assert not differ, differ[:5]
    assert any(stored.check(n).flagged for n in names)


@pytest.mark.parametrize("trusted_top", [1500, 5000, 12000])
def test_stored_distance_two_targets_are_what_the_search_finds(trusted_top: int) -> None:
    """The distance-2 targets stored for each popular name are those the search finds
    for it when it is not trusted, in the same order (which breaks ties)."""
    from chainward.typosquats import detect
    from chainward.typosquats.index import REL_DOUBLE

    found = detect.Detector(trusted_top=trusted_top)
    assert found._doubles_stored
    assert not detect.Detector(trusted_top=300)._doubles_stored  # then they are searched
    index = found.ref.index
    stored_any = 0
    for number in range(found.count, len(found.ref.names), 3):
        name = found.ref.names[number]
        found.related = index.related(number)
        found.fast_edit_distance_one(name, [], [])
        found.edit_distance_one(name, [], [])
        stored = list(found.related[REL_DOUBLE])
        assert list(found.double_targets(name)) == stored, name
        stored_any += bool(stored)
    assert stored_any > 20 or trusted_top == 12000


def test_small_batches_use_few_processes(forks: list[int]) -> None:
    """Many cores do not split a small batch into tiny shares: each process gets 256+."""
    from chainward.typosquats import detect

    rows = (DATA / "dev_hard_negatives.tsv").read_text().splitlines()[1:]
    batch = [r.split("\t")[0] for r in rows][:600]
    found = detect.Detector(trusted_top=5000)
    assert detect.check_batch(found, batch, workers=64) == [found.check(n) for n in batch]
    assert len(forks) == 1  # 600 names: the parent and one child
    assert all(share >= 200 for share in forks)
