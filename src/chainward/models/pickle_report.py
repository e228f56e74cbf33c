"""What scanning a model file found (:class:`PickleReport`: globals, unverifiable parts,
formats, TorchScript code uses) and the state of one scan (:class:`ScanState`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NoReturn

from chainward.models.torchscript import CodeUse


@dataclass(frozen=True, slots=True)
class PickleImport:
    """One global a pickle imports: ``module.name``, where, and what calls it."""

    module: str
    name: str
    offset: int
    member: str | None = None
    resolved: bool = True
    fmt: str = "pickle"
    called_by: str | None = None
    call_offset: int | None = None

    @property
    def qualified(self) -> str:
        """``module.name``, or ``<dynamic>`` when the opcodes build it at run time."""
        return f"{self.module}.{self.name}" if self.resolved else "<dynamic>"


class Problem(str):
    """A part of the file that could not be followed: the reason (the string itself),
    the archive member and the byte offset where it happened."""

    __slots__ = ("member", "offset")
    member: str | None
    offset: int | None

    def __new__(cls, message: str, member: str | None = None, offset: int | None = None) -> Problem:
        self = super().__new__(cls, message)
        self.member = member
        self.offset = offset
        return self

    @property
    def message(self) -> str:
        """The reason, as plain text."""
        return str.__str__(self)


@dataclass
class PickleReport:
    """What scanning one file found."""

    is_pickle: bool = False
    container: str = "pickle"
    imports: list[PickleImport] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    """Parts that could not be followed: the file is unverifiable."""
    pickles: int = 0
    kinds: list[str] = field(default_factory=list)
    code_uses: list[CodeUse] = field(default_factory=list)
    """Names TorchScript ``code/`` members reach that are not on the allow-list."""

    def problem(self, message: str, member: str | None = None, offset: int | None = None) -> None:
        """Record an unverifiable part."""
        self.problems.append(Problem(message, member, offset))


def _no_scanner(*_: object, **__: object) -> NoReturn:
    raise RuntimeError("a ScanState built without its scanners")


@dataclass
class ScanState:
    """One file's scan: its report, the byte budget left, and the scanner's entry points
    (``scan_data``: identify-and-scan bytes; ``scan_pickles``: every pickle in bytes),
    which the container readers call back for the members they open."""

    limit: int
    report: PickleReport
    budget: int = 0
    window_end: int | None = None
    """Length of the file's head in memory when it is shorter than the file."""
    window_short: bool = False
    """A pickle ran into the end of that window: read more and scan again."""
    scan_data: Callable[..., None] = field(default=_no_scanner)
    scan_pickles: Callable[..., bool] = field(default=_no_scanner)

    def __post_init__(self) -> None:
        self.budget = self.limit


def where(member: str | None) -> str:
    return f" in {member}" if member else ""


def member_name(parent: str | None, name: str) -> str:
    """``parent!name`` for a member of a nested archive."""
    return f"{parent}!{name}" if parent else name
