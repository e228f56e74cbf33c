"""The model lock cannot be fooled: a file counts as an LFS pointer only when it is
exactly one, symlinked subfolders are followed (or refused), the lock never locks
itself."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from chainward.inventory.model_lock import load_lock
from chainward.models.verify import read_lfs_pointer
from tests.conftest import GitRepo

OID = hashlib.sha256(b"real weights").hexdigest()
POINTER = f"version https://git-lfs.github.com/spec/v1\noid sha256:{OID}\nsize 12\n".encode()


def test_only_an_exact_pointer_is_a_pointer(tmp_path: Path) -> None:
    exact = tmp_path / "exact.bin"
    exact.write_bytes(POINTER)
    pointer = read_lfs_pointer(exact)
    assert pointer is not None and pointer.sha256 == OID
    for name, data in {
        "trailing.bin": POINTER + b"\x80\x02cos\nsystem\n.",
        "no-newline.bin": POINTER[:-1],
        "two-oids.bin": POINTER + f"oid sha256:{OID}\n".encode(),
        "unsorted.bin": POINTER.replace(b"oid", b"zzz", 1) + f"oid sha256:{OID}\n".encode(),
        "garbage-line.bin": POINTER + b"\x00\x01\n",
    }.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert read_lfs_pointer(path) is None, name


def test_pointer_with_a_payload_after_it_does_not_verify(git_repo: GitRepo, cli) -> None:  # type: ignore[no-untyped-def]
    model = git_repo.path / "models" / "m"
    model.mkdir(parents=True)
    (model / "weights.bin").write_bytes(b"real weights")
    assert cli("models", "lock", "models/m", cwd=git_repo.path).code == 0
    # An LFS pointer naming the locked digest, followed by other bytes.
    (model / "weights.bin").write_bytes(
        f"version https://git-lfs.github.com/spec/v1\noid sha256:{OID}\nsize 12\n".encode()
        + b"payload"
    )
    result = cli("models", "verify", "--no-cache", "--format", "json", cwd=git_repo.path)
    assert result.code == 1, result.out
    found = {f["check_id"] for f in json.loads(result.out)["findings"]}
    assert "model-hash-mismatch" in found


def test_symlinked_subfolders_are_followed_and_the_lock_is_not_locked(
    git_repo: GitRepo,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    root = git_repo.path
    (root / "shared").mkdir()
    (root / "shared" / "extra.bin").write_bytes(b"hidden")
    (root / "model.bin").write_bytes(b"weights")
    (root / "sub").symlink_to("shared")
    assert cli("models", "lock", ".", cwd=root).code == 0
    assert cli("models", "lock", ".", cwd=root).code == 0  # again: the lock now exists
    paths = [f.path for f in load_lock(root / "chainward.lock").models[0].files]
    assert "sub/extra.bin" in paths and "chainward.lock" not in paths
    assert cli("models", "verify", "--no-cache", cwd=root).code == 0
    # A file added behind the symlinked folder is seen.
    (root / "shared" / "late.bin").write_bytes(b"late")
    result = cli("models", "verify", "--no-cache", "--format", "json", cwd=root)
    found = {(f["check_id"], f["file"]) for f in json.loads(result.out)["findings"]}
    assert ("unlocked-model-file", "sub/late.bin") in found


def test_symlinked_subfolder_leaving_the_repository_is_refused(
    git_repo: GitRepo,
    cli,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    root = git_repo.path
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "w.bin").write_bytes(b"x")
    (root / "m").mkdir()
    (root / "m" / "w.bin").write_bytes(b"w")
    (root / "m" / "ext").symlink_to(outside)
    result = cli("models", "lock", "m", cwd=root)
    assert result.code == 2, result.err
    assert "outside the repository" in result.err
