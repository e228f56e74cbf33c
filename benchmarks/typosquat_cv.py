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
- **folds by name** (for information, not for the goals): rows folded by a hash of
  their name, so new look-alikes of targets seen in training (the unseen set shares its
  sources and probably many targets with the development set): how far the learned
  attacker words carry within campaigns rather than across them.

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


Evidence = dict[str, tuple[int, int]]
"""Filler evidence: word -> (popular names it attaches to, targets attackers used it on)."""


@dataclass(frozen=True)
class Raw:
    """The rows before scoring: positives and hard negatives as (name, target, label),
    the real dependency names, and the word hosts of the popular list."""

    positives: list[tuple[str, str, str]]
    negatives: list[tuple[str, str, str]]
    real: list[str]
    hosts: Counter[str]


def load_raw() -> Raw:
    sys.path.insert(0, str(ROOT / "src"))
    from chainward.typosquats.datafiles import data_text, parse_top
    from chainward.typosquats.vocab import affix_hosts

    names, _ = parse_top(data_text("top-pypi.txt"))
    return Raw(
        [
            (r["name"], r["target"], r["technique"])
            for r in read_rows(DATA / "dev_positives.tsv")
            if r["ecosystem"] == "pypi"
        ],
        [
            (r["name"], r["target"], r["technique"])
            for r in read_rows(DATA / "dev_hard_negatives.tsv")
        ],
        real_names(),
        affix_hosts(names),
    )


def evidence_from(raw: Raw, training: Iterable[tuple[str, str]]) -> Evidence:
    """The filler evidence learned from the popular list and these look-alikes only."""
    from chainward.typosquats.datafiles import data_text, parse_top
    from chainward.typosquats.vocab import AFFIX_WORDS, attack_words

    names, _ = parse_top(data_text("top-pypi.txt"))
    attack = attack_words(training, names)
    return {
        w: (raw.hosts.get(w, 0), attack.get(w, 0))
        for w in {*raw.hosts, *attack}
        if w and w not in AFFIX_WORDS
    }


def score_rows(
    raw: Raw,
    evidence: Evidence,
    min_hosts: int,
    popularity: bool = True,
    expert: bool = True,
    plugin_per_mille: int = 1,
) -> tuple[list[Row], list[Row], list[Real]]:
    """Positives (PyPI rows, default list), hard negatives (``--trusted-top 5000``) and
    real dependency names (default list), each with its per-technique scores, by
    detectors that use this filler evidence (and the expert words, if ``expert``)."""
    sys.path.insert(0, str(ROOT / "src"))
    from chainward.typosquats.detect import Detector
    from chainward.typosquats.index import normalize

    options = {
        "filler_evidence": evidence,
        "filler_min_hosts": min_hosts,
        "expert_words": None if expert else (),
        "plugin_per_mille": plugin_per_mille,
    }
    full = Detector(popularity=popularity, **options)  # type: ignore[arg-type]
    limited = Detector(trusted_top=TRUSTED_TOP, popularity=popularity, **options)  # type: ignore[arg-type]

    def scores(found: Detector, name: str) -> Scores:
        pairs = ((c.technique, c.score) for c in found.all_candidates(normalize(name)))
        return best_scores(pairs)

    positives = [Row(n, t, label, True, scores(full, n)) for n, t, label in raw.positives]
    negatives = [Row(n, t, label, False, scores(limited, n)) for n, t, label in raw.negatives]
    real = [Real(n, scores(full, n)) for n in raw.real]
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


def target_folds(rows: Sequence[tuple[str, str, str]]) -> dict[str, int]:
    """Each target to one of FOLDS folds, balanced by rows (largest targets first)."""
    sizes = Counter(target for _, target, _ in rows)
    load = [0] * FOLDS
    fold_of: dict[str, int] = {}
    for target, size in sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])):
        fold = min(range(FOLDS), key=lambda f: (load[f], f))
        fold_of[target] = fold
        load[fold] += size
    return fold_of


