"""Offline verification speed and verdicts over the 75 Sigstore cases of tests/data.

    python benchmarks/provenance_verify.py [--runs 3]

The 70 sigstore-conformance bundle-verification cases plus the five real-world bundles
of MANIFEST.json, each verified in-process (trusted root loaded per case, as the CLI
does). Prints the verdict count, how many invalid bundles were accepted, and the median
wall time of a full pass and per case.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.provenance.test_conformance import (  # noqa: E402
    ALL,
    _real_bundle_verdicts,
    run_case,
)


def one_pass() -> tuple[int, int, float]:
    start = time.perf_counter()
    correct = 0
    accepted_invalid = 0
    for case in ALL:
        accepted, _ = run_case(case)
        invalid = case.name.endswith("_fail")
        correct += accepted != invalid
        accepted_invalid += accepted and invalid
    correct += sum(_real_bundle_verdicts())
    return correct, accepted_invalid, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    import sigstore.verify  # noqa: F401 - import cost is not part of the figure

    times = []
    for _ in range(args.runs):
        correct, accepted_invalid, elapsed = one_pass()
        times.append(elapsed)
    total = len(ALL) + 5
    median = statistics.median(times)
    print(f"cases: {total} (conformance {len(ALL)} + 5 real bundles)")
    print(f"correct verdicts: {correct}/{total} (sigstore-python 4.5.1: 70/75)")
    print(f"invalid bundles accepted: {accepted_invalid}")
    per_case = 1000 * median / total
    print(f"full pass: median {median:.3f} s over {args.runs} runs; {per_case:.1f} ms per case")


if __name__ == "__main__":
    main()
