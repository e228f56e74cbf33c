"""Whole-process start-up of ``chainward check`` against ``python -c pass`` and the
``check-yaml`` hook of pre-commit-hooks, on the same small repository.

    python benchmarks/startup.py [--runs 30]

Prints the median wall time of each command and the ratios.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORKFLOW = """\
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@{sha} # v4
      - run: echo build
"""


def make_repo(root: Path) -> list[str]:
    """A small repository: a few workflows and a requirements file."""
    subprocess.run(("git", "init", "-q", str(root)), check=True)
    files = []
    for i in range(5):
        rel = f".github/workflows/wf{i}.yml"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(WORKFLOW.format(sha="a" * 40))
        files.append(rel)
    (root / "action.yml").write_text("runs:\n  using: composite\n  steps: []\n")
    files.append("action.yml")
    subprocess.run(("git", "add", "-A"), cwd=root, check=True)
    return files


def median_time(argv: list[str], cwd: Path, runs: int) -> float:
    """Median seconds of ``runs`` whole-process runs (after one warm-up)."""
    subprocess.run(argv, cwd=cwd, capture_output=True, check=False)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, cwd=cwd, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    bindir = Path(sys.executable).parent
    chainward = shutil.which("chainward", path=str(bindir)) or "chainward"
    check_yaml = shutil.which("check-yaml", path=str(bindir))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = make_repo(root)
        rows = [
            ("python -c pass", [sys.executable, "-c", "pass"]),
            ("chainward check (repo)", [chainward, "check", "--select", "unpinned-action"]),
            ("chainward check FILES", [chainward, "check", "--select", "unpinned-action", *files]),
        ]
        if check_yaml:
            rows.append(("check-yaml FILES (pre-commit-hooks)", [check_yaml, *files]))
        else:
            print("check-yaml not found: pip install pre-commit-hooks to compare", file=sys.stderr)
        results = {name: median_time(argv, root, args.runs) for name, argv in rows}
    base = results["python -c pass"]
    print(f"{'command':<40} {'median ms':>10} {'x python':>9}")
    for name, seconds in results.items():
        print(f"{name:<40} {seconds * 1000:>10.1f} {seconds / base:>9.2f}")
    if check_yaml:
        ratio = results["chainward check FILES"] / results["check-yaml FILES (pre-commit-hooks)"]
        print(f"chainward check FILES / check-yaml FILES = {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
