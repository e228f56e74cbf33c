"""Fast sha256 of model files: large streaming reads, files in parallel, a stat cache.

hashlib releases the GIL while it hashes, so a thread per file runs on every core, and
a large file is read by a second thread while the first hashes (three reused buffers).
The stat cache maps (device, inode, size, mtime_ns, ctime_ns) to a digest, so a file
that was not touched since it was last hashed is not read again. ctime is included
because, unlike mtime, it cannot be set back with ``os.utime`` after a same-size
rewrite. An entry is only stored when the file changed clearly before the hashing pass
began ("racily clean" files, which a second write within one timestamp tick could
change unseen, are hashed again next time, as git does for its index).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from chainward.core.atomic import write_atomic
from chainward.core.jsonsafe import loads_json

# 1 MiB reads: large enough that system calls cost nothing, small enough that the
# buffer stays in the CPU cache between the copy from the page cache and the hash.
CHUNK = 1 << 20
# Files at least this large are read and hashed in two threads at once.
PIPELINE_MIN = 8 << 20
CACHE_VERSION = 2
MAX_CACHE_BYTES = 64 << 20
# A file changed less than this long before the pass started is not cached: a second
# write within the file system's timestamp granularity would keep mtime and ctime.
# Linux file systems with nanosecond timestamps tick at most every ~10 ms; ones with
# whole-second timestamps (FAT, HFS+) need two seconds.
RACY_NS = 100_000_000
RACY_COARSE_NS = 2_000_000_000


@dataclass(frozen=True, slots=True)
class FileDigest:
    """Size in bytes and sha256 hex digest of one file."""

    size: int
    sha256: str


def sha256_file(path: Path, chunk: int = CHUNK) -> FileDigest:
    """sha256 of one file, streamed with ``readinto`` through one reusable buffer.

    Memory stays at one buffer whatever the file's size (a memory-mapped 1 GiB model
    counted 950 MiB of resident pages; issue 21), and the kernel is told the read is
    sequential so that it reads ahead.
    """
    with Path(path).open("rb", buffering=0) as handle:
        if hasattr(os, "posix_fadvise"):
            with contextlib.suppress(OSError):
                os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
        if _file_size(handle) >= PIPELINE_MIN:
            return _sha256_pipelined(handle, chunk)
        return _sha256_stream(handle, chunk)


def _file_size(handle: io.FileIO) -> int:
    try:
        return os.fstat(handle.fileno()).st_size
    except OSError:
        return 0


def _sha256_pipelined(handle: io.FileIO, chunk: int) -> FileDigest:
    """Read and hash at once: a reader thread fills one of three reused buffers while
    this thread hashes the last one (``readinto`` and ``sha256.update`` both release
    the GIL), so a large file costs max(read, hash) rather than their sum. Memory stays
    at three buffers."""
    digest = hashlib.sha256()
    free: queue.SimpleQueue[bytearray] = queue.SimpleQueue()
    full: queue.SimpleQueue[tuple[bytearray, int] | BaseException] = queue.SimpleQueue()
    for _ in range(3):
        free.put(bytearray(chunk))
    stop = threading.Event()

    def read() -> None:
        try:
            while not stop.is_set():
                buffer = free.get()
                count = handle.readinto(buffer) or 0
                full.put((buffer, count))
                if not count:
                    return
        except BaseException as exc:  # handed to the hashing thread, raised there
            full.put(exc)

    reader = threading.Thread(target=read, name="chainward-read", daemon=True)
    reader.start()
    size = 0
    try:
        while True:
            item = full.get()
            if isinstance(item, BaseException):
                raise item
            buffer, count = item
            if not count:
                break
            digest.update(memoryview(buffer)[:count])
            size += count
            free.put(buffer)
    finally:
        stop.set()
        free.put(bytearray(0))  # wake the reader if it waits for a buffer
        reader.join()
    return FileDigest(size, digest.hexdigest())


def _sha256_stream(handle: io.FileIO, chunk: int) -> FileDigest:
    digest = hashlib.sha256()
    buffer = bytearray(chunk)
    view = memoryview(buffer)
    size = 0
    while True:
        read = handle.readinto(view)
        if not read:
            break
        digest.update(view[:read])
        size += read
    return FileDigest(size, digest.hexdigest())


def default_cache_path(root: Path) -> Path:
    """``.git/chainward/hash-cache.json`` in a git work tree, else the user cache dir."""
    git_dir = root / ".git"
    if git_dir.is_dir():
        return git_dir / "chainward" / "hash-cache.json"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    key = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    return Path(base) / "chainward" / f"hash-cache-{key}.json"


@dataclass
class StatCache:
    """(device, inode, size, mtime_ns, ctime_ns) → sha256, persisted as JSON."""

    path: Path | None
    entries: dict[str, list[int | str]] = field(default_factory=dict)
    """``"dev:ino"`` → ``[size, mtime_ns, ctime_ns, sha256]``."""
    dirty: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def load(cls, path: Path | None) -> StatCache:
        """Read the cache (a missing, oversized or corrupt cache is simply empty)."""
        cache = cls(path)
        if path is None:
            return cache
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_CACHE_BYTES + 1)
            if len(data) > MAX_CACHE_BYTES:
                return cache
            document = loads_json(data)
        except (OSError, ValueError):
            return cache
        if isinstance(document, dict) and document.get("version") == CACHE_VERSION:
            entries = document.get("entries")
            if isinstance(entries, dict):
                cache.entries = entries
        return cache

    @staticmethod
    def _key(st: os.stat_result) -> str:
        return f"{st.st_dev}:{st.st_ino}"

    def get(self, st: os.stat_result) -> str | None:
        """The cached digest when device, inode, size, mtime_ns and ctime_ns all match."""
        entry = self.entries.get(self._key(st))
        if (
            isinstance(entry, list)
            and len(entry) == 4
            and entry[0] == st.st_size
            and entry[1] == st.st_mtime_ns
            and entry[2] == st.st_ctime_ns
            and isinstance(entry[3], str)
        ):
            return entry[3]
        return None

    def put(self, st: os.stat_result, digest: str, started_ns: int) -> None:
        """Remember a digest unless the file is racily clean."""
        changed = max(st.st_mtime_ns, st.st_ctime_ns)
        coarse = st.st_mtime_ns % 1_000_000_000 == 0 and st.st_ctime_ns % 1_000_000_000 == 0
        if changed > started_ns - (RACY_COARSE_NS if coarse else RACY_NS):
            return
        with self._lock:
            self.entries[self._key(st)] = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, digest]
            self.dirty = True

    def save(self) -> None:
        """Write the cache atomically (errors are ignored: a cache is optional)."""
        if self.path is None or not self.dirty:
            return
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            payload = json.dumps(
                {"version": CACHE_VERSION, "entries": self.entries}, separators=(",", ":")
            )
            write_atomic(self.path, payload)
            self.dirty = False


@dataclass
class HashStats:
    """What a hashing pass did: files and bytes read, files served by the cache."""

    hashed_files: int = 0
    hashed_bytes: int = 0
    cached_files: int = 0


Progress = Callable[[int, int], None]


def default_workers(count: int) -> int:
    """Threads to use: one per file, up to two per core (at most 32).

    One per core is enough on an idle machine; a second per core keeps every core busy
    while threads wait on the disk, and keeps chainward's share of the CPU when other
    processes compete for it.
    """
    return max(1, min(2 * (os.cpu_count() or 1), count, 32))


def hash_files(
    paths: Sequence[Path],
    *,
    cache: StatCache | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    stats: HashStats | None = None,
) -> dict[Path, FileDigest]:
    """Hash every path (in parallel), using and filling ``cache``.

    Returns a digest per path; a path that cannot be read raises OSError.
    ``progress(done_bytes, total_bytes)`` is called as files finish.
    """
    started = time.time_ns()
    stats = stats if stats is not None else HashStats()
    results: dict[Path, FileDigest] = {}
    todo: list[tuple[Path, os.stat_result]] = []
    for path in paths:
        st = path.stat()
        cached = cache.get(st) if cache is not None else None
        if cached is not None:
            results[path] = FileDigest(st.st_size, cached)
            stats.cached_files += 1
        else:
            todo.append((path, st))
    total = sum(st.st_size for _, st in todo)
    done = 0
    done_lock = threading.Lock()

    def work(item: tuple[Path, os.stat_result]) -> tuple[Path, FileDigest]:
        nonlocal done
        path, st = item
        result = sha256_file(path)
        if cache is not None and result.size == st.st_size:
            after = path.stat()
            if (after.st_mtime_ns, after.st_ctime_ns, after.st_size) == (
                st.st_mtime_ns,
                st.st_ctime_ns,
                st.st_size,
            ):
                cache.put(st, result.sha256, started)
        with done_lock:
            done += result.size
            if progress is not None:
                progress(done, total)
        return path, result

    # Largest first, so that one big file does not start last.
    todo.sort(key=lambda item: -item[1].st_size)
    count = workers or default_workers(len(todo))
    if count <= 1 or len(todo) <= 1:
        outcomes: Iterable[tuple[Path, FileDigest]] = map(work, todo)
        for path, result in outcomes:
            results[path] = result
    else:
        with ThreadPoolExecutor(max_workers=count, thread_name_prefix="chainward-hash") as pool:
            for path, result in pool.map(work, todo):
                results[path] = result
    stats.hashed_files += len(todo)
    stats.hashed_bytes += done
    return results


def tty_progress(stream: object) -> Progress | None:
    """A one-line progress bar on a terminal (None when ``stream`` is not a TTY)."""
    isatty = getattr(stream, "isatty", None)
    if not callable(isatty) or not isatty():
        return None
    write = getattr(stream, "write")  # noqa: B009 - any text stream
    last = [0.0]

    def show(done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < 0.1:
            return
        last[0] = now
        width = 30
        filled = int(width * done / total) if total else width
        bar = "#" * filled + "-" * (width - filled)
        end = "\n" if done >= total else ""
        write(f"\rhashing [{bar}] {done >> 20}/{total >> 20} MiB{end}")

    return show
