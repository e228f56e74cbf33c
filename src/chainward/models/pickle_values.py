"""The abstract values of the pickle machine (:mod:`chainward.models.pickle_vm`) and what
one run of it records: globals imported (:class:`Ref`), objects made at load time
(:class:`Made`), calls (:class:`Call`) and the run itself (:class:`PickleRun`)."""

from __future__ import annotations

import mmap
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Ref:
    """A global imported by GLOBAL, STACK_GLOBAL, INST or EXTn (``module`` ``name``)."""

    module: str
    name: str
    offset: int
    opcode: str
    resolved: bool = True

    @property
    def qualified(self) -> str:
        """``module.name``, or ``<dynamic>`` when the opcodes build the name at run time."""
        return f"{self.module}.{self.name}" if self.resolved else "<dynamic>"


@dataclass(slots=True, eq=False)
class Made:
    """An object produced while loading: the result of calling ``origin`` (None when the
    maker is not a global, e.g. ``persistent_load``)."""

    origin: Ref | None
    offset: int
    args: object = None
    state: object = None


class Other:
    __slots__ = ()

    def __repr__(self) -> str:
        return "OTHER"


OTHER = Other()
# str, int, bool, None, tuple (of values), dict (str keys; built by SETITEM(S)),
# Ref, Made or OTHER. Concrete values are kept where a loader's behaviour depends on
# them (joblib reads raw array bytes whose size the BUILD state gives).
Value = object


@dataclass(frozen=True, slots=True)
class Call:
    """An opcode that calls something while loading: what, where, and how."""

    opcode: str
    offset: int
    target: Value
    """The callable (REDUCE, NEWOBJ, OBJ, INST) or the object acted on (BUILD, APPEND...)."""


@dataclass
class PickleRun:
    """What one pickle (from its first opcode to STOP or the first error) does."""

    start: int
    end: int = 0
    protocol: int = 0
    stopped: bool = False
    """True when STOP was reached: the real unpickler returns here."""
    error: str | None = None
    error_offset: int | None = None
    over_budget: bool = False
    imports: list[Ref] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    opcodes: int = 0
    persistent: bool = False

    @property
    def effectful(self) -> bool:
        """Whether anything was imported or called before the run ended."""
        return bool(self.imports or self.calls)


Data = bytes | bytearray | memoryview | mmap.mmap


def set_item(target: object, key: object, value: object) -> None:
    """Mirror ``target[key] = value`` on a modelled dict."""
    # Only plain dicts with str keys are mirrored (BUILD states, joblib wrappers).
    if isinstance(target, dict) and isinstance(key, str) and len(target) < 64:
        target[key] = value


class Halt(Exception):
    """Where and why the real unpickler would raise: the run ends here."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
