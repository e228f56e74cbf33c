"""One bounded read of a file the user names (a key, a bundle, a lock): never more than
``limit`` bytes, and an error that says which file and why, of the caller's error type.

Many edges read such files (policy, keys, bundles, the model lock, event payloads); each
had its own copy of this read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from chainward.core.errors import Error, InputError


class ErrorType(Protocol):
    """An :class:`~chainward.core.errors.Error` class built from a message and a place."""

    def __call__(self, message: str, *, where: str) -> Error: ...


def read_bounded(
    path: Path, limit: int, *, what: str, too_large: str, error: ErrorType = InputError
) -> bytes:
    """The bytes of ``path``, at most ``limit`` of them.

    Raises ``error`` (``"cannot read <what>: <reason>"``, or ``too_large`` when the file
    holds more than ``limit`` bytes), naming ``path``.
    """
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise error(f"cannot read {what}: {exc.strerror or exc}", where=str(path)) from None
    if len(data) > limit:
        raise error(too_large, where=str(path))
    return data
