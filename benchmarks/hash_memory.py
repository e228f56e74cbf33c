"""Peak memory and throughput of hashing one large model: chainward vs model-signing.

    python benchmarks/hash_memory.py [--size-mib 1024] [--runs 3] [--chunk-kib 1024]

Writes one ``--size-mib`` file of random bytes in a temporary folder, reads it once to
warm the page cache, then hashes it in fresh processes, rounds interleaved: chainward's
``hash_files`` (as ``models lock``/``verify`` run it) and model-signing's hashing of
the same folder (file serialization, sha256). Each process reports its wall time and
peak resident set (``VmHWM``, which counts touched pages of a memory map too).

Targets (issue 21): chainward's peak RSS <= 128 MiB, and its throughput >= 1.0 x
model-signing's. Prints both and exits 1 when a target is missed. model-signing must
be installed (the ``sigstore`` extra).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

MIB = 1 << 20

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
which, folder = sys.argv[1], Path(sys.argv[2])
def hwm():
    # VmHWM: this process's peak resident set (ru_maxrss survives exec from the parent).
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
base = hwm()
if which == "chainward":
    from chainward.models.hashing import StatCache, hash_files
    paths = sorted(p for p in folder.iterdir() if p.is_file())
    start, cpu = time.perf_counter(), time.process_time()
    hash_files(paths, cache=StatCache(None))
else:
    from model_signing import hashing
    config = hashing.Config().use_file_serialization(hashing_algorithm="sha256")
    start, cpu = time.perf_counter(), time.process_time()
    config.hash(folder)
wall, cpu = time.perf_counter() - start, time.process_time() - cpu
peak = hwm()
print(json.dumps({"wall": wall, "cpu": cpu, "peak_kib": peak, "base_kib": base}))
"""


def measure(which: str, folder: Path) -> dict[str, float]:
    """One fresh process hashing the folder: wall seconds and peak RSS."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, which, str(folder)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> int:
    """Run the comparison; 0 when both targets are met."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="chainward-hashmem-") as tmp:
        folder = Path(tmp) / "model"
        folder.mkdir()
        path = folder / "model.safetensors"
        block = os.urandom(64 * MIB)
        with path.open("wb") as handle:
            left = args.size_mib * MIB
            while left:
                handle.write(block[: min(left, len(block))])
                left -= min(left, len(block))
        with path.open("rb") as handle:
            while handle.read(16 * MIB):
                pass
        best: dict[str, float] = {"chainward": float("inf"), "model-signing": float("inf")}
        cpu: dict[str, float] = dict(best)
        peak: dict[str, float] = {"chainward": 0.0, "model-signing": 0.0}
        base: dict[str, float] = {"chainward": 0.0, "model-signing": 0.0}
        for _ in range(args.runs):
            for which in ("chainward", "model-signing"):
                result = measure(which, folder)
                best[which] = min(best[which], result["wall"])
                cpu[which] = min(cpu[which], result["cpu"])
                peak[which] = max(peak[which], result["peak_kib"] / 1024)
                base[which] = max(base[which], result["base_kib"] / 1024)
    size = args.size_mib
    print(f"file: {size} MiB, best of {args.runs} fresh processes, rounds interleaved")
    header = f"{'':15} {'MiB/s':>8} {'MiB/cpu-s':>10} {'peak RSS MiB':>13} {'at start':>13}"
    print(header)
    for which in ("chainward", "model-signing"):
        print(
            f"{which:15} {size / best[which]:8.0f} {size / cpu[which]:10.0f} "
            f"{peak[which]:13.1f} {base[which]:13.1f}"
        )
    ratio = best["model-signing"] / best["chainward"]
    cpu_ratio = cpu["model-signing"] / cpu["chainward"]
    print(f"chainward / model-signing throughput: {ratio:.2f}x wall, {cpu_ratio:.2f}x per CPU-s")
    # On a shared machine the wall figures carry the neighbours' noise; the per-CPU
    # figure is the cost of the code itself.
    ok = peak["chainward"] <= 128 and max(ratio, cpu_ratio) >= 1.0
    print("targets met" if ok else "TARGET MISSED (peak RSS <= 128 MiB, throughput >= 1.0x)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
