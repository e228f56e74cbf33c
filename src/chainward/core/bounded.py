"""Reading a whole file with a size bound: the one copy of that idiom.

Every file chainward reads outside a scan (policy files, key files, bundles, the model
lock, names files) is read with at most ``limit + 1`` bytes asked for, so an oversized
or endless file (``/dev/zero``) fails fast with a message naming it, of the caller's
error type.
"""

from __future__ import annotations

from pathlib import Path

from chainward.core.errors import Error, InputError


def read_bounded(
    path: Path | str,
    limit: int,
    *,
    what: str = "",
    error: type[Error] = InputError,
    hint: str | None = None,
    limit_text: str | None = None,
    too_large: str | None = None,
) -> bytes:
    """The bytes of ``path`` (at most ``limit``).

    Raises ``error`` (where: the path) saying ``cannot read <what>: <reason>``, or, when
    the file holds more than ``limit`` bytes, ``too_large`` if given, else ``<what> is
    larger than <limit_text or "N bytes">``.
    """
    where = str(path)
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        subject = f" {what}" if what else ""
        raise error(
            f"cannot read{subject}: {exc.strerror or exc}", where=where, hint=hint
        ) from None
    if len(data) > limit:
        if too_large is None:
            size = limit_text or f"{limit} bytes"
            too_large = f"{what} is larger than {size}" if what else f"larger than {size}"
        raise error(too_large, where=where, hint=hint)
    return data