HOSTS_GRID = (2, 3, 5, 8, 13, 21, 10**6)
"""How many popular names a word must attach to to count as a filler (10**6: only the
attacker words)."""
PLUGIN_GRID = (1, 3, 5)
"""How many per thousand trusted names must start with a word for it to be a plugin
namespace (``pytest-``, ``django-``): under it, a popular name plus other words is
judged as a possible combosquat."""


@dataclass(frozen=True)
class Model:
    """What one fit chooses: the thresholds, the filler evidence (attacker words of the
    training rows only) and the filler host minimum."""

    thresholds: Scores
    evidence: Evidence
    min_hosts: int
    expert: bool = True
    plugin_per_mille: int = 1


@dataclass(frozen=True)
class Fitted:
    model: Model
    positives: list[Row]
    negatives: list[Row]
    real: list[Real]


def fit_model(
    raw: Raw,
    train_pos: Callable[[int], bool],
    train_neg: Callable[[int], bool],
    train_real: Callable[[Real], bool],
    popularity: bool,
    expert: bool = True,
) -> Fitted:
    """Learn the attacker words from the training positives, then for each host minimum
    of HOSTS_GRID score every row and fit the thresholds on the training rows; keep the
    minimum and plugin share with the best training objective (ties: the larger minimum,
    fewer fillers, then the smaller share, the prior).
    Returns the model and every row scored by it."""
    pairs = [(n, t) for i, (n, t, _) in enumerate(raw.positives) if train_pos(i)]
    evidence = evidence_from(raw, pairs)
    best: tuple[float, Fitted] | None = None
    grid = [(least, share) for least in sorted(HOSTS_GRID, reverse=True) for share in PLUGIN_GRID]
    for least, share in grid:
        positives, negatives, real = score_rows(raw, evidence, least, popularity, expert, share)
        tp = [r for i, r in enumerate(positives) if train_pos(i)]
        tn = [r for i, r in enumerate(negatives) if train_neg(i)]
        tr = [r for r in real if train_real(r)]
        thresholds = fit(tp, tn, tr)
        per_target = Counter(r.target for r in tp)
        weights = [1 / math.sqrt(per_target[r.target]) for r in tp]
        gain = objective(thresholds, tp, weights, tn, tr)
        if best is None or gain > best[0] + 1e-12:
            model = Model(thresholds, evidence, least, expert, share)
            best = (gain, Fitted(model, positives, negatives, real))
    assert best is not None
    return best[1]


def _always(_: object) -> bool:
    return True


def fit_all(raw: Raw, popularity: bool = True, expert: bool = True) -> Fitted:
    """The model fitted on every row (what ships: with the expert words)."""
    return fit_model(raw, _always, _always, _always, popularity, expert)


def hosts_text(models: Sequence[Model]) -> str:
    """The filler host minimums and plugin namespace shares chosen by these fits, e.g.
    ``none/3 x5`` (none: attacker words only, no word counts as a filler for its hosts
    alone; 3: a namespace starts 3 per thousand trusted names)."""
    counts = Counter((m.min_hosts, m.plugin_per_mille) for m in models)
    return ", ".join(
        f"{'none' if least >= 10**6 else least}/{share} x{n}"
        for (least, share), n in sorted(counts.items())
    )


