"""Static scan of model files, identified by content: nothing is ever unpickled or loaded.

A file is recognised by its bytes, never its suffix: pickles of every protocol (with or
without PROTO), zip archives (PyTorch, TorchScript, numpy ``.npz``, Keras v3), tar
archives (legacy ``torch.save``), gzip/bz2/xz/zlib streams (and joblib's lzma, lz4 and
"ZF" files), numpy ``.npy`` files.
Containers are opened to a depth limit; every member is identified the same way, with
member names compared case-insensitively. Pickles are run through
:mod:`chainward.models.pickle_vm` (the machine as CPython's ``_pickle`` runs it), every
pickle in a stream until EOF under a byte budget, and their globals judged by
:mod:`chainward.models.pickle_policy`. What cannot be followed (a malformed stream, an
archive Python's zipfile refuses, a budget hit, a global built at load time) is
reported as unverifiable, never passed.
"""

from __future__ import annotations

import ast
import io
import struct
import warnings
import zipfile
from pathlib import Path
from typing import BinaryIO

from chainward.models.archives import MAX_DEPTH, scan_compressed, scan_tar, scan_zip
from chainward.models.identify import (
    COMPRESSED_KINDS,
    MODEL_SUFFIXES,
    TEXT_SUFFIXES,
    identify,
    is_model_name,
)
from chainward.models.pickle_findings import classify_global, find_pickle_problems
from chainward.models.pickle_loaders import names_object_type, run_pickle
from chainward.models.pickle_report import PickleImport, PickleReport, ScanState, where
from chainward.models.pickle_values import Made, PickleRun, Ref
from chainward.models.pickle_vm import MEMO_LIMIT

__all__ = [
    "MEMO_LIMIT",
    "MODEL_SUFFIXES",
    "PickleImport",
    "PickleReport",
    "classify_global",
    "find_pickle_problems",
    "identify",
    "is_model_name",
    "scan_bytes",
    "scan_model_file",
    "scan_pickle_stream",
]

# The head of a file read to scan its pickles; grown when a pickle runs past it.
WINDOW = 64 << 10


def _state(limit: int, report: PickleReport, window_end: int | None = None) -> ScanState:
    """A scan whose container readers call back into this module's scanners."""
    return ScanState(
        limit,
        report,
        window_end=window_end,
        scan_data=_scan_data,
        scan_pickles=_scan_pickles,
    )


def scan_model_file(path: Path, limit: int, *, forced: bool | None = None) -> PickleReport:
    """Scan one file by content. ``forced`` (default: a model suffix) means the file is
    known to be a model (LFS, ``.gitattributes``), so a broken one is reported."""
    report = PickleReport()
    path = Path(path)
    force = is_model_name(path.name) if forced is None else forced
    with path.open("rb") as handle:
        size = path.stat().st_size
        if size == 0:
            return report
        head = handle.read(512)
        kind = identify(head)
        if kind is None and not force:
            return report
        text_name = path.name.lower().endswith(TEXT_SUFFIXES)
        if kind == "pickle?" and not force and text_name and not head.startswith(b"\x80"):
            return report
        scan = _state(limit, report)
        if kind == "zip":
            scan_zip(scan, path, None, 0, force)
            return report
        if kind == "tar":
            scan_tar(scan, path, None, 0, force)
            return report
        # Pickles sit at the head of the file (a legacy torch.save's tensors follow
        # them): read a window, and a larger one only when a pickle runs past its end.
        # Never the whole file at once: peak memory stays bounded by what is scanned.
        if kind in COMPRESSED_KINDS:
            handle.seek(0)
            scan_compressed(scan, handle, None, 0, kind, force)
            return report
        cap = min(size, limit)
        window = min(cap, WINDOW)
        while True:
            handle.seek(0)
            data = handle.read(window)
            scan = _state(limit, PickleReport(), window_end=window if window < size else None)
            _scan_data(scan, data, None, 0, force, kind)
            if not scan.window_short or window >= cap:
                break
            window = min(cap, window * 4)
    if force and _zip_behind(path):
        # zipfile (numpy's and Keras's readers, any ZipFile caller) finds an archive by
        # its end record: bytes in front of it (a harmless pickle, junk) hide it from a
        # look at the first bytes only. The archive is scanned as well.
        scan_zip(_state(limit, scan.report), path, None, 0, force)
    return scan.report


def _zip_behind(path: Path) -> bool:
    """Whether Python's zipfile opens ``path`` although it does not start like a zip."""
    try:
        if not zipfile.is_zipfile(path):
            return False
        with zipfile.ZipFile(path):
            return True
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return False


def scan_bytes(data: bytes, limit: int, *, name: str = "", forced: bool = True) -> PickleReport:
    """Scan bytes held in memory (an archive member, a test's pickle)."""
    report = PickleReport()
    _scan_data(_state(limit, report), data, name or None, 0, forced, identify(data[:512]))
    return report


