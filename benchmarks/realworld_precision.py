"""Benchmark: precision of critical and high findings on real AI repositories, and how
many findings a user reads (issue 15's acceptance).

    python benchmarks/realworld_precision.py DIR [--labels FILE] [--before FILE] [--json]

``DIR`` holds unpacked repositories, one per folder, each a git repository (unpack the
corpus archives, then ``git init -q && git add -A && git commit -qm import`` in each; this
script never reads the corpus folder itself). For each repository it runs
``chainward check --format json`` in a fresh process and reports:

- findings before (the branch point's count from ``--before``: every occurrence was a
  finding) and after: the causes a user reads (one per fingerprint, check id + subject)
  and the occurrences JSON keeps;
- critical+high causes, how many are hand-labelled true or false in ``--labels`` (keyed
  by repository and fingerprint), the precision true / (true + false), and any critical
  or high cause without a label (labels must be redone when those appear);
- labelled true causes that are no longer reported at all (a lost true problem).

Goal: precision >= 0.9 on critical+high, >= 50% fewer findings, no true problem lost.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEVERITIES = ("info", "low", "medium", "high", "critical")
GOAL_PRECISION = 0.9
GOAL_REDUCTION = 0.5


def _rows(path: Path) -> Iterable[dict[str, str]]:
    lines = [line for line in path.read_text("utf-8").splitlines() if not line.startswith("#")]
    yield from csv.DictReader(lines, delimiter="\t")


@dataclass
class RepoResult:
    """One repository's figures."""

    name: str
    before: int | None
    occurrences: int
    causes: int
    top: list[str] = field(default_factory=list)
    true: int = 0
    false: int = 0
    unlabelled: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        judged = self.true + self.false
        return self.true / judged if judged else None


def run_check(repo: Path) -> list[dict[str, object]]:
    """The JSON findings of ``chainward check`` on one repository."""
    done = subprocess.run(
        (sys.executable, "-m", "chainward", "check", "--format", "json", "--exit-zero", "."),
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{repo.name}: chainward check failed ({done.returncode}): {done.stderr}")
    findings: list[dict[str, object]] = json.loads(done.stdout)["findings"]
    return findings


def measure(repo: Path, labels: dict[tuple[str, str], str], before: dict[str, int]) -> RepoResult:
    """Run the check on one repository and judge its critical and high causes."""
    findings = run_check(repo)
    causes: dict[str, int] = defaultdict(int)
    for finding in findings:
        rank = SEVERITIES.index(str(finding["severity"]))
        key = str(finding["fingerprint"])
        causes[key] = max(causes[key], rank)
    result = RepoResult(repo.name, before.get(repo.name), len(findings), len(causes))
    for key, rank in sorted(causes.items()):
        if rank < SEVERITIES.index("high"):
            continue
        result.top.append(key)
        label = labels.get((repo.name, key))
        if label == "true":
            result.true += 1
        elif label == "false":
            result.false += 1
        else:
            result.unlabelled.append(key)
    result.lost = sorted(
        key
        for (name, key), label in labels.items()
        if name == repo.name and label == "true" and key not in causes
    )
    return result


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def report(results: list[RepoResult]) -> str:
    """The table, the totals and the goals."""
    head = (
        "repository",
        "before",
        "after (causes)",
        "occurrences",
        "crit+high",
        "true",
        "false",
        "unlabelled",
        "precision",
    )
    rows = [head]
    for r in results:
        rows.append(
            (
                r.name,
                "-" if r.before is None else str(r.before),
                str(r.causes),
                str(r.occurrences),
                str(len(r.top)),
                str(r.true),
                str(r.false),
                str(len(r.unlabelled)),
                _ratio(r.precision),
            )
        )
    before = sum(r.before or 0 for r in results)
    after = sum(r.causes for r in results)
    true = sum(r.true for r in results)
    false = sum(r.false for r in results)
    precision = true / (true + false) if true + false else None
    rows.append(
        (
            "total",
            str(before),
            str(after),
            str(sum(r.occurrences for r in results)),
            str(sum(len(r.top) for r in results)),
            str(true),
            str(false),
            str(sum(len(r.unlabelled) for r in results)),
            _ratio(precision),
        )
    )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    reduction = 1 - after / before if before else None
    lines.append("")
    lines.append(
        f"precision on critical+high: {_ratio(precision)} (goal >= {GOAL_PRECISION}); "
        f"findings {before} -> {after} causes: {_ratio(reduction)} fewer "
        f"(goal >= {GOAL_REDUCTION})"
    )
    for r in results:
        for key in r.unlabelled:
            lines.append(f"unlabelled: {r.name} {key}")
        for key in r.lost:
            lines.append(f"LOST (labelled true, no longer reported): {r.name} {key}")
    if not any(r.lost for r in results):
        lines.append("no labelled true problem is lost")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, measure every repository, print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a folder of unpacked git repositories")
    parser.add_argument("--labels", type=Path, default=HERE / "realworld_labels.tsv")
    parser.add_argument("--before", type=Path, default=HERE / "realworld_before.tsv")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    labels = {(r["repo"], r["fingerprint"]): r["label"] for r in _rows(args.labels)}
    before = {r["repo"]: int(r["findings"]) for r in _rows(args.before)}
    repos = sorted(p for p in args.folder.iterdir() if (p / ".git").exists())
    if not repos:
        parser.error(f"{args.folder} holds no git repositories")
    results = [measure(repo, labels, before) for repo in repos]
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "repo": r.name,
                        "before": r.before,
                        "causes": r.causes,
                        "occurrences": r.occurrences,
                        "critical_high": len(r.top),
                        "true": r.true,
                        "false": r.false,
                        "unlabelled": r.unlabelled,
                        "lost": r.lost,
                        "precision": r.precision,
                    }
                    for r in results
                ],
                indent=2,
            )
        )
    else:
        sys.stdout.write(report(results))
    return 1 if any(r.unlabelled or r.lost for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