def out_of_fold(
    raw: Raw, group: Callable[[str, str, str], str], popularity: bool, expert: bool
) -> Fold:
    """Each row's verdict from a model fitted without its group (attacker words, host
    minimum and thresholds all chosen on the other groups). The real names are folded
    by a hash of the name: the k-th group holds out the real names of fold k mod FOLDS,
    and a real name counts as flagged if any fit that held it out flags it. Also the
    model of every fit (the top list is judged by all of them)."""
    pos_group = [group(*r) for r in raw.positives]
    neg_group = [group(*r) for r in raw.negatives]
    verdicts: dict[int, bool] = {}
    real_flagged: set[str] = set()
    fitted: list[Model] = []
    first = len(raw.positives)
    for number, key in enumerate(sorted({*pos_group, *neg_group})):
        held = number % FOLDS
        result = fit_model(
            raw,
            lambda i: pos_group[i] != key,  # noqa: B023 - used before the loop moves on
            lambda i: neg_group[i] != key,  # noqa: B023
            lambda r: r.fold != held,  # noqa: B023
            popularity,
            expert,
        )
        thresholds = result.model.thresholds
        fitted.append(result.model)
        for index, row in enumerate(result.positives):
            if pos_group[index] == key:
                verdicts[index] = flagged(row.scores, thresholds)
        for index, row in enumerate(result.negatives):
            if neg_group[index] == key:
                verdicts[first + index] = flagged(row.scores, thresholds)
        real_flagged.update(
            r.name for r in result.real if r.fold == held and flagged(r.scores, thresholds)
        )
    return Fold(verdicts, real_flagged, fitted)


@dataclass(frozen=True)
class Fold:
    """Out-of-fold verdicts: positives and hard negatives by row index, the real names
    flagged, and the model of every fit."""

    verdicts: dict[int, bool]
    real_flagged: set[str]
    fitted: list[Model]


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
    top_flagged: Callable[[Sequence[Model]], int],
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


def top_list_flagged(models: Sequence[Model]) -> int:
    """Top-15,000 names flagged by the full detector with any of these models."""
    sys.path.insert(0, str(ROOT / "src"))
    from chainward.typosquats.detect import Detector

    names = [
        line.split("\t")[-1].strip() for line in (DATA / "top15000.txt").read_text().splitlines()
    ]
    bad = set()
    for model in models:
        found = Detector(
            thresholds=model.thresholds,
            filler_evidence=model.evidence,
            filler_min_hosts=model.min_hosts,
            expert_words=None if model.expert else (),
            plugin_per_mille=model.plugin_per_mille,
        )
        bad.update(n for n in names if found.check(n).flagged)
    return len(bad)


@dataclass(frozen=True)
class Validation:
    """The out-of-fold columns of one filler source, the model fitted on all rows and
    the rows it scored."""

    columns: dict[str, Fold]
    shipped: Model
    positives: list[Row]
    negatives: list[Row]
    real: list[Real]


def cross_validate(popularity: bool = True, expert: bool = True) -> Validation:
    """Folds by target, by technique and by name, and the fit on every row. ``expert``:
    the fillers are the learned words and the expert list (what ships); otherwise the
    learned words only (the clean cross-validation: every filler chosen without the
    held-out rows)."""
    raw = load_raw()
    fold_of = target_folds([*raw.positives, *raw.negatives])
    columns = {
        "CV by target": out_of_fold(raw, lambda _n, t, _l: str(fold_of[t]), popularity, expert),
        "CV by technique": out_of_fold(
            raw, lambda _n, _t, label: label.split("+")[0], popularity, expert
        ),
        "CV by name (info)": out_of_fold(
            raw, lambda n, _t, _l: str(zlib.crc32(n.encode()) % FOLDS), popularity, expert
        ),
    }
    every_row = fit_all(raw, popularity, expert)
    shipped = every_row.model
    rows = [*every_row.positives, *every_row.negatives]
    columns["fitted on all rows (not a test)"] = Fold(
        {i: flagged(r.scores, shipped.thresholds) for i, r in enumerate(rows)},
        {r.name for r in every_row.real if flagged(r.scores, shipped.thresholds)},
        [shipped],
    )
    return Validation(columns, shipped, every_row.positives, every_row.negatives, every_row.real)