def scan_pickle_stream(stream: BinaryIO, member: str | None, report: PickleReport) -> bool:
    """Read ``stream`` (bounded by 64 MiB) and scan it as pickles; False if it is none."""
    data = stream.read(64 << 20)
    scan = _state(64 << 20, report)
    return _scan_pickles(scan, data, 0, member, "pickle", force=True)


def _scan_data(
    scan: ScanState,
    data: bytes,
    member: str | None,
    depth: int,
    force: bool,
    kind: str | None,
) -> None:
    report = scan.report
    if kind is None:
        if force:
            _scan_pickles(scan, data, 0, member, "pickle", force=False)
        return
    if depth > MAX_DEPTH:
        report.problem(f"archives nested deeper than {MAX_DEPTH} levels{where(member)}", member)
        return
    if kind == "pickle?":
        fmt = "torchscript" if report.container == "torchscript" else _format_of(member)
        _scan_pickles(scan, data, 0, member, fmt, force=force)
        return
    if kind == "zip":
        scan_zip(scan, io.BytesIO(bytes(data)), member, depth, force)
        return
    if kind == "tar":
        scan_tar(scan, io.BytesIO(bytes(data)), member, depth, force)
        return
    if kind in COMPRESSED_KINDS:
        scan_compressed(scan, io.BytesIO(data), member, depth, kind, force)
        return
    if kind == "npy":
        _scan_npy(scan, data, member)
        return
    report.kinds.append(kind)


def _format_of(member: str | None) -> str:
    lower = (member or "").lower()
    if lower.endswith(("data.pkl", "constants.pkl")) or "/data.pkl" in lower:
        return "torch"
    return "pickle"


def _plausible(ref: Ref) -> bool:
    """A global a real unpickler could import: dotted identifiers."""
    return all(part.isidentifier() for part in f"{ref.module}.{ref.name}".split("."))


# Opcodes that call what they are given; the others (BUILD, APPEND(S), SETITEM(S),
# ADDITEMS) act on an object, and on a global they act on the class or module itself.
_CALLING_OPCODES = frozenset({"REDUCE", "INST", "OBJ", "NEWOBJ", "NEWOBJ_EX"})


def _record(scan: ScanState, run: PickleRun, member: str | None, fmt: str) -> None:
    called: dict[int, tuple[str, int]] = {}
    report = scan.report
    for call in run.calls:
        target = call.target
        if isinstance(target, Ref):
            called.setdefault(id(target), (call.opcode, call.offset))
            if call.opcode not in _CALLING_OPCODES:
                # BUILD (or an item opcode) on the global itself, not on an object made
                # from it: setattr on a class or module, which patches it for the whole
                # process (pathlib.Path.__eq__ = ...). No benign pickle does this.
                report.problem(
                    f"{call.opcode} at byte {call.offset}{where(member)} sets state on the "
                    f"global {target.qualified} itself, not on an object made from it: "
                    "loading patches it for the whole process, and what that leads to "
                    "cannot be read statically",
                    member,
                    call.offset,
                )
        elif isinstance(target, Made) and call.opcode in ("REDUCE", "OBJ", "NEWOBJ", "NEWOBJ_EX"):
            # Calling something that is not a global: the result of another call or a
            # persistent object. What runs cannot be read from the file. (Calling plain
            # data raises TypeError in the unpickler: nothing runs.)
            maker = f" (made by {target.origin.qualified})" if target.origin else ""
            report.problem(
                f"{call.opcode} at byte {call.offset}{where(member)} calls an object "
                f"made at load time{maker}, not a global: what it runs cannot be read "
                "statically",
                member,
                call.offset,
            )
    for ref in run.imports:
        opcode, offset = called.get(id(ref), (None, None))
        report.imports.append(
            PickleImport(
                ref.module,
                ref.name,
                ref.offset,
                member,
                ref.resolved,
                fmt,
                opcode,
                offset,
            )
        )


