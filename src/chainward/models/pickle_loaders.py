"""The pickle machine as the loaders run it: ``pickle.load`` plus joblib's stream
extension, which reads an array's raw bytes (or a pickle of its own, for object arrays)
straight from the stream after the BUILD of its ``NumpyArrayWrapper``."""

from __future__ import annotations

import math
import re

from chainward.models.pickle_values import Data, Halt, Made, PickleRun
from chainward.models.pickle_vm import PickleMachine, run_machine


def run_pickle(data: Data, start: int, end: int, budget: int, *, depth: int = 0) -> PickleRun:
    """Model one pickle starting at ``start``, joblib's raw arrays included."""
    hook = joblib_array if depth < 4 else None
    return run_machine(data, start, end, budget, depth=depth, after_build=hook)


JOBLIB_WRAPPER = "joblib.numpy_pickle.NumpyArrayWrapper"

# A type letter ``O`` (``|O``, ``O8``, ``i4,O``, ``(2,)O``) or a name that starts with
# "object" (``object``, ``object_``, numpy 1's ``Object0``), not inside a word
# (``float``, ``bool``, ``longlong``): what ``numpy.dtype`` turns into an object dtype.
_OBJECT_TYPE = re.compile(r"(?<![a-z])o", re.IGNORECASE)


def names_object_type(code: str) -> bool:
    """Whether ``numpy.dtype(code)`` may hold Python objects (its array is a pickle)."""
    return _OBJECT_TYPE.search(code) is not None


def _itemsize(dtype: object) -> int | None:
    """The item size of a pickled ``numpy.dtype(<code>, False, True)``; None if unknown,
    0 for an object dtype (its array is a pickle of its own)."""
    if not (isinstance(dtype, Made) and dtype.origin is not None):
        return None
    if dtype.origin.qualified not in ("numpy.dtype", "numpy.core.multiarray.dtype"):
        return None
    args = dtype.args
    if not (isinstance(args, tuple) and args and isinstance(args[0], str)):
        return None
    code = args[0].lstrip("<>|=")
    if names_object_type(code):
        return 0  # numpy.dtype("object") is an object dtype whatever its state says
    state = dtype.state
    if isinstance(state, tuple) and len(state) > 5 and isinstance(state[5], int) and state[5] > 0:
        if not (len(state) > 4 and state[4] is not None):  # structured dtypes: not modelled
            return state[5]
        return None
    digits = code[1:]
    if code[:1] in ("b", "i", "u", "f", "c", "M", "m", "S", "V") and digits.isdigit():
        return int(digits)
    if code == "?":
        return 1
    if code[:1] == "U" and digits.isdigit():
        return 4 * int(digits)
    return None


def joblib_array(machine: PickleMachine, made: Made, at: int) -> None:
    """joblib's unpickler reads an array's bytes straight from the stream after the BUILD
    of its ``NumpyArrayWrapper`` (a padding byte count and padding first, since joblib
    1.2), or a whole pickle of its own for object arrays. Skip them as it reads them."""
    if made.origin is None or made.origin.qualified != JOBLIB_WRAPPER:
        return
    state = made.state
    if not isinstance(state, dict):
        raise Halt("joblib array wrapper without a readable state", at)
    shape = state.get("shape")
    size = _itemsize(state.get("dtype"))
    if not (isinstance(shape, tuple) and all(isinstance(n, int) and n >= 0 for n in shape)):
        raise Halt("joblib array wrapper with an unreadable shape", at)
    if size is None:
        raise Halt("joblib array wrapper with a dtype this scanner does not model", at)
    if size == 0:
        # An object array: pickle.load on the same stream, a new pickle with its own memo.
        inner = run_pickle(
            machine.data,
            machine.pos,
            machine.end,
            machine.limit - machine.pos,
            depth=machine.depth + 1,
        )
        machine.run.imports.extend(inner.imports)
        machine.run.calls.extend(inner.calls)
        machine.pos = inner.end
        if not inner.stopped:
            raise Halt(inner.error or "joblib object array", inner.error_offset or at)
        return
    if state.get("numpy_array_alignment_bytes") is not None:
        padding = machine.read(1, at)[0]
        machine.skip(padding, at)
    machine.skip(math.prod(shape) * size, at)
