"""What a scanner gets: the root, the files to scan, the policy, and bounded reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from chainward.core.findings import Finding
from chainward.core.meta import (
    FILE_TOO_LARGE,
    FILE_TOO_LARGE_INFO,
    UNPARSABLE_FILE,
    UNPARSABLE_FILE_INFO,
)
from chainward.core.policy import Policy

__all__ = ["FILE_TOO_LARGE", "UNPARSABLE_FILE", "ScanContext"]


@dataclass
class ScanContext:
    """Inputs of one scan. Scanners read files only through :meth:`read_text`.

    ``files`` are root-relative ``/`` paths. ``explicit`` is true when the user (or
    pre-commit) named the files, so scanners may take them even if their names
    don't match the usual patterns. Problems met while reading become findings
    in ``notes``, which the engine reports with the rest.
    """

    root: Path
    files: Sequence[str]
    policy: Policy
    offline: bool = True
    explicit: bool = False
    notes: list[Finding] = field(default_factory=list)

    def read_bytes(self, rel: str) -> bytes | None:
        """The file's bytes, or None (with a note) if it is too large or unreadable."""
        path = self.root / rel
        limit = self.policy.max_file_size
        try:
            size = path.stat().st_size
            if size > limit:
                self.notes.append(
                    FILE_TOO_LARGE_INFO.finding(
                        f"not scanned: {size} bytes is over the {limit}-byte limit",
                        path=rel,
                        fix="raise [tool.chainward] max-file-size or exclude the file",
                    )
                )
                return None
            with path.open("rb") as handle:
                # read(n) allocates n bytes up front: never ask for more than the file
                # holds (plus slack if it grows), whatever the configured limit.
                return handle.read(min(limit, size + (1 << 16)))
        except OSError as exc:
            self.notes.append(
                UNPARSABLE_FILE_INFO.finding(f"cannot read file: {exc.strerror or exc}", path=rel)
            )
            return None

    def read_text(self, rel: str) -> str | None:
        """The file as text (UTF-8, undecodable bytes replaced), or None with a note."""
        data = self.read_bytes(rel)
        if data is None:
            return None
        return data.decode("utf-8", "replace")

    def unparsable(
        self, rel: str, message: str, line: int | None = None, column: int | None = None
    ) -> Finding:
        """A finding for a file that could not be parsed (it is then not checked)."""
        return unparsable_finding(rel, message, line, column)


def unparsable_finding(
    rel: str, message: str, line: int | None = None, column: int | None = None
) -> Finding:
    """A finding for a file that could not be parsed (it is then not checked); parsers
    that have no :class:`ScanContext` (``inventory``'s ``parse(rel, text)``) use it."""
    return UNPARSABLE_FILE_INFO.finding(
        f"could not parse, so it was not checked: {message}",
        path=rel,
        line=line,
        column=column,
        fix="fix the syntax error at this location",
    )
