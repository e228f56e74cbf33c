"""Cross-validated typosquat figures and the per-technique thresholds they choose.

The detector scores every candidate of a name per technique (``Detector.all_candidates``);
a name is flagged when one candidate reaches its technique's threshold. This script
chooses those thresholds on some folds of the development data and reports the figures
on the others, so that no figure comes from thresholds fitted on the rows it scores:

- **folds by target**: every row (positive or hard negative) whose popular target is the
  same lands in the same fold (five folds, balanced by rows), so a campaign against one
  popular name never sits on both sides;
- **folds by technique**: the rows of one labelled technique (``combosquat``,
  ``py-affix``, ...) are held out together and the thresholds are chosen on all the
  other techniques, which asks how the thresholds carry over to a kind of attack they
  were not fitted on.

Each held-out row gets the verdict of the thresholds chosen without it; the table is
computed from those out-of-fold verdicts. ``--write`` fits the thresholds on all rows
and writes ``src/chainward/typosquats/thresholds.py`` (the shipped table), with the
cross-validated figures in its docstring.

Fitting (the same on every fold):
coordinate ascent over the techniques the detector reports that have at least
MIN_SUPPORT (10) training positives they score (a technique seen on fewer keeps the
prior 0.45, the score the rules are written to flag at: too little evidence to move
it), each threshold on the grid 0.30,
0.35, ... 0.60 (the detector's early exits are exact up to 0.60), maximising

    weighted recall - LAMBDA_NEG * hard-negative rate - LAMBDA_REAL * real names flagged

where each positive weighs 1/sqrt(rows of its target in the training folds) (a few mass
campaigns would otherwise set the thresholds), hard negatives are judged with
``--trusted-top 5000``, and the real dependency names with the default list. Ties go to
the value nearest the prior (0.45), then the higher one.

Data: ``tests/data/typosquats/`` only (see its README).
Run: ``python benchmarks/typosquat_cv.py [--write] [--show-misses]``.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "typosquats"
THRESHOLDS_MODULE = ROOT / "src" / "chainward" / "typosquats" / "thresholds.py"
GRID = tuple(round(0.30 + 0.05 * i, 2) for i in range(7))
START = 0.45
LAMBDA_NEG = 2.0
LAMBDA_REAL = 0.05
FOLDS = 5
MIN_SUPPORT = 10
TRUSTED_TOP = 5000

Scores = dict[str, float]
"""The best score of each technique for one name."""


@dataclass(frozen=True)
class Real:
    """A real dependency name (a negative with no target; folded by a hash of the name)."""

    name: str
    scores: Scores

    @property
    def fold(self) -> int:
        return zlib.crc32(self.name.encode()) % FOLDS


@dataclass(frozen=True)
class Row:
    name: str
    target: str
    label: str
    positive: bool
    scores: Scores


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def read_names(path: Path) -> list[str]:
    return [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


def best_scores(candidates: Iterable[tuple[str, float]]) -> Scores:
    out: Scores = {}
    for technique, score in candidates:
        if score > out.get(technique, -1.0):
            out[technique] = score
    return out


def flagged(scores: Scores, thresholds: Mapping[str, float]) -> bool:
    return any(score >= thresholds.get(t, START) for t, score in scores.items())


def score_rows(popularity: bool = True) -> tuple[list[Row], list[Row], list[Real]]:
    """Positives (PyPI rows, default list), hard negatives (``--trusted-top 5000``) and
    real dependency names (default list), each with its per-technique scores."""
    sys.path.insert(0, str(ROOT / "src"))
    from chainward.typosquats.detect import Detector
    from chainward.typosquats.index import normalize

    full = Detector(popularity=popularity)
    limited = Detector(trusted_top=TRUSTED_TOP, popularity=popularity)

    def scores(found: Detector, name: str) -> Scores:
        pairs = ((c.technique, c.score) for c in found.all_candidates(normalize(name)))
        return best_scores(pairs)

    positives = [
        Row(r["name"], r["target"], r["technique"], True, scores(full, r["name"]))
        for r in read_rows(DATA / "dev_positives.tsv")
        if r["ecosystem"] == "pypi"
    ]
    negatives = [
        Row(r["name"], r["target"], r["technique"], False, scores(limited, r["name"]))
        for r in read_rows(DATA / "dev_hard_negatives.tsv")
    ]
    real = [Real(n, scores(full, n)) for n in real_names()]
    return positives, negatives, real


def real_names() -> list[str]:
    names = read_names(DATA / "real_dependencies.txt")
    extra = DATA / "realworld_dependencies.txt"
    if extra.is_file():
        names += read_names(extra)
    return sorted(set(names))


def objective(
    thresholds: Mapping[str, float],
    positives: Sequence[Row],
    weights: Sequence[float],
    negatives: Sequence[Row],
    real: Sequence[Real],
) -> float:
    recall = sum(
        w for r, w in zip(positives, weights, strict=True) if flagged(r.scores, thresholds)
    )
    recall /= max(sum(weights), 1e-9)
    neg = sum(flagged(r.scores, thresholds) for r in negatives) / max(len(negatives), 1)
    bad = sum(flagged(r.scores, thresholds) for r in real)
    return recall - LAMBDA_NEG * neg - LAMBDA_REAL * bad


def fit(positives: Sequence[Row], negatives: Sequence[Row], real: Sequence[Real]) -> Scores:
    """Per-technique thresholds chosen on these rows: coordinate ascent on the grid for
    the techniques with enough support (at least MIN_SUPPORT positives that the
    technique scores); the others keep the prior START, the score the rules are
    written to flag at. Ties go to the value nearest the prior."""
    per_target = Counter(r.target for r in positives)
    weights = [1 / math.sqrt(per_target[r.target]) for r in positives]
    techniques = sorted({t for r in [*positives, *negatives] for t in r.scores})
    chosen = dict.fromkeys(techniques, START)
    support = Counter(t for r in positives for t, v in r.scores.items() if v >= GRID[0])
    fitted = [t for t in techniques if support[t] >= MIN_SUPPORT]
    for _ in range(4):
        changed = False
        for technique in fitted:
            best_value, best_gain = chosen[technique], -math.inf
            for value in sorted(GRID, key=lambda v: (abs(v - START), -v)):
                trial = {**chosen, technique: value}
                gain = objective(trial, positives, weights, negatives, real)
                if gain > best_gain + 1e-12:
                    best_value, best_gain = value, gain
            if best_value != chosen[technique]:
                chosen[technique] = best_value
                changed = True
        if not changed:
            break
    return chosen


def target_folds(rows: Sequence[Row]) -> dict[str, int]:
    """Each target to one of FOLDS folds, balanced by rows (largest targets first)."""
    sizes = Counter(r.target for r in rows)
    load = [0] * FOLDS
    fold_of: dict[str, int] = {}
    for target, size in sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])):
        fold = min(range(FOLDS), key=lambda f: (load[f], f))
        fold_of[target] = fold
        load[fold] += size
    return fold_of


def out_of_fold(
    positives: Sequence[Row],
    negatives: Sequence[Row],
    real: Sequence[Real],
    group: Callable[[Row], str],
) -> Fold:
    """Each row's verdict from thresholds fitted without its group. The real names are
    folded by a hash of the name: the k-th group holds out the real names of fold
    k mod FOLDS, and a real name counts as flagged if any fit that held it out flags it.
    Also the thresholds of every fit (the top list is judged by all of them)."""
    rows = [*positives, *negatives]
    verdicts: dict[int, bool] = {}
    real_flagged: set[str] = set()
    fitted: list[Scores] = []
    for number, key in enumerate(sorted({group(r) for r in rows})):
        train_pos = [r for r in positives if group(r) != key]
        train_neg = [r for r in negatives if group(r) != key]
        train_real = [r for r in real if r.fold != number % FOLDS]
        thresholds = fit(train_pos, train_neg, train_real)
        fitted.append(thresholds)
        for index, row in enumerate(rows):
            if group(row) == key:
                verdicts[index] = flagged(row.scores, thresholds)
        real_flagged.update(
            r.name for r in real if r.fold == number % FOLDS and flagged(r.scores, thresholds)
        )
    return Fold(verdicts, real_flagged, fitted)


@dataclass(frozen=True)
class Fold:
    """Out-of-fold verdicts: positives and hard negatives by row index, the real names
    flagged, and the thresholds of every fit."""

    verdicts: dict[int, bool]
    real_flagged: set[str]
    fitted: list[Scores]


@dataclass(frozen=True)
class Goal:
    label: str
    select: Callable[[Row], bool]
    minimum: float | None = None
    fraction: bool = False


def technique_is(name: str) -> Callable[[Row], bool]:
    return lambda r: r.positive and name in r.label.split("+")


GOALS = (
    Goal("recall", lambda r: r.positive, 0.95),
    Goal("combosquat", technique_is("combosquat"), 0.7),
    Goal("edit distance 2", technique_is("edit-distance-2"), 0.85),
    Goal("py-/python- affixes", technique_is("py-affix"), 15 / 18, fraction=True),
    Goal("version suffixes", technique_is("version-suffix"), 9 / 11, fraction=True),
    Goal("word reorder", technique_is("word-reorder"), 6 / 8, fraction=True),
)


def cell(rows: Sequence[Row], verdicts: Mapping[int, bool], goal: Goal) -> tuple[str, bool]:
    picked = [i for i, r in enumerate(rows) if goal.select(r)]
    hits = sum(verdicts[i] for i in picked)
    share = hits / max(len(picked), 1)
    meets = goal.minimum is None or share >= goal.minimum - 1e-9
    text = f"{hits}/{len(picked)}" if goal.fraction else f"{share:.3f} ({hits}/{len(picked)})"
    return text + ("" if meets else " MISS"), meets


def table(
    positives: Sequence[Row],
    negatives: Sequence[Row],
    real: Sequence[Real],
    columns: Mapping[str, Fold],
    top_flagged: Callable[[Sequence[Scores]], int],
    top_count: int,
) -> tuple[list[str], bool]:
    rows = [*positives, *negatives]
    lines = [
        "| measure | goal | " + " | ".join(columns) + " |",
        "|---|---|" + "---|" * len(columns),
    ]
    every = True
    for goal in GOALS:
        cells = []
        for column in columns.values():
            text, meets = cell(rows, column.verdicts, goal)
            every &= meets
            cells.append(text)
        lines.append(f"| {goal.label} | {goal_text(goal)} | " + " | ".join(cells) + " |")
    cells = []
    first = len(positives)
    for column in columns.values():
        hits = sum(column.verdicts[first + i] for i in range(len(negatives)))
        share = hits / max(len(negatives), 1)
        every &= share <= 0.08
        cells.append(f"{share:.1%} ({hits}/{len(negatives)})" + ("" if share <= 0.08 else " MISS"))
    lines.append(
        f"| hard negatives flagged, --trusted-top {TRUSTED_TOP} | <= 8% | "
        + " | ".join(cells)
        + " |"
    )
    cells = []
    for column in columns.values():
        bad = len(column.real_flagged)
        every &= bad == 0
        names = ", ".join(sorted(column.real_flagged))
        cells.append(f"{bad}/{len(real)}" + ("" if bad == 0 else f" MISS ({names})"))
    lines.append("| real dependency names flagged (held out) | 0 | " + " | ".join(cells) + " |")
    cells = []
    for column in columns.values():
        bad = top_flagged(column.fitted)
        every &= bad == 0
        cells.append(f"{bad}/{top_count}" + ("" if bad == 0 else " MISS"))
    lines.append("| top-15,000 flagged (any fold's thresholds) | 0 | " + " | ".join(cells) + " |")
    return lines, every


def goal_text(goal: Goal) -> str:
    if goal.minimum is None:
        return ""
    if goal.fraction:
        for total in (18, 11, 8):
            wanted = round(goal.minimum * total)
            if abs(goal.minimum - wanted / total) < 1e-9:
                return f">= {wanted}/{total}"
    return f">= {goal.minimum:g}"


def top_list_flagged(thresholds_list: Sequence[Scores]) -> int:
    """Top-15,000 names flagged by the full detector with any of these thresholds."""
    sys.path.insert(0, str(ROOT / "src"))
    from chainward.typosquats.detect import Detector

    names = [
        line.split("\t")[-1].strip() for line in (DATA / "top15000.txt").read_text().splitlines()
    ]
    bad = set()
    for thresholds in thresholds_list:
        found = Detector(thresholds=thresholds)
        bad.update(n for n in names if found.check(n).flagged)
    return len(bad)


def cross_validate(popularity: bool = True) -> tuple[list[str], bool, Scores, list[Row]]:
    """The cross-validated table (markdown lines), whether every goal is met there, the
    thresholds fitted on all rows, and the rows."""
    positives, negatives, real = score_rows(popularity)
    rows = [*positives, *negatives]
    fold_of = target_folds(rows)
    by_target = out_of_fold(positives, negatives, real, lambda r: str(fold_of[r.target]))
    by_technique = out_of_fold(positives, negatives, real, lambda r: r.label.split("+")[0])
    shipped = fit(positives, negatives, real)
    in_sample = Fold(
        {i: flagged(r.scores, shipped) for i, r in enumerate(rows)},
        {r.name for r in real if flagged(r.scores, shipped)},
        [shipped],
    )
    columns = {
        "CV, folds by target": by_target,
        "CV, folds by technique": by_technique,
        "fitted on all rows (not a test)": in_sample,
    }
    count = len((DATA / "top15000.txt").read_text().splitlines())
    lines, every = table(positives, negatives, real, columns, top_list_flagged, count)
    # Only the two cross-validated columns count for the goals.
    cv_every = all(
        "MISS" not in line.split("|")[3] and "MISS" not in line.split("|")[4] for line in lines[2:]
    )
    del every
    return lines, cv_every, shipped, rows


def write_thresholds(thresholds: Scores, lines: Sequence[str]) -> None:
    body = "\n".join(f'    "{t}": {v:.2f},' for t, v in sorted(thresholds.items()))
    figures = "\n".join(lines)
    THRESHOLDS_MODULE.write_text(
        f'''"""The score at which each technique flags a name (generated: do not edit).

