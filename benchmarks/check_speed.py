"""Wall time of `chainward check DIR --offline` per repository (issue 16: ≤ 2 s each).

    python benchmarks/check_speed.py DIR [DIR ...] [--runs 3]

Each run is a fresh process (start-up included), output discarded; the table shows the
median of ``--runs`` runs, the fastest, and the number of findings of the last run.
The real repositories of the issue are unpacked from ``realworld/*.tar.gz`` into a temp
dir and committed once (``git init``), as the brief says.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path


def time_check(repo: Path, runs: int) -> tuple[list[float], int]:
    """Wall times of ``runs`` check runs and the finding count of the last one."""
    times: list[float] = []
    count = 0
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "chainward",
                "check",
                str(repo),
                "--offline",
                "--format",
                "json",
            ],
            capture_output=True,
            check=False,
        )
        times.append(time.perf_counter() - start)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{repo}: exit {proc.returncode}\n{proc.stderr.decode()[-2000:]}")
        count = len(json.loads(proc.stdout)["findings"])
    return times, count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"{'repository':<40} {'median s':>9} {'min s':>7} {'findings':>9}")
    worst = 0.0
    for repo in args.dirs:
        times, count = time_check(repo, args.runs)
        median = statistics.median(times)
        worst = max(worst, median)
        print(f"{repo.name:<40} {median:>9.2f} {min(times):>7.2f} {count:>9}")
    print(f"slowest median: {worst:.2f} s (goal ≤ 2 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
