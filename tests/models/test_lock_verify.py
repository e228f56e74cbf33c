"""chainward.lock round trip, verification (changed, missing, extra, escaping paths,
LFS pointers), the stat cache, and a property test: any single changed byte is caught."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainward.inventory.model_lock import (
    LockedFile,
    LockedModel,
    LockError,
    ModelLock,
    ModelSignature,
    dump_lock,
    load_lock,
    parse_lock,
)
from chainward.models import hashing
from chainward.models.hashing import HashStats, StatCache, default_cache_path, hash_files
from chainward.models.verify import verify_lock

SHA = "0123456789abcdef0123456789abcdef01234567"
OLD = time.time() - 3600


def _write(root: Path, rel: str, data: bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (OLD, OLD))
    return path


def _model(root: Path, files: dict[str, bytes], name: str = "tiny") -> LockedModel:
    locked = []
    for rel, data in files.items():
        _write(root, rel, data)
        locked.append(LockedFile(rel, len(data), hashlib.sha256(data).hexdigest()))
    return LockedModel(name, "hf://org/tiny", SHA, tuple(locked), path="models/tiny")


FILES = {
    "models/tiny/config.json": b'{"hidden": 8}\n',
    "models/tiny/model.safetensors": bytes(range(256)) * 40,
    "models/tiny/sub/tokenizer.txt": b"a b c\n",
}


def _ids(result: object) -> list[tuple[str, str]]:
    return sorted((f.check_id, f.properties.get("file", "")) for f in result.findings)  # type: ignore[attr-defined]


def test_dump_is_sorted_stable_and_round_trips(tmp_path: Path) -> None:
    b = LockedModel(
        "b-model",
        "hf://org/b",
        SHA,
        (LockedFile("m/z.bin", 2, "a" * 64), LockedFile("m/a.bin", 1, "b" * 64)),
        signature=ModelSignature("m.sig", "sigstore", identity="me@x", issuer="https://i"),
        path="m",
    )
    a = LockedModel('a "quoted"\\name', "https://example.com/x", None, (), path="")
    text = dump_lock(ModelLock((b, a)))
    assert text.index('name = "a \\"quoted\\"\\\\name"') < text.index('name = "b-model"')
    assert text.index("m/a.bin") < text.index("m/z.bin")
    parsed = parse_lock(text)
    assert [m.name for m in parsed.models] == ['a "quoted"\\name', "b-model"]
    assert parsed.models[1] == LockedModel(
        b.name, b.source, b.revision, tuple(sorted(b.files, key=lambda f: f.path)), b.signature, "m"
    )
    assert dump_lock(parsed) == text
    (tmp_path / "chainward.lock").write_text(text)
    assert load_lock(tmp_path / "chainward.lock") == parsed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version = 2\n", "unsupported lock version"),
        ('[[model]]\nname = "x"\n', "missing key 'source'"),
        ('[[model]]\nname = "x"\nsource = "hf://o/x"\nrevision = "main"\n', "not a 40-hex"),
        (
            '[[model]]\nname = "x"\nsource = "p"\n'
            '[[model.file]]\npath = "a"\nsize = 1\nsha256 = "zz"\n',
            "64 hex",
        ),
        ("[[model]\n", "invalid TOML"),
        ('[[model]]\nname = "x"\nsource = "p"\n[[model]]\nname = "x"\nsource = "p"\n', "twice"),
    ],
)
def test_invalid_locks_are_rejected(text: str, message: str) -> None:
    with pytest.raises(LockError, match=message):
        parse_lock(text)


def test_clean_tree_verifies(tmp_path: Path) -> None:
    lock = ModelLock((_model(tmp_path, FILES),))
    result = verify_lock(tmp_path, lock)
    assert result.findings == []
    assert result.checked_files == 3


def test_changed_missing_and_extra_files_are_separate_findings(tmp_path: Path) -> None:
    lock = ModelLock((_model(tmp_path, FILES),))
    _write(tmp_path, "models/tiny/config.json", b'{"hidden": 9}\n')  # same size, other bytes
    (tmp_path / "models/tiny/sub/tokenizer.txt").unlink()
    _write(tmp_path, "models/tiny/extra.bin", b"new")
    result = verify_lock(tmp_path, lock, lock_text=dump_lock(lock))
    assert _ids(result) == [
        ("model-file-missing", "models/tiny/sub/tokenizer.txt"),
        ("model-hash-mismatch", "models/tiny/config.json"),
        ("unlocked-model-file", "models/tiny/extra.bin"),
    ]
    mismatch = next(f for f in result.findings if f.check_id == "model-hash-mismatch")
    assert mismatch.path == "chainward.lock"
    assert mismatch.line is not None
    assert dump_lock(lock).splitlines()[mismatch.line - 1] == 'path = "models/tiny/config.json"'


def test_size_change_is_reported_as_such(tmp_path: Path) -> None:
    lock = ModelLock((_model(tmp_path, FILES),))
    _write(tmp_path, "models/tiny/config.json", b"{}")
    (finding,) = verify_lock(tmp_path, lock).findings
    assert "is 2 bytes, the lock says 14" in finding.message


@pytest.mark.parametrize("bad", ["../outside.bin", "/etc/passwd", "models/../../x", "a\\b"])
def test_escaping_paths_are_refused_and_never_read(tmp_path: Path, bad: str) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (tmp_path / "outside.bin").write_bytes(b"secret")
    model = LockedModel("x", "local", None, (LockedFile(bad, 6, "0" * 64),))
    (finding,) = verify_lock(root, ModelLock((model,))).findings
    assert finding.check_id == "model-path-escape"


def test_outward_symlinks_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "key.bin").write_bytes(b"secret")
    lock = ModelLock((_model(root, FILES),))
    (root / "models/tiny/link").symlink_to(outside)
    (root / "models/tiny/file-link").symlink_to(outside / "key.bin")
    escaped = LockedModel(
        "y", "local", None, (LockedFile("models/tiny/link/key.bin", 6, "0" * 64),)
    )
    result = verify_lock(root, ModelLock((*lock.models, escaped)))
    assert _ids(result) == [
        ("model-path-escape", "models/tiny/file-link"),
        ("model-path-escape", "models/tiny/link"),
        ("model-path-escape", "models/tiny/link/key.bin"),
    ]


def test_inward_symlink_is_fine(tmp_path: Path) -> None:
    lock = ModelLock((_model(tmp_path, FILES),))
    (tmp_path / "alias.json").symlink_to(tmp_path / "models/tiny/config.json")
    data = FILES["models/tiny/config.json"]
    extra = LockedModel(
        "alias",
        "local",
        None,
        (LockedFile("alias.json", len(data), hashlib.sha256(data).hexdigest()),),
    )
    assert verify_lock(tmp_path, ModelLock((*lock.models, extra))).findings == []


def _pointer(data: bytes) -> bytes:
    oid = hashlib.sha256(data).hexdigest()
    return (
        f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {len(data)}\n".encode()
    )


def test_lfs_pointers_are_checked_by_their_oid(tmp_path: Path) -> None:
    blob = b"\x00" * 5000 + b"weights"
    locked = LockedFile("models/big.bin", len(blob), hashlib.sha256(blob).hexdigest())
    _write(tmp_path, "models/big.bin", _pointer(blob))
    lock = ModelLock((LockedModel("big", "local", None, (locked,)),))
    result = verify_lock(tmp_path, lock)
    assert result.findings == []
    assert result.stats.hashed_files == 0  # the blob was not needed
    _write(tmp_path, "models/big.bin", _pointer(blob + b"!"))
    (finding,) = verify_lock(tmp_path, lock).findings
    assert finding.check_id == "model-hash-mismatch"
    assert "Git LFS pointer" in finding.message
    _write(tmp_path, "models/big.bin", blob)  # the real blob, checked out
    assert verify_lock(tmp_path, lock).findings == []


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    which=st.sampled_from(sorted(FILES)),
    position=st.floats(min_value=0, max_value=1, exclude_max=True),
    flip=st.integers(min_value=1, max_value=255),
)
def test_any_single_changed_byte_is_detected(
    tmp_path_factory: pytest.TempPathFactory, which: str, position: float, flip: int
) -> None:
    root = tmp_path_factory.mktemp("prop")
    lock = ModelLock((_model(root, FILES),))
    cache = StatCache.load(root / "cache.json")
    assert verify_lock(root, lock, cache=cache).findings == []  # fills the cache
    path = root / which
    data = bytearray(path.read_bytes())
    index = int(position * len(data))
    data[index] ^= flip
    path.write_bytes(bytes(data))
    os.utime(path, (OLD + 1, OLD + 1))  # even with an old mtime, the mtime differs
    result = verify_lock(root, lock, cache=cache)
    assert [(f.check_id, f.properties["file"]) for f in result.findings] == [
        ("model-hash-mismatch", which)
    ]


def test_cache_avoids_rereading_unchanged_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    lock = ModelLock((_model(root, FILES),))
    reads: list[Path] = []
    real = hashing.sha256_file

    def counting(path: Path, chunk: int = hashing.CHUNK) -> hashing.FileDigest:
        reads.append(path)
        return real(path, chunk)

    monkeypatch.setattr(hashing, "sha256_file", counting)
    cache_path = default_cache_path(root)
    assert cache_path == root / ".git" / "chainward" / "hash-cache.json"

    time.sleep(0.2)  # files changed within the last 100 ms are racily clean, never cached
    first = StatCache.load(cache_path)
    assert verify_lock(root, lock, cache=first).stats.hashed_files == 3
    first.save()
    assert len(reads) == 3
    reads.clear()

    second = StatCache.load(cache_path)  # a new process would load it like this
    result = verify_lock(root, lock, cache=second)
    assert result.findings == []
    assert reads == []
    assert result.stats.cached_files == 3

    _write(root, "models/tiny/config.json", b'{"hidden": 7}\n')  # same size, mtime reset
    result = verify_lock(root, lock, cache=second)
    assert [p.name for p in reads] == ["config.json"]
    assert [f.check_id for f in result.findings] == ["model-hash-mismatch"]

    reads.clear()
    verify_lock(root, lock, cache=None)  # --no-cache
    assert len(reads) == 3


def test_racily_clean_files_are_not_cached(tmp_path: Path) -> None:
    path = tmp_path / "fresh.bin"
    path.write_bytes(b"just written")
    cache = StatCache.load(tmp_path / "c.json")
    hash_files([path], cache=cache)
    assert cache.entries == {}
    time.sleep(0.2)
    hash_files([path], cache=cache)
    assert len(cache.entries) == 1


def test_corrupt_cache_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text("{not json")
    assert StatCache.load(tmp_path / "c.json").entries == {}


def test_parallel_hashing_matches_hashlib(tmp_path: Path) -> None:
    paths = []
    for i in range(6):
        paths.append(_write(tmp_path, f"f{i}.bin", os.urandom(100_000 + i * 3_333_333 % 900_000)))
    stats = HashStats()
    digests = hash_files(paths, workers=3, stats=stats)
    for path in paths:
        data = path.read_bytes()
        assert digests[path] == hashing.FileDigest(len(data), hashlib.sha256(data).hexdigest())
    assert stats.hashed_files == 6
    assert stats.hashed_bytes == sum(p.stat().st_size for p in paths)


def test_progress_bar_only_on_a_terminal(tmp_path: Path) -> None:
    import io

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert hashing.tty_progress(io.StringIO()) is None
    stream = Tty()
    show = hashing.tty_progress(stream)
    assert show is not None
    paths = [_write(tmp_path, f"p{i}.bin", b"x" * (3 << 20)) for i in range(3)]
    hash_files(paths, progress=show)
    out = stream.getvalue()
    assert out.startswith("\rhashing [")
    assert out.endswith("9/9 MiB\n")


@pytest.mark.parametrize("size", [0, 1, (1 << 20) - 1, 1 << 20, (3 << 20) + 17])
def test_mapped_and_streamed_digests_agree_with_hashlib(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    path = _write(tmp_path, "f.bin", data)
    assert hashing.sha256_file(path) == hashing.FileDigest(size, hashlib.sha256(data).hexdigest())
