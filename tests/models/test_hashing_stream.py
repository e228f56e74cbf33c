"""Streamed sha256: the pipelined reader (large files) and the plain loop agree with
hashlib on every size around the chunk and pipeline boundaries, and read errors
surface instead of a digest."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from chainward.models import hashing
from chainward.models.hashing import CHUNK, PIPELINE_MIN, sha256_file

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer


@pytest.mark.parametrize(
    "size",
    [
        0,
        1,
        CHUNK - 1,
        CHUNK,
        CHUNK + 1,
        PIPELINE_MIN - 1,
        PIPELINE_MIN,
        PIPELINE_MIN + 3 * CHUNK + 7,
    ],
)
def test_digest_matches_hashlib(tmp_path: Path, size: int) -> None:
    data = os.urandom(min(size, 1 << 16)) * (size // (1 << 16) + 1)
    data = data[:size]
    path = tmp_path / "model.bin"
    path.write_bytes(data)
    digest = sha256_file(path)
    assert (digest.size, digest.sha256) == (size, hashlib.sha256(data).hexdigest())


def test_small_chunks_through_the_pipeline(tmp_path: Path) -> None:
    data = os.urandom(PIPELINE_MIN + 12345)
    path = tmp_path / "model.bin"
    path.write_bytes(data)
    assert sha256_file(path, chunk=4096).sha256 == hashlib.sha256(data).hexdigest()


class _FailingFile(io.FileIO):
    """A file whose third read fails, as a disk error would."""

    reads = 0

    def readinto(self, buffer: WriteableBuffer) -> int:
        self.reads += 1
        if self.reads == 3:
            raise OSError(5, "Input/output error")
        return super().readinto(buffer)


def test_a_read_error_is_raised_not_hashed(tmp_path: Path) -> None:
    path = tmp_path / "model.bin"
    path.write_bytes(b"\0" * (PIPELINE_MIN + 1))
    with _FailingFile(path, "rb") as handle, pytest.raises(OSError, match="Input/output"):
        hashing._sha256_pipelined(handle, CHUNK)
