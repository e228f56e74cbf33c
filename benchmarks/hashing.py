"""Hashing throughput of ``chainward models lock/verify`` on 2 GiB in 4 files.

    python benchmarks/hashing.py [--total-mib 2048] [--files 4] [--runs 3]

Builds the files in a temporary folder and reads them once so that every measurement
sees the same warm page cache (the comparison is of hashing, not of the disk). Then:

1. single-stream ``hashlib``: one thread hashing one file, the better of
   ``hashlib.file_digest`` and ``readinto`` on a 1 MiB buffer;
2. chainward's first pass (``hash_files`` with an empty stat cache), one thread per
   core, as ``chainward models lock``/``verify`` run it;
3. model-signing 1.1.1's hashing of the same directory (file serialization, sha256);
4. an unchanged re-verify: load ``chainward.lock`` and the stat cache from disk, and
   verify every file (no file is read);
5. the same through the CLI in a new process (start-up included, for information).

Targets: (2) >= 0.95 x (1) x cores used; (2) >= (3); (4) < 50 ms. Prints the figures
and exits 1 when a target is missed. Best of ``--runs`` for each timing, rounds
interleaved. The per-CPU-second figures show the cost of each approach whatever else
runs; on a shared, busy machine pass ``--high-priority`` (root: nice -20 for this
process and its scheduler autogroup) so that the wall figures measure the code, not the
neighbours.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from chainward.inventory.model_lock import LockedFile, LockedModel, ModelLock, dump_lock, load_lock
from chainward.models.hashing import (
    StatCache,
    default_cache_path,
    default_workers,
    hash_files,
)
from chainward.models.verify import verify_lock

MIB = 1 << 20


def build(folder: Path, total_mib: int, count: int) -> list[Path]:
    block = os.urandom(64 * MIB)
    size = total_mib * MIB // count
    paths = []
    for index in range(count):
        path = folder / "model" / f"model-{index:05d}-of-{count:05d}.safetensors"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            left = size
            while left:
                chunk = block[: min(left, len(block))]
                handle.write(bytes([index]) + chunk[1:])
                left -= len(chunk)
        paths.append(path)
    return paths


def file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def readinto(path: Path) -> str:
    digest = hashlib.sha256()
    view = memoryview(bytearray(MIB))
    with path.open("rb", buffering=0) as handle:
        while read := handle.readinto(view):
            digest.update(view[:read])
    return digest.hexdigest()


def warm(paths: list[Path]) -> None:
    buffer = bytearray(8 * MIB)
    for path in paths:
        with path.open("rb", buffering=0) as handle:
            while handle.readinto(buffer):
                pass


def timed(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def timed_cpu(func: Callable[[], object]) -> tuple[float, float]:
    """Wall seconds and CPU seconds of this process (all threads)."""
    wall, cpu = time.perf_counter(), time.process_time()
    func()
    return time.perf_counter() - wall, time.process_time() - cpu


def best(runs: int, func: Callable[[], object]) -> float:
    return min(timed(func) for _ in range(runs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total-mib", type=int, default=2048)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--high-priority", action="store_true", help="nice -20 (needs root), for busy machines"
    )
    args = parser.parse_args()
    if args.high_priority:
        os.nice(-20 - os.nice(0))
        with contextlib.suppress(OSError):
            Path("/proc/self/autogroup").write_text("-20")

    load_before = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="chainward-bench-") as tmp:
        root = Path(tmp)
        (root / ".git").mkdir()  # the stat cache goes under .git/ as in a real repository
        print(f"building {args.files} files, {args.total_mib} MiB in total ...", flush=True)
        paths = build(root, args.total_mib, args.files)
        total = sum(p.stat().st_size for p in paths)
        warm(paths)
        time.sleep(0.3)  # let the files age past the racy-clean window
        workers = min(default_workers(len(paths)), os.cpu_count() or 1)  # cores used
        threads = default_workers(len(paths))

        from model_signing import hashing as ms_hashing

        def first_pass() -> None:
            hash_files(paths, cache=StatCache(None))

        def model_signing_pass() -> None:
            ms_hashing.Config().use_file_serialization(hashing_algorithm="sha256").hash(
                root / "model"
            )

        # Interleaved rounds, best of each: the machine may be shared, so every
        # contender sees the same background load.
        single = ours = theirs = float("inf")
        single_cpu = ours_cpu = theirs_cpu = float("inf")
        for _ in range(args.runs):
            # The stronger of two single-stream baselines: hashlib.file_digest, and
            # readinto on a 1 MiB buffer feeding hashlib.
            for baseline in (file_digest, readinto):
                wall, cpu = timed_cpu(lambda b=baseline: b(paths[0]))  # type: ignore[misc]
                single, single_cpu = min(single, wall), min(single_cpu, cpu)
            wall, cpu = timed_cpu(first_pass)
            ours, ours_cpu = min(ours, wall), min(ours_cpu, cpu)
            wall, cpu = timed_cpu(model_signing_pass)
            theirs, theirs_cpu = min(theirs, wall), min(theirs_cpu, cpu)
        single_mibs = paths[0].stat().st_size / MIB / single
        ours_mibs = total / MIB / ours
        theirs_mibs = total / MIB / theirs
        # Per CPU-second: what each approach costs, whatever else the machine runs.
        single_cpu_mibs = paths[0].stat().st_size / MIB / single_cpu
        ours_cpu_mibs = total / MIB / ours_cpu
        theirs_cpu_mibs = total / MIB / theirs_cpu

        # Lock once (fills the cache on disk), then re-verify from a fresh load.
        cache = StatCache.load(default_cache_path(root))
        digests = hash_files(paths, cache=cache)
        cache.save()
        files = tuple(
            LockedFile(p.relative_to(root).as_posix(), d.size, d.sha256)
            for p, d in sorted(digests.items())
        )
        lock_text = dump_lock(
            ModelLock((LockedModel("bench", "local", None, files, path="model"),))
        )
        (root / "chainward.lock").write_text(lock_text)

        findings: list[object] = []

        def reverify() -> None:
            lock = load_lock(root / "chainward.lock")
            result = verify_lock(
                root, lock, lock_text=lock_text, cache=StatCache.load(default_cache_path(root))
            )
            findings.extend(result.findings)
            assert result.stats.hashed_files == 0, "the cache did not serve every file"

        again = best(max(args.runs, 5), reverify)
        assert not findings

        def cli() -> None:
            subprocess.run(
                (sys.executable, "-m", "chainward", "models", "verify", "-q"),
                cwd=root,
                check=True,
                capture_output=True,
            )

        cli_time = best(args.runs, cli)

        reference = hashlib.sha256(paths[0].read_bytes()).hexdigest()
        assert reference == digests[paths[0]].sha256

    target_parallel = 0.95 * single_mibs * workers
    rows = [
        ("single-stream hashlib (best of file_digest/readinto)", f"{single_mibs:8.0f} MiB/s", ""),
        (
            f"chainward first pass ({len(paths)} files, {threads} threads)",
            f"{ours_mibs:8.0f} MiB/s",
            f"target >= {target_parallel:.0f} MiB/s (0.95 x {single_mibs:.0f} x {workers})",
        ),
        ("model-signing 1.1.1 hashing, same directory", f"{theirs_mibs:8.0f} MiB/s", ""),
        ("unchanged re-verify (in process)", f"{again * 1000:8.1f} ms", "target < 50 ms"),
        ("unchanged `chainward models verify` (new process)", f"{cli_time * 1000:8.1f} ms", "info"),
    ]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\n{total / MIB:.0f} MiB in {len(paths)} files, cpu_count={os.cpu_count()}, "
        f"cores used={workers}, nice={os.nice(0)}, load average before/after: "
        f"{load_before} / {load}"
    )
    for name, value, note in rows:
        print(f"  {name:<52} {value}  {note}")
    print("  per CPU-second (all threads), the cost whatever the machine's load:")
    print(f"    single-stream hashlib {single_cpu_mibs:8.0f} MiB/cpu-s")
    print(
        f"    chainward first pass  {ours_cpu_mibs:8.0f} MiB/cpu-s "
        f"({ours_cpu_mibs / single_cpu_mibs:.2f} x single-stream; "
        f"{ours_cpu / ours:.2f} cores busy on average)"
    )
    print(f"    model-signing 1.1.1   {theirs_cpu_mibs:8.0f} MiB/cpu-s")
    ok = True
    checks = [
        (ours_mibs >= target_parallel, "first pass >= 0.95 x single-stream x cores"),
        (ours_mibs >= theirs_mibs, "first pass >= model-signing"),
        (again < 0.050, "unchanged re-verify < 50 ms"),
    ]
    for passed, label in checks:
        print(f"  [{'ok' if passed else 'MISSED'}] {label}")
        ok = ok and passed
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
