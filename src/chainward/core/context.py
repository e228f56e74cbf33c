"""What a scanner gets: the root, the files to scan, the policy, and bounded reads."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from chainward.core.findings import Finding
from chainward.core.meta import (
    FILE_TOO_LARGE,
    FILE_TOO_LARGE_INFO,
    UNPARSABLE_FILE,
    UNPARSABLE_FILE_INFO,
)
from chainward.core.policy import Policy

if TYPE_CHECKING:
    from chainward.core.pyflow.parse import ParsedModule

T = TypeVar("T")

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
    _memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _python: dict[str, ParsedModule | None] = field(default_factory=dict, repr=False, compare=False)
    _sources: dict[str, str | None] = field(default_factory=dict, repr=False, compare=False)

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """``build()``, computed once per scan and shared by every family that asks
        under the same ``key`` (e.g. the model references of the repository's code)."""
        if key not in self._memo:
            self._memo[key] = build()
        value: T = self._memo[key]
        return value

    def holds(self, key: str) -> bool:
        """Whether something is kept under ``key`` (:meth:`memo` or :meth:`put`)."""
        return key in self._memo

    def put(self, key: str, value: object) -> None:
        """Keep ``value`` under ``key`` for a later :meth:`take` (work started early)."""
        self._memo[key] = value

    def take(self, key: str) -> Any:
        """What :meth:`put` kept under ``key`` (None if nothing), removed."""
        return self._memo.pop(key, None)

    def python_source(self, rel: str) -> str | None:
        """:meth:`read_text` of a Python file, read once per scan (the families that read
        Python share it, and pre-filter on it before asking for the parsed module)."""
        if rel not in self._sources:
            self._sources[rel] = self.read_text(rel)
        return self._sources[rel]

    def python_module(self, rel: str) -> ParsedModule | None:
        """The Python file ``rel`` parsed once per scan (tree, or why it does not parse);
        None when it cannot be read (a note says why). Call :meth:`release_python` when
        the trees are no longer needed: kept alive, they slow every later collection."""
        if rel in self._python:
            return self._python[rel]
        from chainward.core.pyflow.parse import parse_module

        text = self.python_source(rel)
        parsed = None if text is None else parse_module(rel, text)
        self._python[rel] = parsed
        return parsed

    def release_python(self) -> None:
        """Drop the parsed trees (results built from them stay in :meth:`memo`), and
        hand the objects frozen while they were alive (see
        ``inventory.model_refs.collect``) back to the cyclic collector."""
        import gc

        self._python.clear()
        gc.unfreeze()

    def read_bytes(self, rel: str) -> bytes | None:
        """The file's bytes, or None (with a note) if it is too large or unreadable."""
        # One open and one fstat (no pathlib objects): this runs for every file a
        # family reads, 15k YAML files on lm-evaluation-harness.
        limit = self.policy.max_file_size
        try:
            # pathlib would build two objects per file read: measurable over 15k files.
            name = os.path.join(self.root, rel)  # noqa: PTH118 (see above)
            with open(name, "rb") as handle:  # noqa: PTH123 (see above)
                size = os.fstat(handle.fileno()).st_size
                if size > limit:
                    self.notes.append(
                        FILE_TOO_LARGE_INFO.finding(
                            f"not scanned: {size} bytes is over the {limit}-byte limit",
                            path=rel,
                            fix="raise [tool.chainward] max-file-size or exclude the file",
                        )
                    )
                    return None
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
