"""Whole-process wall time of the all-in-one ``chainward`` hook's entry against
pre-commit-hooks' ``check-yaml`` on the same staged files, side by side in one run.

    python benchmarks/startup.py [--runs 15] [--goal 1.5]

The small change is five workflows and an action.yml (the files check-yaml reads, so
both commands get the same files). Each round runs every command once, in turn, so that
load from other processes falls on all of them alike; the table gives each command's
median over ``--runs`` rounds (after one warm-up round) and its ratio to check-yaml.
The entry is read from ``.pre-commit-hooks.yaml`` (the ``chainward`` hook), as
pre-commit would run it. Bytecode is compiled first, as pip does when it installs a
hook environment (an editable install under ``PYTHONDONTWRITEBYTECODE`` would otherwise
compile every module on every run). Other rows, for reference: ``python -c pass``, a mixed
change (a workflow, a requirements file, a Python file, a Dockerfile) that check-yaml
cannot read, and each per-check commit-time hook of the base install on the same files
(their sum is what a repository listing them all pays for one commit).

Exit code 1 when the ratio is above ``--goal``.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

WORKFLOW = """\
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@{sha} # v4
      - run: echo build
"""
MIXED = {
    ".github/workflows/train.yml": WORKFLOW.format(sha="b" * 40),
    "requirements.txt": "torch==2.3.1 --hash=sha256:" + "0" * 64 + "\n",
    "train.py": 'from transformers import AutoModel\n\nmodel = AutoModel.from_pretrained("gpt2")\n',
    "Dockerfile": "FROM python:3.12-slim@sha256:" + "1" * 64 + "\nRUN echo hi\n",
}


def make_repo(root: Path) -> tuple[list[str], list[str]]:
    """A small repository; the YAML change and the mixed change, staged."""
    subprocess.run(("git", "init", "-q", str(root)), check=True)
    files = []
    for i in range(5):
        rel = f".github/workflows/wf{i}.yml"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(WORKFLOW.format(sha="a" * 40))
        files.append(rel)
    (root / "action.yml").write_text("runs:\n  using: composite\n  steps: []\n")
    files.append("action.yml")
    for rel, text in MIXED.items():
        (root / rel).write_text(text)
    subprocess.run(("git", "add", "-A"), cwd=root, check=True)
    return files, list(MIXED)


def manifest() -> list[dict[str, object]]:
    """The hooks of .pre-commit-hooks.yaml."""
    hooks: list[dict[str, object]] = yaml.safe_load(
        (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    )
    return hooks


def hook_entry(hook_id: str) -> list[str]:
    """The manifest's entry of a hook, split as pre-commit splits it."""
    for hook in manifest():
        if hook["id"] == hook_id:
            return shlex.split(str(hook["entry"]))
    raise SystemExit(f"no hook {hook_id!r} in .pre-commit-hooks.yaml")


def per_check_hooks() -> list[tuple[str, list[str], bool]]:
    """(id, entry, pass_filenames) of each per-check commit-time hook of the base install."""
    return [
        (str(h["id"]), shlex.split(str(h["entry"])), bool(h.get("pass_filenames", True)))
        for h in manifest()
        if h["id"] != "chainward"
        and "pre-commit" in h["stages"]  # type: ignore[operator]
        and not h.get("additional_dependencies")
    ]


def compile_bytecode(env: dict[str, str]) -> None:
    """Compile chainward's modules, as a pip install does (editable installs do not)."""
    probe = "import chainward, os; print(os.path.dirname(chainward.__file__))"
    package = subprocess.run(
        (sys.executable, "-c", probe), capture_output=True, text=True, check=True, env=env
    ).stdout.strip()
    subprocess.run((sys.executable, "-m", "compileall", "-q", package), check=True, env=env)


def median_times(
    rows: dict[str, list[str]], cwd: Path, runs: int, env: dict[str, str]
) -> dict[str, float]:
    """Median seconds of each command over ``runs`` interleaved rounds (after a warm-up)."""
    times: dict[str, list[float]] = {name: [] for name in rows}
    for round_no in range(runs + 1):
        names = list(rows)
        # Rotate the order so no command always follows the same one.
        names = names[round_no % len(names) :] + names[: round_no % len(names)]
        for name in names:
            start = time.perf_counter()
            subprocess.run(rows[name], cwd=cwd, capture_output=True, check=False, env=env)
            if round_no:
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15, help="rounds (median of these)")
    parser.add_argument("--goal", type=float, default=1.5, help="highest acceptable ratio")
    args = parser.parse_args()
    bindir = Path(sys.executable).parent
    check_yaml = shutil.which("check-yaml", path=str(bindir))
    if check_yaml is None:
        print("check-yaml not found: pip install pre-commit-hooks to compare", file=sys.stderr)
        return 2
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    compile_bytecode(env)

    def chainward(entry: list[str]) -> list[str]:
        found = shutil.which(entry[0], path=str(bindir)) or entry[0]
        return [found, *entry[1:]]

    hook = chainward(hook_entry("chainward"))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files, mixed = make_repo(root)
        rows = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "check-yaml FILES (pre-commit-hooks)": [check_yaml, *files],
            "chainward hook FILES (all checks)": [*hook, *files],
            "chainward hook, mixed change": [*hook, *mixed],
        }
        for hook_id, entry, pass_filenames in per_check_hooks():
            rows[f"{hook_id} hook FILES"] = [*chainward(entry), *(files if pass_filenames else ())]
        results = median_times(rows, root, args.runs, env)
    base = results["check-yaml FILES (pre-commit-hooks)"]
    print(f"median of {args.runs} interleaved rounds; entry: {shlex.join(hook_entry('chainward'))}")
    print(f"{'command':<40} {'median ms':>10} {'x check-yaml':>13}")
    for name, seconds in results.items():
        print(f"{name:<40} {seconds * 1000:>10.1f} {seconds / base:>13.2f}")
    per_check = sum(v for k, v in results.items() if k.endswith(" hook FILES"))
    print(f"{'per-check hooks FILES, sum':<40} {per_check * 1000:>10.1f} {per_check / base:>13.2f}")
    ratio = results["chainward hook FILES (all checks)"] / base
    verdict = "meets" if ratio <= args.goal else "misses"
    print(f"chainward hook / check-yaml = {ratio:.2f} ({verdict} the goal of {args.goal})")
    return 0 if ratio <= args.goal else 1


if __name__ == "__main__":
    raise SystemExit(main())