Written by ``python benchmarks/typosquat_cv.py --write``, which fits these thresholds on
all rows of the development data (``tests/data/typosquats/``) by the procedure in its
docstring, and cross-validates that procedure (folds by target and by technique):

{figures}

A technique not named here flags at ``detect.THRESHOLD``.
"""

from __future__ import annotations

THRESHOLDS: dict[str, float] = {{
{body}
}}
''',
        encoding="utf-8",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the shipped thresholds")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument(
        "--no-popularity",
        action="store_true",
        help="score without the popularity discount (names of the top list not trusted)",
    )
    args = parser.parse_args()
    lines, every, shipped, rows = cross_validate(popularity=not args.no_popularity)
    print("\n".join(lines))
    print()
    print(
        "thresholds fitted on all rows: "
        + ", ".join(f"{t} {v:.2f}" for t, v in sorted(shipped.items()))
    )
    print("every goal met in both cross-validated columns: " + ("yes" if every else "NO"))
    if args.show_misses:
        for row in rows:
            hit = flagged(row.scores, shipped)
            if hit != row.positive:
                kind = "miss" if row.positive else "false"
                best = sorted(row.scores.items(), key=lambda kv: -kv[1])[:3]
                print(f"  {kind} {row.name} -> {row.target} [{row.label}] {best}")
    if args.write:
        write_thresholds(shipped, lines)
        print(f"wrote {THRESHOLDS_MODULE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
