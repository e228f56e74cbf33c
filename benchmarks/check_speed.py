"""Wall time of `chainward check DIR --offline` per repository (issue 16: ≤ 2 s each).

    python benchmarks/check_speed.py DIR [DIR ...] [--runs 3]

Each run is a fresh process (start-up included), output discarded; the table shows the
median of ``--runs`` runs, the fastest, the median CPU time, and the number of findings
of the last run. The real repositories of the issue are unpacked from
``realworld/*.tar.gz`` into a temp dir and committed once (``git init``) before timing.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path


def time_check(repo: Path, runs: int) -> tuple[list[float], list[float], int]:
    """Wall and CPU (user + system) times of ``runs`` check runs, and the finding count
    of the last one. CPU time is the steadier figure on a shared machine."""
    times: list[float] = []
    cpu: list[float] = []
    count = 0
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
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
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{repo}: exit {proc.returncode}\n{proc.stderr.decode()[-2000:]}")
        count = len(json.loads(proc.stdout)["findings"])
    return times, cpu, count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"{'repository':<40} {'median s':>9} {'min s':>7} {'cpu s':>7} {'findings':>9}")
    worst = 0.0
    for repo in args.dirs:
        times, cpu, count = time_check(repo, args.runs)
        median = statistics.median(times)
        worst = max(worst, median)
        line = f"{median:>9.2f} {min(times):>7.2f} {statistics.median(cpu):>7.2f} {count:>9}"
        print(f"{repo.name:<40} {line}")
    print(f"slowest median: {worst:.2f} s (goal ≤ 2 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
