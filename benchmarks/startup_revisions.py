"""Whole-process wall time of the all-in-one hook at several git revisions, side by side
with pre-commit-hooks' ``check-yaml``, on the small change of ``benchmarks/startup.py``.

    python benchmarks/startup_revisions.py [REV ...] [--runs 15]

Each revision's ``src`` is exported (``git archive``) to a temporary folder and its
bytecode compiled; the hook runs as ``chainward.cli.run`` with that folder first on
``PYTHONPATH``, in this checkout's environment (so a revision that needs other
dependencies is not comparable). ``WORKTREE`` stands for the files as they are now.
Each round runs every command once, in a rotating order; the table gives each median
and its ratio to check-yaml. Default revisions: ``main`` and ``WORKTREE``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

from startup import ROOT, make_repo, median_times

WORKTREE = "WORKTREE"
HOOK = "from chainward.cli import run; run()"


def export_src(rev: str, dest: Path) -> Path:
    """The ``src`` folder of ``rev`` (or of the working tree), with compiled bytecode."""
    if rev == WORKTREE:
        shutil.copytree(ROOT / "src", dest / "src", ignore=shutil.ignore_patterns("__pycache__"))
    else:
        command = ("git", "archive", "--format=tar", rev, "src")
        archive = subprocess.run(command, cwd=ROOT, capture_output=True, check=True).stdout
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(dest, filter="data")
    src = dest / "src"
    subprocess.run((sys.executable, "-m", "compileall", "-q", str(src)), check=True)
    return src


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("revs", nargs="*", default=["main", WORKTREE], help="git revisions")
    parser.add_argument("--runs", type=int, default=15, help="rounds (median of these)")
    args = parser.parse_args()
    check_yaml = shutil.which("check-yaml", path=str(Path(sys.executable).parent))
    if check_yaml is None:
        print("check-yaml not found: pip install pre-commit-hooks to compare", file=sys.stderr)
        return 2
    base_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files, _ = make_repo(root / "repo")
        srcs = {rev: export_src(rev, root / f"rev{i}") for i, rev in enumerate(args.revs)}
        # One command line per revision; the revision's src goes on PYTHONPATH through a
        # tiny launcher, as median_times runs every row with one environment.
        rows = {"check-yaml FILES (pre-commit-hooks)": [check_yaml, *files]}
        for rev, src in srcs.items():
            launcher = f"import sys; sys.path.insert(0, {str(src)!r}); {HOOK}"
            rows[f"chainward hook at {rev}"] = [sys.executable, "-c", launcher, "check", *files]
        results = median_times(rows, root / "repo", args.runs, base_env)
    base = results["check-yaml FILES (pre-commit-hooks)"]
    print(f"median of {args.runs} interleaved rounds")
    print(f"{'command':<40} {'median ms':>10} {'x check-yaml':>13}")
    for name, seconds in results.items():
        print(f"{name:<40} {seconds * 1000:>10.1f} {seconds / base:>13.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
