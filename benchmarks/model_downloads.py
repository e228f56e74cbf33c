"""Recall and false positives of ``unpinned-model-download`` on real repositories, and
the time of ``chainward check`` on each.

Usage::

    python benchmarks/model_downloads.py DIR [--no-timing] [--json]

``DIR`` holds the unpacked repositories of the development corpus, one folder per
repository named ``OWNER+NAME`` (each ``git init`` + ``git add -A`` + committed, as
``chainward check`` reads git). The truth set is ``benchmarks/data/model_downloads_truth.tsv``:
every hub download call site in the scoped paths, labelled by reading it in context
(unpinned, variable-unknown, local-path, pinned, not-a-download).

Per repository it reports: recall (unpinned sites with a finding / unpinned sites), false
positives (findings on local-path, pinned or not-a-download sites), findings on
variable-unknown sites, and findings in scope on lines the truth set does not list. With
timing on, it also runs ``chainward check --offline`` (every family) and the models
family alone, and prints the wall time of each (best of three).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

TRUTH = Path(__file__).with_name("data") / "model_downloads_truth.tsv"
CHECKS = "unpinned-model-download,model-revision-mismatch"
# Repositories the detector was tuned on during development; the others are held out.
DEVELOPMENT = {"EleutherAI+lm-evaluation-harness", "huggingface+peft", "microsoft+LoRA"}


def load_truth() -> tuple[dict[str, dict[tuple[str, int], str]], dict[str, list[str]]]:
    labels: dict[str, dict[tuple[str, int], str]] = defaultdict(dict)
    scopes: dict[str, list[str]] = {}
    for raw in TRUTH.read_text(encoding="utf-8").splitlines():
        if raw.startswith("# scope\t"):
            _, repo, prefixes = raw.split("\t")
            scopes[repo] = [] if prefixes == "*" else prefixes.split()
            continue
        if not raw or raw.startswith(("#", "repo\t")):
            continue
        repo, path, line, label, _note = raw.split("\t", 4)
        labels[repo][(path, int(line))] = label
    return labels, scopes


def run(argv: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, proc


def findings(repo: Path) -> list[dict[str, object]]:
    argv = [sys.executable, "-m", "chainward", "check", "--offline", "--exit-zero"]
    _, proc = run([*argv, "--select", CHECKS, "--format", "json", "."], repo)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{repo.name}: chainward failed: {proc.stderr[-2000:]}")
    data = json.loads(proc.stdout)
    return [f for f in data["findings"] if f["check_id"] == "unpinned-model-download"]


def best_time(argv: list[str], cwd: Path, runs: int = 3) -> float:
    return min(run(argv, cwd)[0] for _ in range(runs))


def in_scope(path: str, prefixes: list[str]) -> bool:
    return not prefixes or any(path.startswith(p) for p in prefixes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="folder of unpacked OWNER+NAME repositories")
    parser.add_argument("--no-timing", action="store_true", help="skip the timing runs")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    labels, scopes = load_truth()
    out: list[dict[str, object]] = []
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for repo_name in sorted(labels):
        repo = args.folder / repo_name
        if not repo.is_dir():
            print(f"{repo_name}: not found under {args.folder}, skipped", file=sys.stderr)
            continue
        truth = labels[repo_name]
        found = {(str(f["path"]), int(str(f["line"]))) for f in findings(repo)}
        found = {k for k in found if in_scope(k[0], scopes.get(repo_name, []))}
        unpinned = {k for k, v in truth.items() if v == "unpinned"}
        wrong = {k for k in found if truth.get(k) in ("local-path", "pinned", "not-a-download")}
        row: dict[str, object] = {
            "repo": repo_name,
            "split": "development" if repo_name in DEVELOPMENT else "held-out",
            "unpinned": len(unpinned),
            "found": len(unpinned & found),
            "recall": round(len(unpinned & found) / len(unpinned), 3) if unpinned else None,
            "false_positives": len(wrong),
            "on_variable_unknown": sum(1 for k in found if truth.get(k) == "variable-unknown"),
            "unlabelled_findings": len([k for k in found if k not in truth]),
            "missed": sorted(f"{p}:{n}" for p, n in unpinned - found),
            "false_positive_sites": sorted(f"{p}:{n}" for p, n in wrong),
        }
        if not args.no_timing:
            base = [sys.executable, "-m", "chainward", "check", "--offline", "-q", "--exit-zero"]
            row["check_seconds"] = round(best_time([*base, "."], repo), 2)
            row["downloads_seconds"] = round(best_time([*base, "--select", CHECKS, "."], repo), 2)
        out.append(row)
        for key in ("unpinned", "found", "false_positives"):
            totals[str(row["split"])][key] += int(str(row[key]))
    if args.json:
        print(json.dumps({"repos": out, "totals": totals}, indent=2))
        return 0
    for row in out:
        timing = ""
        if "check_seconds" in row:
            timing = f"  check {row['check_seconds']}s (downloads {row['downloads_seconds']}s)"
        print(
            f"{row['repo']:<36} [{row['split']}] recall {row['found']}/{row['unpinned']} "
            f"= {row['recall']}  false positives {row['false_positives']}  "
            f"on variable-unknown {row['on_variable_unknown']}  "
            f"unlabelled {row['unlabelled_findings']}{timing}"
        )
        for site in row["missed"]:  # type: ignore[attr-defined]
            print(f"    missed {site}")
        for site in row["false_positive_sites"]:  # type: ignore[attr-defined]
            print(f"    false positive {site}")
    for split, total in sorted(totals.items()):
        recall = total["found"] / total["unpinned"] if total["unpinned"] else 0.0
        print(
            f"{split}: recall {total['found']}/{total['unpinned']} = {recall:.3f}, "
            f"false positives {total['false_positives']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
