"""Evaluate typosquat detection: recall per technique, false positives, speed.

Reads only ``tests/data/typosquats/`` (copies of the evaluation data, see its README):

- first, the issue-20 table from cross-validation (``typosquat_cv.py``: per-technique
  thresholds chosen on folds by target and by technique, figures on the held-out rows),
  for the learned combosquat fillers only (the clean cross-validation) and for the
  learned fillers plus the hand-curated expert list ``data/squat-words.txt`` (what ships;
  that list was not chosen by cross-validation and may overlap the development set),
  with and without the popularity prior;
- recall on the PyPI rows of ``dev_positives.tsv`` (default trusted list), per technique;
- flagged share of ``dev_hard_negatives.tsv`` with ``--trusted-top`` (default 5000);
- flagged names of the top-15,000 list itself with the default trusted list;
- flagged share of the popular names below the ``--trusted-top`` rank, judged as untrusted
  (with and without the popularity prior; each half on its own): a large set of
  legitimate names that no word list or threshold was chosen by;
- flagged share of ``real_dependencies.txt`` (dependency names of real projects);
- data load time and throughput (names per second after loading).

Run: ``python benchmarks/typosquat_eval.py [--positives FILE] [--negatives FILE]
[--trusted-top N] [--show-misses]``. The same files through the CLI batch interface:
``chainward typosquats --names-file FILE --format json --trusted-top N``.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from chainward.typosquats.detect import Detector

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "typosquats"


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


class EvalSets(NamedTuple):
    """The two detectors and the name sets every report reads."""

    full: Detector
    """The default trusted list (top 15,000)."""
    limited: Detector
    """``--trusted-top``."""
    positives: list[dict[str, str]]
    negatives: list[dict[str, str]]
    top_names: list[str]


def measure_load() -> tuple[float, float, float]:
    """Cold data load in a fresh interpreter, median of 5:
    (import + load CPU ms, load CPU ms, load wall ms)."""
    # CPU time of the process (time.process_time), so that other jobs on a shared
    # machine do not inflate the figure; the wall-clock figure is printed beside it.
    code = (
        "import time; t0=time.process_time(); w0=time.perf_counter();"
        "from chainward.typosquats.trusted import load_reference;"
        "from chainward.typosquats.detect import Detector;"
        "t1=time.process_time(); w1=time.perf_counter(); Detector(reference=load_reference());"
        "t2=time.process_time(); w2=time.perf_counter();"
        "print((t2-t0)*1000, (t2-t1)*1000, (w2-w1)*1000)"
    )
    totals, loads, walls = [], [], []
    for _ in range(5):
        out = subprocess.run(
            (sys.executable, "-c", code), capture_output=True, text=True, check=True
        ).stdout.split()
        totals.append(float(out[0]))
        loads.append(float(out[1]))
        walls.append(float(out[2]))
    return statistics.median(totals), statistics.median(loads), statistics.median(walls)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positives", type=Path, default=DATA / "dev_positives.tsv")
    parser.add_argument("--negatives", type=Path, default=DATA / "dev_hard_negatives.tsv")
    parser.add_argument("--top", type=Path, default=DATA / "top15000.txt")
    parser.add_argument("--real", type=Path, default=DATA / "real_dependencies.txt")
    parser.add_argument("--trusted-top", type=int, default=5000)
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--show-false", action="store_true")
    parser.add_argument("--skip-cv", action="store_true", help="skip the cross-validated table")
    parser.add_argument(
        "--speed-only", action="store_true", help="only the speed section (load and throughput)"
    )
    args = parser.parse_args()

    if not args.skip_cv and not args.speed_only:
        import typosquat_cv

        for popularity in (True, False):
            learned = typosquat_cv.cross_validate(popularity=popularity, expert=False)
            both = typosquat_cv.cross_validate(popularity=popularity, expert=True)
            lines, learned_every, every = typosquat_cv.combined_table(learned, both)
            prior = "with" if popularity else "WITHOUT"
            print(f"# cross-validated (typosquat_cv.py), {prior} the popularity prior")
            print(typosquat_cv.EXPERT_NOTE)
            print("\n".join(lines))
            print(
                "every goal met in both cross-validated columns: learned only "
                + ("yes" if learned_every else "NO")
                + ", learned + expert "
                + ("yes" if every else "NO")
            )
            print()

    sys.path.insert(0, str(ROOT / "src"))
    from chainward.typosquats.detect import Detector

    full = Detector()
    limited = Detector(trusted_top=args.trusted_top)

    sets = EvalSets(
        full,
        limited,
        [r for r in read_rows(args.positives) if r["ecosystem"] == "pypi"],
        read_rows(args.negatives),
        [line.split("\t")[-1].strip() for line in args.top.read_text().splitlines()],
    )
    if not args.speed_only:
        report_accuracy(args, sets)
    report_speed(args, sets)
    return 0


def report_accuracy(args: argparse.Namespace, sets: EvalSets) -> None:
    """Recall per technique, and the flagged share of each negative set."""
    full, limited, positives, negatives, top_names = sets
    from chainward.typosquats.detect import Detector

    per_technique: dict[str, list[int]] = {}
    right_target = 0
    misses = []
    for row in positives:
        verdict = full.check(row["name"])
        technique = row["technique"]
        for label in {technique, *technique.split("+")}:
            per_technique.setdefault(label, [0, 0])
        per_technique.setdefault(technique, [0, 0])
        per_technique[technique][1] += 1
        if verdict.flagged:
            per_technique[technique][0] += 1
            right_target += verdict.target in (row["target"],) or False
        else:
            misses.append((row["name"], row["target"], technique, verdict))
    hits = sum(v[0] for v in per_technique.values())
    print(f"# PyPI positives ({args.positives.name}), default trusted list (top 15,000)")
    print(f"{'technique':<34} {'flagged':>8} {'rows':>6} {'recall':>7}")
    for technique, (flagged, rows) in sorted(per_technique.items(), key=lambda kv: -kv[1][1]):
        if rows:
            print(f"{technique:<34} {flagged:>8} {rows:>6} {flagged / rows:>7.3f}")
    print(f"{'ALL':<34} {hits:>8} {len(positives):>6} {hits / len(positives):>7.3f}")
    print(f"right target among flagged: {right_target / max(hits, 1):.3f}")
    if args.show_misses:
        for name, target, technique, verdict in misses:
            print(
                f"  miss {name} -> {target} [{technique}] best={verdict.target} "
                f"{verdict.technique} {verdict.score}"
            )

    flagged_neg = []
    by_tech: Counter[str] = Counter()
    for row in negatives:
        verdict = limited.check(row["name"])
        if verdict.flagged:
            flagged_neg.append((row, verdict))
            by_tech[row["technique"]] += 1
    share = len(flagged_neg) / len(negatives)
    print()
    print(f"# hard negatives ({args.negatives.name}), --trusted-top {args.trusted_top}")
    print(f"flagged {len(flagged_neg)} of {len(negatives)} = {share:.1%} (target <= 8%)")
    print("flagged by technique: " + ", ".join(f"{t} {c}" for t, c in by_tech.most_common()))
    if args.show_false:
        for row, verdict in flagged_neg:
            print(
                f"  fp {row['name']} ({row['technique']}) -> {verdict.target} "
                f"{verdict.technique} {verdict.score} {verdict.detail}"
            )

    top_flagged = [n for n in top_names if full.check(n).flagged]
    print()
    print(f"# top list ({args.top.name}), defaults: {len(top_flagged)} of {len(top_names)} flagged")

    # Legitimate names nobody chose words or thresholds by: the popular names ranked
    # below the trusted top, judged as untrusted, each half on its own (with the
    # popularity prior, as the hard negatives; and without it, as a legitimate project
    # outside the shipped list would be judged).
    print()
    print(f"# popular names ranked below {args.trusted_top:,}, --trusted-top {args.trusted_top}")
    unranked = Detector(trusted_top=args.trusted_top, popularity=False)
    rest = top_names[args.trusted_top :]
    middle = len(rest) // 2
    for label, part in (("first half", rest[:middle]), ("second half", rest[middle:])):
        for prior, found in (("with the popularity prior", limited), ("without", unranked)):
            verdicts = [found.check(n) for n in part]
            hits = [v for v in verdicts if v.flagged]
            techniques = Counter(v.technique for v in hits)
            print(
                f"{label} ({len(part)} names), {prior}: {len(hits)} flagged = "
                f"{len(hits) / max(len(part), 1):.1%} ("
                + ", ".join(f"{t} {c}" for t, c in techniques.most_common(4))
                + ")"
            )

    if args.real.is_file():
        real = [
            line.strip()
            for line in args.real.read_text().splitlines()
            if line.strip() and not line.startswith("#")
        ]
        real_flagged = [(n, full.check(n)) for n in real]
        real_flagged = [(n, v) for n, v in real_flagged if v.flagged]
        print(
            f"# real dependencies ({args.real.name}), defaults: {len(real_flagged)} of "
            f"{len(real)} flagged = {len(real_flagged) / max(len(real), 1):.2%} (target <= 1%)"
        )
        for name, verdict in real_flagged:
            print(f"  flagged {name} -> {verdict.target} {verdict.technique} {verdict.score}")
        real_limited = [n for n in real if limited.check(n).flagged]
        print(
            f"# real dependencies, --trusted-top {args.trusted_top}: {len(real_limited)} of "
            f"{len(real)} flagged = {len(real_limited) / max(len(real), 1):.2%} "
            f"({', '.join(real_limited[:12])})"
        )


def report_speed(args: argparse.Namespace, sets: EvalSets) -> None:
    """Data load time and throughput: one process, batch, fresh CLI processes."""
    full, limited, positives, negatives, top_names = sets
    from chainward.typosquats.detect import Detector

    total_ms, load_ms, wall_ms = measure_load()
    print()
    print(
        f"# speed (CPU time of this process): data load {load_ms:.1f} ms "
        f"(wall {wall_ms:.1f} ms; import + load {total_ms:.1f} ms), median of 5"
    )
    pos_names = [r["name"] for r in positives]
    neg_names = [r["name"] for r in negatives]
    real_names = (
        [ln.strip() for ln in args.real.read_text().splitlines() if ln.strip() and ln[0] != "#"]
        if args.real.is_file()
        else []
    )
    mixes = {
        "positives (all untrusted, default list)": (full, pos_names),
        "hard negatives (--trusted-top)": (limited, neg_names),
        "top-15000 (all trusted)": (full, top_names),
        "real dependencies (default list)": (full, real_names),
        "every input above in one stream": (full, pos_names + neg_names + top_names + real_names),
    }
    for label, (found, names) in mixes.items():
        if not names:
            continue
        repeat = max(1, 20000 // max(len(names), 1))
        fresh = Detector(trusted_top=found.limit)
        fresh.check("warm-up-name")
        cpu = time.process_time()
        wall = time.perf_counter()
        for _ in range(repeat):
            for name in names:
                fresh.check(name)
        cpu_elapsed = time.process_time() - cpu
        wall_elapsed = time.perf_counter() - wall
        rate = repeat * len(names) / cpu_elapsed
        wall_rate = repeat * len(names) / wall_elapsed
        print(
            f"throughput {label}: {rate:,.0f} names/CPU-s ({1e6 / rate:.1f} us/name; "
            f"wall {wall_rate:,.0f} names/s)"
        )
    # Batch mode (`chainward typosquats --names-file`): large batches are split across the
    # usable cores by forked workers that inherit the loaded index.
    from chainward.typosquats.batch import check_batch, usable_cores

    for label, (found, names) in list(mixes.items())[:2]:
        batch = names * max(1, 20000 // max(len(names), 1))
        fresh = Detector(trusted_top=found.limit)
        fresh.check("warm-up-name")
        wall = time.perf_counter()
        check_batch(fresh, batch)
        wall_elapsed = time.perf_counter() - wall
        print(
            f"batch throughput {label}, {usable_cores()} cores: "
            f"{len(batch) / wall_elapsed:,.0f} names/s wall ({len(batch)} names)"
        )
    # The batch interface as the CLI runs it: a fresh process loads the data, then
    # check_batch and the JSON output are timed (the fastest of 5 processes).
    import tempfile

    code = (
        "import json, sys, time;"
        "from chainward.cli.typosquats import read_names_file, _result;"
        "from chainward.typosquats.batch import check_batch;"
        "from chainward.typosquats.detect import Detector;"
        "names = read_names_file(sys.argv[1]); found = Detector(trusted_top=int(sys.argv[2]));"
        "t0 = time.perf_counter(); verdicts = check_batch(found, names);"
        "t1 = time.perf_counter();"
        "json.dumps({'version': 1, 'results': [_result(v) for v in verdicts]});"
        "t2 = time.perf_counter(); print(t1 - t0, t2 - t0)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for (label, (found, names)), size in itertools.product(
            list(mixes.items())[:2], (2 * len(pos_names), 20000)
        ):
            batch = (names * (size // max(len(names), 1) + 1))[:size]
            path = Path(tmp) / "names.txt"
            path.write_text("name\n" + "\n".join(batch) + "\n", encoding="utf-8")
            checked, output = [], []
            for _ in range(5):
                out = subprocess.run(
                    (sys.executable, "-c", code, str(path), str(found.limit)),
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout.split()
                checked.append(float(out[0]))
                output.append(float(out[1]))
            print(
                f"fresh process, check_batch {label}, {len(batch)} names, {usable_cores()} "
                f"cores: {len(batch) / min(checked):,.0f} names/s "
                f"({len(batch) / min(output):,.0f} with the JSON output)"
            )
        # The whole CLI end to end: 20,000 names minus an empty file.
        batch = (pos_names * (20000 // len(pos_names) + 1))[:20000]
        full = Path(tmp) / "names.txt"
        full.write_text("name\n" + "\n".join(batch) + "\n", encoding="utf-8")
        empty = Path(tmp) / "empty.txt"
        empty.write_text("name\n", encoding="utf-8")
        times = {}
        for key, file in (("full", full), ("empty", empty)):
            runs = []
            for _ in range(5):
                started = time.perf_counter()
                command = (sys.executable, "-m", "chainward", "typosquats", "--names-file")
                subprocess.run(
                    (*command, str(file), "--format", "json", "--exit-zero"),
                    capture_output=True,
                    check=True,
                    cwd=tmp,
                )
                runs.append(time.perf_counter() - started)
            times[key] = min(runs)
        print(
            f"CLI --names-file positives, {len(batch)} names: {times['full']:.2f} s "
            f"(empty file {times['empty']:.2f} s, start-up and load included)"
        )


if __name__ == "__main__":
    raise SystemExit(main())
