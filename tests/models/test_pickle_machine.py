"""The pickle machine against the real pickler's output, protocols 0 to 5: every pickle
pickle.dumps writes runs to STOP, with exactly the globals it holds; and the places
where pickletools and the real unpickler disagree are modelled as the unpickler."""

from __future__ import annotations

import collections
import datetime
import decimal
import pickle
import pickletools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainward.models.pickle_loaders import run_pickle
from chainward.models.pickle_values import Ref

LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.binary(max_size=20)
)
VALUES = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.text(max_size=5), inner, max_size=5)
        | st.tuples(inner, inner)
        | st.frozensets(st.integers(), max_size=3)
        | st.builds(
            collections.OrderedDict, st.dictionaries(st.text(max_size=3), inner, max_size=3)
        )
    ),
    max_leaves=30,
)


def _globals(data: bytes) -> list[str]:
    """The globals pickletools sees (with STACK_GLOBAL's strings read back)."""
    found = []
    strings: list[str] = []
    for opcode, arg, _ in pickletools.genops(data):
        if opcode.name in ("GLOBAL", "INST"):
            found.append(str(arg).replace(" ", "."))
        elif opcode.name == "STACK_GLOBAL":
            found.append("<stack>")
        elif isinstance(arg, str):
            strings.append(arg)
    return found


@settings(max_examples=150, deadline=None)
@given(VALUES, st.integers(min_value=0, max_value=5))
def test_every_pickle_of_the_real_pickler_runs_to_stop(value: object, protocol: int) -> None:
    data = pickle.dumps(value, protocol=protocol)
    run = run_pickle(data, 0, len(data), 1 << 30)
    assert run.stopped and run.error is None and run.end == len(data)
    assert len(run.imports) == len(_globals(data))
    assert all(ref.resolved for ref in run.imports)


@pytest.mark.parametrize("protocol", range(6))
def test_globals_of_real_objects(protocol: int) -> None:
    value = {
        "when": datetime.datetime(2024, 1, 2, 3, 4, 5),
        "d": decimal.Decimal("1.5"),
        "c": collections.Counter("abca"),
        "q": collections.deque([1, 2]),
    }
    data = pickle.dumps(value, protocol=protocol)
    run = run_pickle(data, 0, len(data), 1 << 30)
    assert run.stopped
    names = {ref.qualified for ref in run.imports}
    assert {"datetime.datetime", "decimal.Decimal", "collections.Counter"} <= names
    makers = [c for c in run.calls if c.opcode in ("REDUCE", "NEWOBJ", "NEWOBJ_EX", "OBJ", "INST")]
    assert makers and all(isinstance(call.target, Ref) for call in makers)


@pytest.mark.parametrize(
    ("data", "stopped"),
    [
        (b"I0x10\n.", True),  # base 0: pickletools rejects, the unpickler reads 16
        (b"I010\n.", True),  # strtol reads octal
        (b"I1_0\n.", True),  # PyLong_FromString accepts underscores
        (b"Ix\n.", False),
        (b"(0N.", True),  # POP drops the MARK
        (b"N(1.", True),  # POP_MARK leaves N
        (b"(N1.", False),  # nothing left for STOP
        (b"N(.", False),  # STOP cannot pop below the MARK
        (b"\x80\x06N.", False),  # protocol 6 does not exist
        (b"\x95\x02\x00\x00\x00\x00\x00\x00\x00N.", True),  # FRAME without PROTO
        (b"\x95\x09\x00\x00\x00\x00\x00\x00\x00N.", False),  # a frame past the end
        (b"N\x94h\x00.", True),
        (b"N\x94h\x01.", False),  # no memo entry 1
        (b"Np3\n0g3\n.", True),
        (b"S'abc\"\n.", False),  # quotes must match
        (b"L12L\n.", True),
    ],
)
def test_decoding_follows_the_real_unpickler(data: bytes, stopped: bool) -> None:
    import subprocess
    import sys

    run = run_pickle(data, 0, len(data), 1 << 20)
    assert run.stopped is stopped, run.error
    # ... and the real unpickler agrees (plain data only: nothing here imports or calls).
    real = subprocess.run(
        [sys.executable, "-c", "import pickle, sys; pickle.loads(bytes.fromhex(sys.argv[1]))",
         data.hex()],
        capture_output=True,
        check=False,
    )  # fmt: skip
    assert (real.returncode == 0) is stopped, real.stderr
