"""`chainward init` on real repositories: what it decides, and findings before/after.

Usage: python benchmarks/init_realworld.py DIR [DIR ...]

Each DIR is an unpacked repository (a git work tree; see the project's real-world corpus
README for how to unpack one). The repository is copied to a temp dir, `chainward check`
runs before and after `chainward init` there, and the findings are counted per check.
Nothing is written into DIR.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path


def _check(repo: Path) -> Counter[str]:
    proc = subprocess.run(
        (sys.executable, "-m", "chainward", "check", "--format", "json", "--exit-zero"),
        cwd=repo,
        capture_output=True,
        check=False,
    )
    findings = json.loads(proc.stdout)["findings"]
    return Counter(f["check_id"] for f in findings)


def measure(source: Path) -> dict[str, object]:
    """Counts before and after init, init's decisions, and how long init took."""
    with tempfile.TemporaryDirectory(prefix="chainward-init-") as tmp:
        repo = Path(tmp) / source.name
        shutil.copytree(source, repo, symlinks=True)
        (repo / "chainward.toml").unlink(missing_ok=True)
        before = _check(repo)
        started = time.perf_counter()
        init = subprocess.run(
            (sys.executable, "-m", "chainward", "init"),
            cwd=repo,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        after = _check(repo)
        commits = subprocess.run(
            (sys.executable, "-m", "chainward", "commits", "--all", "--format", "json"),
            cwd=repo,
            capture_output=True,
            check=False,
        )
    decided = [line.strip() for line in init.stdout.splitlines() if line.startswith("  [")]
    return {
        "repo": source.name,
        "init_exit": init.returncode,
        "init_seconds": round(seconds, 2),
        "decisions": decided,
        "findings_before": sum(before.values()),
        "findings_after": sum(after.values()),
        "changed": {
            k: [before[k], after[k]]
            for k in sorted(set(before) | set(after))
            if before[k] != after[k]
        },
        "commit_findings_after_init": len(json.loads(commits.stdout)["findings"]),
    }


def main(argv: list[str]) -> int:
    """Measure every repository given and print one JSON object per line."""
    if not argv:
        print(__doc__)
        return 2
    for arg in argv:
        print(json.dumps(measure(Path(arg))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
