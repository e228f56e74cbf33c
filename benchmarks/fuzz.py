"""Long fuzzing runs of every chainward parser, for use outside CI.

CI runs the same properties (``tests/hostile/test_hostile_properties.py``) with a
small, derandomized number of examples. This script runs many random examples per
target, each target in a forked child with an address-space budget and a deadline,
and prints the examples run, the time and any failure per parser.

    python benchmarks/fuzz.py                    # 2,000 examples per target
    python benchmarks/fuzz.py -n 20000 yaml toml  # more, for some targets
    python benchmarks/fuzz.py --list

Exit status: 0 when every target survived, 1 otherwise.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

HOSTILE_TESTS = Path(__file__).resolve().parent.parent / "tests" / "hostile"
sys.path.insert(0, str(HOSTILE_TESTS))

from hostile_support import run_isolated  # noqa: E402 - found through the path above
from hostile_targets import fuzz, load_targets  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Fuzz the chosen targets and print a table of examples and failures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="*", help="target names (default: all)")
    parser.add_argument("-n", "--examples", type=int, default=2000, help="examples per target")
    parser.add_argument(
        "--timeout", type=float, default=1800, help="seconds per target before it counts as a hang"
    )
    parser.add_argument("--memory-mb", type=int, default=1536, help="address-space budget")
    parser.add_argument(
        "--derandomize", action="store_true", help="the CI seed instead of fresh random data"
    )
    parser.add_argument("--list", action="store_true", help="list the targets and exit")
    args = parser.parse_args(argv)

    targets, missing = load_targets()
    if args.list:
        for name in sorted(targets):
            print(name)
        for name, why in sorted(missing.items()):
            print(f"{name} (unavailable: {why})")
        return 0
    chosen = args.targets or sorted(targets)
    unknown = [t for t in chosen if t not in targets]
    if unknown:
        parser.error(f"unknown or unavailable targets: {', '.join(unknown)}")

    failed = 0
    total = 0
    print(f"{'target':34} {'examples':>9} {'seconds':>8} {'per sec':>8}  result")
    for name in chosen:
        target = targets[name]

        def body(target: object = target) -> int:
            ran = fuzz(target, args.examples, derandomize=args.derandomize)  # type: ignore[arg-type]
            print(f"examples={ran}")
            return 0

        outcome = run_isolated(body, timeout=args.timeout, memory_mb=args.memory_mb)
        match = re.search(r"examples=(\d+)", outcome.out)
        ran = int(match.group(1)) if match else 0
        ok = outcome.code == 0 and not outcome.timed_out
        total += ran
        rate = ran / outcome.seconds if outcome.seconds else 0.0
        result = "ok" if ok else "FAILED"
        print(f"{name:34} {ran:9d} {outcome.seconds:8.1f} {rate:8.0f}  {result}", flush=True)
        if not ok:
            failed += 1
            print(outcome.describe(), file=sys.stderr)
    print(f"{len(chosen)} targets, {total} examples, {failed} failed")
    for name, why in sorted(missing.items()):
        print(f"skipped {name}: {why}")
    return 1 if failed else 0


if __name__ == "__main__":
    start = time.monotonic()
    code = main()
    print(f"total {time.monotonic() - start:.0f}s")
    raise SystemExit(code)