def combined_table(learned: Validation, both: Validation) -> tuple[list[str], bool, bool]:
    """One table: the learned-only columns (the clean figures), then learned + expert
    (what ships); whether every goal is met in the two cross-validated columns (by
    target, by technique) of each."""
    columns = {f"learned only, {k}": v for k, v in learned.columns.items() if "not a test" not in k}
    columns |= {f"learned + expert, {k}": v for k, v in both.columns.items()}
    count = len((DATA / "top15000.txt").read_text().splitlines())
    lines, _ = table(both.positives, both.negatives, both.real, columns, top_list_flagged, count)
    lines.append(
        "| filler host minimum, plugin namespaces per mille (per fit) | | "
        + " | ".join(hosts_text(column.fitted) for column in columns.values())
        + " |"
    )

    def met(index: int) -> bool:
        return all("MISS" not in line.split("|")[index] for line in lines[2:])

    return lines, met(3) and met(4), met(6) and met(7)


def write_thresholds(model: Model, lines: Sequence[str]) -> None:
    body = "\n".join(f'    "{t}": {v:.2f},' for t, v in sorted(model.thresholds.items()))
    figures = "\n".join(lines)
    THRESHOLDS_MODULE.write_text(
        f'''# ruff: noqa: E501 - the generated table is wider than a line
"""The score at which each technique flags a name (generated: do not edit).

Written by ``python benchmarks/typosquat_cv.py --write``, which fits these thresholds on
all rows of the development data (``tests/data/typosquats/``) by the procedure in its
docstring, and cross-validates that procedure (folds by target and by technique):

{figures}

A technique not named here flags at ``detect.THRESHOLD``.
"""

from __future__ import annotations

FILLER_MIN_HOSTS = {model.min_hosts}
"""A word attached to this many popular names is a combosquat filler (vocab.py)."""

PLUGIN_PER_MILLE = {model.plugin_per_mille}
"""A first word shared by this many per thousand trusted names (3 at least) is a plugin
namespace (trusted.py)."""

THRESHOLDS: dict[str, float] = {{
{body}
}}
''',
        encoding="utf-8",
    )


EXPERT_NOTE = (
    "Columns 'learned only' are the clean cross-validation: every combosquat filler is "
    "learned without the held-out rows. Columns 'learned + expert' add the expert list "
    "data/squat-words.txt (what ships); it was curated by hand from public reports of "
    "attacker naming habits, not chosen by cross-validation, and may overlap the "
    "development set, so those figures are not clean held-out figures (the learned part "
    "is still chosen per fold)."
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
    parser.add_argument(
        "--double-top", type=int, help="try another distance-2 rank limit (not written)"
    )
    parser.add_argument(
        "--double-min-len", type=int, help="try another distance-2 target length (not written)"
    )
    args = parser.parse_args()
    if args.double_top is not None or args.double_min_len is not None:
        if args.write:
            parser.error("--double-top/--double-min-len are experiments: change scoring.py")
        sys.path.insert(0, str(ROOT / "src"))
        from chainward.typosquats import scoring

        scoring.DOUBLE_TOP = args.double_top or scoring.DOUBLE_TOP
        scoring.DOUBLE_MIN_LEN = args.double_min_len or scoring.DOUBLE_MIN_LEN
    popularity = not args.no_popularity
    learned = cross_validate(popularity=popularity, expert=False)
    both = cross_validate(popularity=popularity, expert=True)
    shipped = both.shipped
    lines, learned_every, every = combined_table(learned, both)
    lines = [EXPERT_NOTE, "", *lines]
    print("\n".join(lines))
    print()
    print(
        "every goal met in both cross-validated columns, learned only: "
        + ("yes" if learned_every else "NO")
    )
    print(
        "thresholds fitted on all rows: "
        + ", ".join(f"{t} {v:.2f}" for t, v in sorted(shipped.thresholds.items()))
        + f"; filler host minimum {shipped.min_hosts}"
        + f"; plugin namespaces per mille {shipped.plugin_per_mille}"
    )
    print(
        "every goal met in both cross-validated columns, learned + expert: "
        + ("yes" if every else "NO")
    )
    rows = [*both.positives, *both.negatives]
    if args.show_misses:
        for row in rows:
            hit = flagged(row.scores, shipped.thresholds)
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
