"""Atomic writes: a temporary file in the same folder, fsync, then rename."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def write_atomic(
    path: Path, data: bytes | str, *, encoding: str = "utf-8", mode: int | None = None
) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new file, never half.

    The file's permission bits are kept when it already exists; ``mode`` sets them
    instead (on the temporary file, so the new file never exists with other bits).
    """
    import tempfile  # only writers pay for it

    payload = data.encode(encoding) if isinstance(data, str) else data
    path = Path(path)
    directory = path.parent if str(path.parent) else Path()
    if mode is None:
        with contextlib.suppress(FileNotFoundError):
            mode = path.stat().st_mode & 0o7777
    if mode is None:
        # mkstemp makes 0600 files; a new file gets the usual umask-based mode instead.
        umask = os.umask(0o022)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            Path(tmp_name).chmod(mode)
        Path(tmp_name).replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp_name).unlink()
        raise