def _scan_pickles(
    scan: ScanState,
    data: bytes,
    start: int,
    member: str | None,
    fmt: str,
    *,
    force: bool,
) -> bool:
    """Every pickle from ``start`` until EOF (or data that is no pickle). True if any."""
    report = scan.report
    pos = start
    index = 0
    end = len(data)
    while pos < end:
        if scan.budget <= 0:
            report.problem(
                f"not fully scanned: the {scan.limit}-byte budget ran out at byte {pos}"
                f"{where(member)}",
                member,
                pos,
            )
            return index > 0
        run = run_pickle(data, pos, end, scan.budget)
        scan.budget -= run.end - pos
        if (
            member is None
            and scan.window_end is not None
            and run.error == "pickle data was truncated"
            and (index > 0 or run.effectful or force)
        ):
            scan.window_short = True
            report.is_pickle = True
            _record(scan, run, member, fmt)
            report.problem(
                f"not fully scanned: pickle {index + 1} runs past the first "
                f"{scan.window_end} bytes read (limit {scan.limit} bytes)",
                member,
                run.error_offset,
            )
            return True
        calls_plausible = any(isinstance(c.target, Ref) and _plausible(c.target) for c in run.calls)
        if index == 0 and not run.stopped:
            # A stream that breaks before doing anything is not a pickle (binary data
            # that happens to start with an opcode byte); one that imports and calls
            # something before it breaks is one, and its rest cannot be followed.
            # A PROTO-headed stream in a model file is a broken pickle.
            broken = force and data[start : start + 1] == b"\x80" and run.opcodes > 1
            if not (calls_plausible or (force and run.effectful) or run.over_budget or broken):
                return False
        if (
            index == 0
            and run.stopped
            and not force
            and not run.effectful
            and not _effectful_after(scan, data, run.end, end, member)
        ):
            return False  # plain data that parses as a pickle, and nothing after it runs
        if index > 0 and not run.stopped and not run.effectful and not run.over_budget:
            return True  # the data after the last pickle (legacy torch.save tensors)
        report.is_pickle = True
        report.pickles += 1
        _record(scan, run, member, fmt)
        if run.over_budget:
            report.problem(
                f"not fully scanned{where(member)}: {run.error} at byte {run.error_offset} "
                f"(pickle {index + 1}, limit {scan.limit} bytes)",
                member,
                run.error_offset,
            )
            return True
        if not run.stopped:
            report.problem(
                f"malformed pickle{where(member)} at byte {run.error_offset} "
                f"(pickle {index + 1}): {run.error}; the unpickler stops here, and this "
                "scanner cannot prove what the file does",
                member,
                run.error_offset,
            )
            return True
        pos = run.end
        index += 1
    if member is None and scan.window_end is not None:
        # The last pickle ended exactly where the window does: the file goes on, and
        # the next pickle (pickle.load in a loop reads it) is past the window.
        scan.window_short = True
    return True


def _may_hold_objects(descr: object) -> bool:
    """Whether ``numpy.lib.format.descr_to_dtype(descr)`` may give a dtype with objects:
    a type string (``numpy.dtype`` takes names such as ``object`` and comma-separated
    fields), a ``(type, shape)`` subarray, or a list of ``(name, type[, shape])`` fields.
    Anything else is not something this scanner models, so it may."""
    if isinstance(descr, str):
        return names_object_type(descr)
    if isinstance(descr, tuple) and descr:
        return _may_hold_objects(descr[0])
    if isinstance(descr, list):
        return any(
            not (isinstance(field, tuple) and len(field) >= 2) or _may_hold_objects(field[1])
            for field in descr
        )
    return True


def _effectful_after(scan: ScanState, data: bytes, pos: int, end: int, member: str | None) -> bool:
    """Whether a pickle after a plain-data first one imports or calls something (a
    reader that calls pickle.load in a loop runs it), or runs past the window read."""
    budget = scan.budget
    while pos < end and budget > 0:
        run = run_pickle(data, pos, end, budget)
        if run.effectful:
            return True
        if not run.stopped:
            truncated = run.error == "pickle data was truncated"
            return truncated and member is None and scan.window_end is not None
        budget -= run.end - pos
        pos = run.end
    return pos >= end and member is None and scan.window_end is not None


def _scan_npy(scan: ScanState, data: bytes, member: str | None) -> None:
    report = scan.report
    report.container = "numpy" if report.container == "pickle" else report.container
    try:
        major = data[6]
        if major == 1:
            size = struct.unpack("<H", bytes(data[8:10]))[0]
            start = 10
        else:
            size = struct.unpack("<I", bytes(data[8:12]))[0]
            start = 12
        header_text = bytes(data[start : start + size]).decode("latin-1")
        with warnings.catch_warnings():  # odd literals warn (SyntaxWarning): data, not code
            warnings.simplefilter("ignore")
            header = ast.literal_eval(header_text)  # literals only: never evaluates code
        descr = header["descr"] if isinstance(header, dict) else None
    except (
        IndexError,
        struct.error,
        ValueError,
        SyntaxError,
        KeyError,
        TypeError,
        RecursionError,
        MemoryError,
    ) as exc:
        report.problem(f"numpy header{where(member)} cannot be read: {exc}", member, 0)
        return
    if _may_hold_objects(descr):
        # An object array is stored as a pickle after the header; numpy.load runs it
        # with allow_pickle=True.
        report.kinds.append("numpy-object-array")
        if not _scan_pickles(scan, data, start + size, member, "numpy", force=True):
            report.problem(
                f"numpy object array{where(member)} holds no readable pickle",
                member,
                start + size,
            )
