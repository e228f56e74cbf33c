"""The pickle machine, modelled as CPython's ``_pickle`` runs it, without running anything.

Every opcode of protocols 0 to 5 is decoded the way ``_pickle.c``'s ``load()`` decodes
it (not the way :mod:`pickletools` does: the real unpickler reads ``INT`` with base 0,
lets ``POP`` drop a MARK, accepts opcodes across FRAME boundaries, ...). The value stack,
the mark stack (with its fence: nothing below the last MARK can be popped) and the memo
are modelled exactly. Values are abstract (``pickle_values``): strings are kept
(``STACK_GLOBAL`` takes module and name from the stack), globals are :class:`Ref`, call
results :class:`Made`, the rest :data:`OTHER`. Every calling opcode (REDUCE, BUILD, INST,
OBJ, NEWOBJ(_EX), container opcodes on objects) is recorded with its callable's origin.

The walk is iterative and bounded by a byte budget; it stops where the real unpickler
would raise (nothing after that runs) and says so: "this pickle ended" is not "this
pickle could not be followed". Line arguments are decoded by ``pickle_args``; joblib's
stream extension is ``pickle_loaders``.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from chainward.models import pickle_args as line_args
from chainward.models.pickle_values import (
    OTHER,
    Call,
    Data,
    Halt,
    Made,
    PickleRun,
    Ref,
    Value,
    set_item,
)

HIGHEST_PROTOCOL = 5
# Memo entries tracked per pickle. Real checkpoints hold tens of thousands; a flood of
# `N\x94` (2 bytes per entry) must not cost unbounded memory.
MEMO_LIMIT = 500_000


_INT_STRUCT = struct.Struct("<i")
_UINT_STRUCT = struct.Struct("<I")
_U64_STRUCT = struct.Struct("<Q")
_U16_STRUCT = struct.Struct("<H")
_SSIZE_MAX = (1 << 63) - 1


class PickleMachine:
    """Runs the opcodes of the pickle starting at ``start`` in ``data`` (bytes or mmap).

    ``budget`` caps the bytes one run may consume; running out ends the run with
    ``over_budget`` set (the caller reports the rest as not scanned).
    """

    def __init__(self, data: Data, start: int, end: int, budget: int) -> None:
        self.data = memoryview(data).cast("B")
        self.pos = start
        self.end = min(end, len(self.data))
        self.limit = min(self.end, start + budget)
        self.run = PickleRun(start)
        self.stack: list[Value] = []
        self.marks: list[int] = []
        self.fence = 0
        self.memo: dict[int, Value] = {}
        self.after_build: Callable[[PickleMachine, Made, int], None] | None = None
        self.depth = 0

    # -- input -----------------------------------------------------------------------
    def read(self, size: int, at: int) -> bytes:
        if size < 0 or self.pos + size > self.end:
            raise Halt("pickle data was truncated", at)
        if self.pos + size > self.limit:
            self.run.over_budget = True
            raise Halt("byte budget exhausted", at)
        chunk = bytes(self.data[self.pos : self.pos + size])
        self.pos += size
        return chunk

    def skip(self, size: int, at: int) -> None:
        if self.pos + size > self.end:
            raise Halt("pickle data was truncated", at)
        if self.pos + size > self.limit:
            self.run.over_budget = True
            raise Halt("byte budget exhausted", at)
        self.pos += size

    def _readline(self, at: int) -> bytes:
        newline = line_args.find_newline(self.data, self.pos, self.limit)
        if newline < 0:
            if self.limit < self.end:
                self.run.over_budget = True
                raise Halt("byte budget exhausted", at)
            raise Halt("pickle data was truncated", at)
        line = bytes(self.data[self.pos : newline + 1])
        self.pos = newline + 1
        return line

    def _count(self, four: bool, one: bool, wide: str, at: int) -> int:
        """The byte count of BIN*/SHORT_BIN*/*8 opcodes: 4, 1 or 8 little-endian bytes."""
        if four:
            return int(_UINT_STRUCT.unpack(self.read(4, at))[0])
        if one:
            return self.read(1, at)[0]
        size = int(_U64_STRUCT.unpack(self.read(8, at))[0])
        if size > _SSIZE_MAX:
            raise Halt(f"{wide} exceeds system's maximum size", at)
        return size

    # -- stack -----------------------------------------------------------------------
    def _pop(self, at: int) -> Value:
        if len(self.stack) <= self.fence:
            raise Halt("unpickling stack underflow", at)
        return self.stack.pop()

    def _top(self, at: int) -> Value:
        if len(self.stack) <= self.fence:
            raise Halt("unpickling stack underflow", at)
        return self.stack[-1]

    def _marker(self, at: int) -> int:
        if not self.marks:
            raise Halt("could not find MARK", at)
        mark = self.marks.pop()
        self.fence = self.marks[-1] if self.marks else 0
        return mark

    def _pop_mark(self, at: int) -> list[Value]:
        mark = self._marker(at)
        items = self.stack[mark:]
        del self.stack[mark:]
        return items

    def _memo_put(self, index: int, value: Value, at: int) -> None:
        if index not in self.memo and len(self.memo) >= MEMO_LIMIT:
            self.run.over_budget = True
            raise Halt(f"memo has more than {MEMO_LIMIT} entries", at)
        self.memo[index] = value

    def _memo_get(self, index: int, at: int) -> Value:
        try:
            return self.memo[index]
        except KeyError:
            raise Halt(f"memo value not found at index {index}", at) from None

    # -- effects ---------------------------------------------------------------------
    def _global(self, module: str, name: str, at: int, opcode: str) -> Ref:
        ref = Ref(module, name, at, opcode)
        self.run.imports.append(ref)
        return ref

    def _call(self, opcode: str, at: int, target: Value) -> None:
        self.run.calls.append(Call(opcode, at, target))

    def _made(self, opcode: str, at: int, maker: Value, args: object = None) -> Made:
        """The object that calling ``maker`` makes (the call recorded)."""
        self._call(opcode, at, maker)
        return Made(maker if isinstance(maker, Ref) else None, at, args)

    def _container_op(self, opcode: str, at: int, target: Value) -> None:
        # list.append, dict.__setitem__, set.add on plain containers run nothing; on an
        # object made by a global (or a global itself) they call its methods.
        if isinstance(target, Ref | Made):
            self._call(opcode, at, target)

    # -- the loop --------------------------------------------------------------------
    def execute(self) -> PickleRun:
        """Run to STOP, the first error, or the end of the budget."""
        run = self.run
        try:
            self._loop()
        except Halt as stop:
            run.error = stop.message
            run.error_offset = stop.offset
        run.end = self.pos
        return run

    def _loop(self) -> None:
        run = self.run
        stack = self.stack
        data = self.data
        while True:
            at = self.pos
            if at >= self.end:
                raise Halt("pickle data was truncated" if at > run.start else "empty", at)
            if at >= self.limit:
                run.over_budget = True
                raise Halt("byte budget exhausted", at)
            op = data[at]
            self.pos = at + 1
            run.opcodes += 1
            if op == 0x28:  # MARK
                self.marks.append(len(stack))
                self.fence = len(stack)
            elif op == 0x2E:  # STOP
                self._pop(at)
                run.stopped = True
                return
            elif op == 0x30:  # POP: drops a MARK set at the top, else an item
                if self.marks and self.marks[-1] == len(stack):
                    self.marks.pop()
                    self.fence = self.marks[-1] if self.marks else 0
                else:
                    self._pop(at)
            elif op == 0x31:  # POP_MARK
                self._pop_mark(at)
            elif op == 0x32:  # DUP
                stack.append(self._top(at))
            elif op in (0x46, 0x49):  # FLOAT, INT: a decimal line, checked as CPython does
                line = self._readline(at)
                is_float = op == 0x46
                ok = line_args.float_line_ok if is_float else line_args.int_line_ok
                if len(line) < 2 or not ok(line):
                    raise Halt(f"could not convert string to {'float' if is_float else 'int'}", at)
                stack.append(OTHER)
            elif op == 0x47:  # BINFLOAT
                self.read(8, at)
                stack.append(OTHER)
            elif op == 0x4A:  # BININT
                stack.append(_INT_STRUCT.unpack(self.read(4, at))[0])
            elif op == 0x4B:  # BININT1
                stack.append(self.read(1, at)[0])
            elif op == 0x4D:  # BININT2
                stack.append(_U16_STRUCT.unpack(self.read(2, at))[0])
            elif op == 0x4C:  # LONG
                line = self._readline(at)
                if len(line) < 2:
                    raise Halt("pickle data was truncated", at)
                text = line[:-2] if line[-2:-1] == b"L" else line
                if not line_args.pylong_ok(line_args.cstring(text)):
                    raise Halt("invalid literal for int()", at)
                stack.append(OTHER)
            elif op == 0x8A:  # LONG1
                raw = self.read(self.read(1, at)[0], at)
                stack.append(int.from_bytes(raw, "little", signed=True) if len(raw) <= 8 else OTHER)
            elif op == 0x8B:  # LONG4
                size = _INT_STRUCT.unpack(self.read(4, at))[0]
                if size < 0:
                    raise Halt("LONG pickle has negative byte count", at)
                self.read(size, at)
                stack.append(OTHER)
            elif op == 0x4E:  # NONE
                stack.append(None)
            elif op in (0x88, 0x89):  # NEWTRUE, NEWFALSE
                stack.append(op == 0x88)
            elif op == 0x50:  # PERSID
                line = self._readline(at)
                try:
                    line[:-1].decode("ascii")
                except UnicodeDecodeError:
                    raise Halt("persistent IDs in protocol 0 must be ASCII strings", at) from None
                run.persistent = True
                stack.append(Made(None, at))
            elif op == 0x51:  # BINPERSID
                self._pop(at)
                run.persistent = True
                stack.append(Made(None, at))
            elif op == 0x52:  # REDUCE
                args = self._pop(at)
                func = self._pop(at)
                stack.append(self._made("REDUCE", at, func, args))
            elif op == 0x53:  # STRING
                line = self._readline(at)
                if len(line) < 2:
                    raise Halt("pickle data was truncated", at)
                value = line_args.decode_string_opcode(line)
                if value is None:
                    raise Halt("the STRING opcode argument must be quoted", at)
                stack.append(value)
            elif op == 0x54:  # BINSTRING
                size = _INT_STRUCT.unpack(self.read(4, at))[0]
                if size < 0:
                    raise Halt("BINSTRING pickle has negative byte count", at)
                stack.append(self.read(size, at).decode("latin-1"))
            elif op == 0x55:  # SHORT_BINSTRING
                stack.append(self.read(self.read(1, at)[0], at).decode("latin-1"))
            elif op == 0x56:  # UNICODE
                line = self._readline(at)
                try:
                    stack.append(line[:-1].decode("raw_unicode_escape"))
                except UnicodeDecodeError:
                    raise Halt("cannot decode UNICODE argument", at) from None
            elif op in (0x58, 0x8C, 0x8D):  # BINUNICODE, SHORT_BINUNICODE, BINUNICODE8
                size = self._count(op == 0x58, op == 0x8C, "BINUNICODE8", at)
                try:
                    stack.append(self.read(size, at).decode("utf-8", "surrogatepass"))
                except UnicodeDecodeError:
                    raise Halt("cannot decode BINUNICODE argument", at) from None
            elif op in (0x42, 0x43, 0x8E, 0x96):  # BINBYTES, SHORT_BINBYTES, *8, BYTEARRAY8
                self.read(self._count(op == 0x42, op == 0x43, "BINBYTES8", at), at)
                stack.append(OTHER)
            elif op == 0x61:  # APPEND
                if len(stack) - 1 <= self.fence:
                    raise Halt("unpickling stack underflow", at)
                stack.pop()
                self._container_op("APPEND", at, stack[-1])
            elif op == 0x65:  # APPENDS
                mark = self._marker(at)
                if mark > len(stack) or mark <= self.fence:
                    raise Halt("unpickling stack underflow", at)
                target = stack[mark - 1]
                del stack[mark:]
                self._container_op("APPENDS", at, target)
            elif op == 0x73:  # SETITEM
                if len(stack) - 2 <= self.fence:
                    raise Halt("unpickling stack underflow", at)
                item_key, item_value = stack[-2], stack[-1]
                del stack[-2:]
                set_item(stack[-1], item_key, item_value)
                self._container_op("SETITEM", at, stack[-1])
            elif op == 0x75:  # SETITEMS
                mark = self._marker(at)
                if mark > len(stack) or mark <= self.fence:
                    raise Halt("unpickling stack underflow", at)
                if (len(stack) - mark) % 2:
                    raise Halt("odd number of items for SETITEMS", at)
                target = stack[mark - 1]
                count = len(stack) - mark
                for index in range(mark, len(stack), 2):
                    set_item(target, stack[index], stack[index + 1])
                del stack[mark:]
                if count:
                    self._container_op("SETITEMS", at, target)
            elif op == 0x90:  # ADDITEMS
                mark = self._marker(at)
                if mark > len(stack) or mark <= self.fence:
                    raise Halt("unpickling stack underflow", at)
                target = stack[mark - 1]
                count = len(stack) - mark
                del stack[mark:]
                if count:
                    self._container_op("ADDITEMS", at, target)
            elif op == 0x62:  # BUILD
                if len(stack) - 2 < self.fence:
                    raise Halt("unpickling stack underflow", at)
                state = self._pop(at)
                target = self._top(at)
                self._container_op("BUILD", at, target)
                if isinstance(target, Made):
                    target.state = state
                    if self.after_build is not None:
                        self.after_build(self, target, at)
            elif op == 0x63:  # GLOBAL
                module = self._name_line(at)
                name = self._name_line(at)
                stack.append(self._global(module, name, at, "GLOBAL"))
            elif op == 0x93:  # STACK_GLOBAL
                name_value = self._pop(at)
                module_value = self._pop(at)
                if isinstance(name_value, str) and isinstance(module_value, str):
                    stack.append(self._global(module_value, name_value, at, "STACK_GLOBAL"))
                elif isinstance(name_value, Made) or isinstance(module_value, Made):
                    # The name is built at load time by a call: it cannot be read here.
                    ref = Ref("?", "?", at, "STACK_GLOBAL", resolved=False)
                    run.imports.append(ref)
                    stack.append(ref)
                else:
                    raise Halt("STACK_GLOBAL requires str", at)
            elif op in (0x82, 0x83, 0x84):  # EXT1, EXT2, EXT4
                width = {0x82: 1, 0x83: 2, 0x84: 4}[op]
                raw = self.read(width, at)
                code = (
                    raw[0]
                    if width == 1
                    else (_U16_STRUCT.unpack(raw)[0] if width == 2 else _INT_STRUCT.unpack(raw)[0])
                )
                if code <= 0:
                    raise Halt("EXT specifies code <= 0", at)
                ref = Ref("?", f"extension {code}", at, "EXT", resolved=False)
                run.imports.append(ref)
                stack.append(ref)
            elif op == 0x64:  # DICT
                items = self._pop_mark(at)
                if len(items) % 2:
                    raise Halt("odd number of items for DICT", at)
                built: dict[object, object] = {}
                for index in range(0, len(items), 2):
                    set_item(built, items[index], items[index + 1])
                stack.append(built)
            elif op == 0x7D:  # EMPTY_DICT
                stack.append({})
            elif op == 0x29:  # EMPTY_TUPLE
                stack.append(())
            elif op in (0x5D, 0x8F):  # EMPTY_LIST, EMPTY_SET
                stack.append(OTHER)
            elif op == 0x74:  # TUPLE
                stack.append(tuple(self._pop_mark(at)))
            elif op in (0x6C, 0x91):  # LIST, FROZENSET
                self._pop_mark(at)
                stack.append(OTHER)
            elif op in (0x85, 0x86, 0x87):  # TUPLE1, TUPLE2, TUPLE3
                count = op - 0x84
                if len(stack) - count < self.fence:
                    raise Halt("unpickling stack underflow", at)
                items = stack[len(stack) - count :]
                del stack[len(stack) - count :]
                stack.append(tuple(items))
            elif op == 0x67:  # GET
                line = self._readline(at)
                stack.append(self._memo_get(_memo_index(line, at), at))
            elif op == 0x68:  # BINGET
                stack.append(self._memo_get(self.read(1, at)[0], at))
            elif op == 0x6A:  # LONG_BINGET
                index = _UINT_STRUCT.unpack(self.read(4, at))[0]
                stack.append(self._memo_get(index, at))
            elif op == 0x70:  # PUT
                line = self._readline(at)
                index = _memo_index(line, at)
                if index < 0:
                    raise Halt("negative PUT argument", at)
                self._memo_put(index, self._top(at), at)
            elif op == 0x71:  # BINPUT
                index = self.read(1, at)[0]
                self._memo_put(index, self._top(at), at)
            elif op == 0x72:  # LONG_BINPUT
                index = _UINT_STRUCT.unpack(self.read(4, at))[0]
                if index > _SSIZE_MAX:
                    raise Halt("negative LONG_BINPUT argument", at)
                self._memo_put(index, self._top(at), at)
            elif op == 0x94:  # MEMOIZE
                self._memo_put(len(self.memo), self._top(at), at)
            elif op == 0x69:  # INST: the mark first, then the two lines
                mark = self._marker(at)
                module = self._name_line(at)
                name = self._name_line(at)
                ref = self._global(module, name, at, "INST")
                del stack[mark:]
                stack.append(self._made("INST", at, ref))
            elif op == 0x6F:  # OBJ
                items = self._pop_mark(at)
                if not items:
                    raise Halt("unpickling stack underflow", at)
                stack.append(self._made("OBJ", at, items[0]))
            elif op == 0x81:  # NEWOBJ
                args = self._pop(at)
                cls = self._pop(at)
                stack.append(self._made("NEWOBJ", at, cls, args))
            elif op == 0x92:  # NEWOBJ_EX
                self._pop(at)
                self._pop(at)
                cls = self._pop(at)
                stack.append(self._made("NEWOBJ_EX", at, cls))
            elif op == 0x80:  # PROTO
                protocol = self.read(1, at)[0]
                if protocol > HIGHEST_PROTOCOL:
                    raise Halt(f"unsupported pickle protocol: {protocol}", at)
                run.protocol = protocol
            elif op == 0x95:  # FRAME: the frame must be there; opcodes may cross it
                size = _U64_STRUCT.unpack(self.read(8, at))[0]
                if size > _SSIZE_MAX:
                    raise Halt("FRAME length exceeds system's maximum of bytes", at)
                if self.pos + size > self.end:
                    raise Halt("pickle data was truncated", at)
            elif op == 0x97:  # NEXT_BUFFER: needs out-of-band buffers
                raise Halt("pickle stream refers to out-of-band data but no buffers were given", at)
            elif op == 0x98:  # READONLY_BUFFER
                self._top(at)
            else:
                raise Halt(f"invalid load key, {bytes([op])!r}", at)

    def _name_line(self, at: int) -> str:
        line = self._readline(at)
        if len(line) < 2:
            raise Halt("pickle data was truncated", at)
        try:
            return line[:-1].decode("utf-8")
        except UnicodeDecodeError:
            raise Halt("global name is not UTF-8", at) from None


def run_machine(
    data: Data,
    start: int,
    end: int,
    budget: int,
    *,
    depth: int = 0,
    after_build: Callable[[PickleMachine, Made, int], None] | None = None,
) -> PickleRun:
    """Model one pickle starting at ``start``: see :class:`PickleMachine`. ``after_build``
    lets a loader's stream extension (joblib's raw arrays) read after a BUILD."""
    machine = PickleMachine(data, start, end, budget)
    machine.after_build = after_build
    machine.depth = depth
    return machine.execute()


def _memo_index(line: bytes, at: int) -> int:
    index = line_args.memo_index(line)
    if index is None:
        raise Halt("invalid memo index", at)
    return index
