"""Static scan of model files, identified by content: nothing is ever unpickled or loaded.

A file is recognised by its bytes, never its suffix: pickles of every protocol (with or
without PROTO), zip archives (PyTorch, TorchScript, numpy ``.npz``, Keras v3), tar
archives (legacy ``torch.save``), gzip/bz2/xz/zlib streams, numpy ``.npy`` files.
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
import bz2
import io
import lzma
import struct
import tarfile
import warnings
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from chainward.core.findings import Confidence, Finding, Severity
from chainward.models.meta import (
    PICKLE_FORMAT,
    PICKLE_UNKNOWN_GLOBAL,
    UNSAFE_MODEL_CONTENT,
    UNSAFE_PICKLE,
    UNVERIFIABLE_MODEL_FILE,
)
from chainward.models.pickle_loaders import run_pickle
from chainward.models.pickle_policy import Verdict, classify, denied_reason
from chainward.models.pickle_values import Made, PickleRun, Ref
from chainward.models.pickle_vm import MEMO_LIMIT
from chainward.models.torchscript import (
    MAX_CODE_MEMBER,
    CodeUse,
    UseVerdict,
    archive_prefixes,
    is_code_member,
    scan_code,
)

__all__ = [
    "MEMO_LIMIT",
    "PickleImport",
    "PickleReport",
    "classify_global",
    "find_pickle_problems",
    "scan_bytes",
    "scan_model_file",
    "scan_pickle_stream",
]

MAX_MEMBERS = 100_000
MAX_RATIO = 200
MAX_DEPTH = 4
# The head of a file read to scan its pickles; grown when a pickle runs past it.
WINDOW = 64 << 10
# The head of an archive member read to tell whether it holds something to scan.
HEAD = 4096

PICKLE_MEMBER_SUFFIXES = (".pkl", ".pickle")
# Suffixes that say "this is a model file": their content is scanned even when it does
# not open like a pickle, and a broken one is reported.
MODEL_SUFFIXES = (
    ".bin",
    ".pt",
    ".pth",
    ".ckpt",
    ".pkl",
    ".pickle",
    ".joblib",
    ".npy",
    ".npz",
    ".model",
    ".pth.tar",
    ".dat",
    ".h5",
    ".hdf5",
    ".keras",
    ".onnx",
    ".gguf",
    ".safetensors",
    ".sav",
    ".mar",
    ".nemo",
)
# Suffixes of text and source files: a protocol 0 pickle in one is not looked for.
TEXT_SUFFIXES = (
    ".py",
    ".pyi",
    ".md",
    ".rst",
    ".txt",
    ".json",
    ".jsonl",
    ".yaml",
    ".yml",
    ".toml",
    ".cfg",
    ".ini",
    ".html",
    ".css",
    ".js",
    ".ts",
    ".sh",
    ".c",
    ".h",
    ".cc",
    ".cpp",
    ".cu",
    ".ipynb",
    ".csv",
    ".tsv",
    ".xml",
    ".svg",
    ".tex",
    ".bib",
    ".lock",
    ".in",
    ".j2",
    ".jinja",
    ".sql",
)


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


def classify_global(module: str, name: str, extra_allow: Sequence[str] = ()) -> str:
    """``"dangerous"``, ``"safe"``, ``"data"`` or ``"unknown"`` for an imported global."""
    verdict = classify(module, name, "pickle", extra_allow)
    return {
        Verdict.DENIED: "dangerous",
        Verdict.ALLOWED: "safe",
        Verdict.DATA_ONLY: "data",
        Verdict.UNKNOWN: "unknown",
    }[verdict]


# --- identification ------------------------------------------------------------------

_PICKLE_HEADS = frozenset(b"\x80\x95(}])cNISVXFGJKLMTUBCP\x8c\x88\x89")


def identify(head: bytes) -> str | None:
    """What the bytes are, from their first bytes alone (``None``: nothing we scan)."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return "zip"
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh") and len(head) > 3 and head[3:4].isdigit():
        return "bz2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return "hdf5"
    if head.startswith(b"GGUF"):
        return "gguf"
    if len(head) >= 2 and head[0] == 0x78 and (head[0] << 8 | head[1]) % 31 == 0:
        return "zlib"
    if len(head) >= 10 and head[8:10] == b'{"' and struct.unpack("<Q", head[:8])[0] < 1 << 32:
        return "safetensors"
    if head[:1] and head[0] in _PICKLE_HEADS:
        return "pickle?"
    return None


def is_model_name(name: str) -> bool:
    """Whether a file or member name says it holds a model (case-insensitive), also
    under a compression suffix (``model.pkl.gz``)."""
    lower = name.lower()
    for suffix in (".gz", ".bz2", ".xz", ".z"):
        lower = lower.removesuffix(suffix)
    return lower.endswith(MODEL_SUFFIXES)


# --- the scan ------------------------------------------------------------------------


@dataclass
class _Scan:
    limit: int
    report: PickleReport
    budget: int = 0
    window_end: int | None = None
    """Length of the file's head in memory when it is shorter than the file."""
    window_short: bool = False
    """A pickle ran into the end of that window: read more and scan again."""

    def __post_init__(self) -> None:
        self.budget = self.limit


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
        scan = _Scan(limit, report)
        if kind == "zip":
            _scan_zip_source(scan, path, None, 0, force)
            return report
        if kind == "tar":
            _scan_tar_source(scan, path, None, 0, force)
            return report
        # Pickles sit at the head of the file (a legacy torch.save's tensors follow
        # them): read a window, and a larger one only when a pickle runs past its end.
        # Never the whole file at once: peak memory stays bounded by what is scanned.
        if kind in ("gzip", "bz2", "xz", "zlib"):
            handle.seek(0)
            _scan_compressed(scan, handle, None, 0, kind, force)
            return report
        cap = min(size, limit)
        window = min(cap, WINDOW)
        while True:
            handle.seek(0)
            data = handle.read(window)
            scan = _Scan(limit, PickleReport(), window_end=window if window < size else None)
            _scan_data(scan, data, None, 0, force, kind)
            if not scan.window_short or window >= cap:
                break
            window = min(cap, window * 4)
    return scan.report


def scan_bytes(data: bytes, limit: int, *, name: str = "", forced: bool = True) -> PickleReport:
    """Scan bytes held in memory (an archive member, a test's pickle)."""
    report = PickleReport()
    _scan_data(_Scan(limit, report), data, name or None, 0, forced, identify(data[:512]))
    return report


def scan_pickle_stream(stream: BinaryIO, member: str | None, report: PickleReport) -> bool:
    """Read ``stream`` (bounded by 64 MiB) and scan it as pickles; False if it is none."""
    data = stream.read(64 << 20)
    scan = _Scan(64 << 20, report)
    return _scan_pickles(scan, data, 0, member, "pickle", force=True)


def _where(member: str | None) -> str:
    return f" in {member}" if member else ""


def _scan_data(
    scan: _Scan,
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
        report.problem(f"archives nested deeper than {MAX_DEPTH} levels{_where(member)}", member)
        return
    if kind == "pickle?":
        fmt = "torchscript" if report.container == "torchscript" else _format_of(member)
        _scan_pickles(scan, data, 0, member, fmt, force=force)
        return
    if kind == "zip":
        _scan_zip_source(scan, io.BytesIO(bytes(data)), member, depth, force)
        return
    if kind == "tar":
        _scan_tar_source(scan, io.BytesIO(bytes(data)), member, depth, force)
        return
    if kind in ("gzip", "bz2", "xz", "zlib"):
        _scan_compressed(scan, io.BytesIO(data), member, depth, kind, force)
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


def _record(scan: _Scan, run: PickleRun, member: str | None, fmt: str) -> None:
    called: dict[int, tuple[str, int]] = {}
    report = scan.report
    for call in run.calls:
        target = call.target
        if isinstance(target, Ref):
            called.setdefault(id(target), (call.opcode, call.offset))
        elif isinstance(target, Made) and call.opcode in ("REDUCE", "OBJ", "NEWOBJ", "NEWOBJ_EX"):
            # Calling something that is not a global: the result of another call or a
            # persistent object. What runs cannot be read from the file. (Calling plain
            # data raises TypeError in the unpickler: nothing runs.)
            maker = f" (made by {target.origin.qualified})" if target.origin else ""
            report.problem(
                f"{call.opcode} at byte {call.offset}{_where(member)} calls an object "
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
    scan: _Scan,
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
                f"{_where(member)}",
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
        if index == 0 and run.stopped and not force and not run.effectful:
            return False  # plain data that parses as a pickle: nothing can run
        if index > 0 and not run.stopped and not run.effectful and not run.over_budget:
            return True  # the data after the last pickle (legacy torch.save tensors)
        report.is_pickle = True
        report.pickles += 1
        _record(scan, run, member, fmt)
        if run.over_budget:
            report.problem(
                f"not fully scanned{_where(member)}: {run.error} at byte {run.error_offset} "
                f"(pickle {index + 1}, limit {scan.limit} bytes)",
                member,
                run.error_offset,
            )
            return True
        if not run.stopped:
            report.problem(
                f"malformed pickle{_where(member)} at byte {run.error_offset} "
                f"(pickle {index + 1}): {run.error}; the unpickler stops here, and this "
                "scanner cannot prove what the file does",
                member,
                run.error_offset,
            )
            return True
        pos = run.end
        index += 1
    return True


def _inflate(handle: BinaryIO, kind: str, max_out: int) -> bytes:
    """Decompress from ``handle`` until EOF or ``max_out + 1`` bytes, a chunk at a time
    (a bomb never expands past the bound; a large stream is never read whole first)."""
    out = bytearray()
    if kind in ("gzip", "zlib"):
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS if kind == "gzip" else zlib.MAX_WBITS)
        pending = b""
        while len(out) <= max_out and not inflater.eof:
            if not pending:
                pending = handle.read(1 << 20)
                if not pending:
                    break
            out += inflater.decompress(pending, max_out + 1 - len(out))
            pending = inflater.unconsumed_tail
        return bytes(out)
    other = bz2.BZ2Decompressor() if kind == "bz2" else lzma.LZMADecompressor()
    while len(out) <= max_out and not other.eof:
        data = handle.read(1 << 20) if other.needs_input else b""
        if other.needs_input and not data:
            break
        out += other.decompress(data, max_out + 1 - len(out))
    return bytes(out)


_INFLATE_ERRORS = (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError)


def _scan_compressed(
    scan: _Scan, handle: BinaryIO, member: str | None, depth: int, kind: str, force: bool
) -> None:
    name = f"{member or ''}[{kind}]"
    try:
        head = _inflate(handle, kind, HEAD)
    except _INFLATE_ERRORS as exc:
        if force:
            scan.report.problem(f"{kind} data{_where(member)} cannot be decompressed: {exc}")
        return
    inner = identify(head)
    if not force and (inner is None or (inner == "pickle?" and not _may_be_pickle(head))):
        return  # a compressed dataset or text: nothing a loader unpickles
    handle.seek(0)
    try:
        out = _inflate(handle, kind, scan.limit)
    except _INFLATE_ERRORS as exc:
        scan.report.problem(f"{kind} data{_where(member)} cannot be decompressed: {exc}", member)
        return
    if len(out) > scan.limit:
        scan.report.problem(
            f"{kind} data{_where(member)} expands past the {scan.limit}-byte limit; not scanned",
            member,
        )
        return
    _scan_data(scan, out, name, depth + 1, force, inner)


def _may_be_pickle(head: bytes) -> bool:
    """Whether the head of a stream is (the start of) a pickle that does something."""
    run = run_pickle(head, 0, len(head), len(head))
    return run.stopped or run.effectful or run.error == "pickle data was truncated"


def _scan_npy(scan: _Scan, data: bytes, member: str | None) -> None:
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
        report.problem(f"numpy header{_where(member)} cannot be read: {exc}", member, 0)
        return
    if "O" in repr(descr):
        # An object array is stored as a pickle after the header; numpy.load runs it
        # with allow_pickle=True.
        report.kinds.append("numpy-object-array")
        if not _scan_pickles(scan, data, start + size, member, "numpy", force=True):
            report.problem(
                f"numpy object array{_where(member)} holds no readable pickle",
                member,
                start + size,
            )


# --- archives ------------------------------------------------------------------------

_MEMBER_ERRORS = (
    zipfile.BadZipFile,
    OSError,
    ValueError,
    EOFError,
    NotImplementedError,
    RuntimeError,
    zlib.error,
    lzma.LZMAError,
    struct.error,
)


def _member_name(parent: str | None, name: str) -> str:
    return f"{parent}!{name}" if parent else name


def _scan_member(
    scan: _Scan, name: str, data: bytes, depth: int, force: bool, zipped: bool
) -> None:
    lower = name.lower()
    kind = identify(data[:512])
    member_forced = force and (lower.endswith(PICKLE_MEMBER_SUFFIXES) or is_model_name(lower))
    if kind is None and not member_forced:
        return
    if kind == "pickle?" and not member_forced and lower.endswith(TEXT_SUFFIXES):
        return
    if zipped and lower.endswith(PICKLE_MEMBER_SUFFIXES) and scan.report.container == "pickle":
        scan.report.container = "pytorch-zip"
    if kind is None:
        kind = "pickle?"
    _scan_data(scan, data, name, depth + 1, member_forced, kind)


def _read_member(
    scan: _Scan, archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str
) -> bytes | None:
    report = scan.report
    if info.file_size > scan.limit:
        report.problem(f"{name} is {info.file_size} bytes, over the {scan.limit}-byte limit", name)
        return None
    if info.file_size > max(1 << 20, MAX_RATIO * info.compress_size):
        ratio = info.file_size // max(1, info.compress_size)
        report.problem(f"{name} expands {ratio}x (a zip bomb?); not read", name)
        return None
    try:
        with archive.open(info) as handle:
            data = handle.read(scan.limit + 1)
    except _MEMBER_ERRORS as exc:
        # Python refuses it (a bad CRC, an odd method); a lenient loader may not. Read
        # it from its local header as such a loader would, and scan that too.
        report.problem(f"{name} is unreadable by zipfile: {exc}", name)
        return _raw_member(archive, info, scan.limit)
    if len(data) > scan.limit:
        report.problem(f"{name} is larger than declared; not read", name)
        return None
    return data


def _raw_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes | None:
    """A member's bytes straight from its local header, CRC unchecked (stored or
    deflated only), or None."""
    handle = archive.fp
    if handle is None or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return None
    try:
        handle.seek(info.header_offset)
        header = handle.read(_LOCAL.size)
        if len(header) < _LOCAL.size or header[:4] != b"PK\x03\x04":
            return None
        fields = _LOCAL.unpack(header)
        handle.seek(info.header_offset + _LOCAL.size + fields[9] + fields[10])
        body = handle.read(min(info.compress_size, limit + 1))
        if info.compress_type == zipfile.ZIP_STORED:
            return body[: limit + 1]
        return zlib.decompressobj(-15).decompress(body, limit + 1)
    except (OSError, zlib.error, struct.error):
        return None


def _needs_full_read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, force: bool) -> bool:
    """Whether a member must be read whole: a pickle or model by name, or content that
    identifies as something we scan. A head that merely starts with an opcode byte
    (raw tensor data often does) is run through the machine first: when it breaks
    before importing or calling anything, it is no pickle."""
    lower = info.filename.lower()
    if lower.endswith(PICKLE_MEMBER_SUFFIXES) or (force and lower.endswith(MODEL_SUFFIXES)):
        return True
    try:
        with archive.open(info) as handle:
            head = handle.read(HEAD)
    except _MEMBER_ERRORS:
        return True
    kind = identify(head)
    if kind != "pickle?":
        return kind is not None
    return _may_be_pickle(head)


def _scan_zip_source(
    scan: _Scan, source: Path | io.BytesIO, parent: str | None, depth: int, force: bool
) -> None:
    report = scan.report
    try:
        archive = zipfile.ZipFile(source)
    except _MEMBER_ERRORS as exc:
        if isinstance(source, Path):
            with source.open("rb") as handle:
                _scan_zip_local_headers(scan, handle, parent, depth, force, str(exc))
        else:
            source.seek(0)
            _scan_zip_local_headers(scan, source, parent, depth, force, str(exc))
        return
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            report.problem(f"archive has {len(infos)} members (limit {MAX_MEMBERS})", parent)
            return
        names = [info.filename.lower() for info in infos]
        scripts = archive_prefixes(names)
        if scripts:
            report.container = "torchscript"
            report.kinds.append("torchscript")
        if "config.json" in names and any(n.endswith(".weights.h5") for n in names):
            report.kinds.append("keras")
        is_model = force or any(n.endswith(PICKLE_MEMBER_SUFFIXES) for n in names)
        storages = _torch_storage_prefixes(names)
        for info in infos:
            if info.filename.endswith("/"):
                continue
            head, _, tail = info.filename.lower().rpartition("/")
            if head in storages and tail.isdigit():
                continue  # a torch storage: read as raw bytes, never unpickled
            name = _member_name(parent, info.filename)
            if scripts and is_code_member(info.filename, scripts):
                _scan_code_member(scan, archive, info, name)
                continue
            try:
                full = _needs_full_read(archive, info, is_model)
            except _MEMBER_ERRORS as exc:
                report.problem(f"{name} is unreadable: {exc}", name)
                continue
            if not full:
                continue
            data = _read_member(scan, archive, info, name)
            if data is not None:
                _scan_member(scan, name, data, depth, is_model, zipped=True)


def _scan_code_member(
    scan: _Scan, archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str
) -> None:
    """Read one TorchScript ``code/`` member as text and judge the names it reaches."""
    report = scan.report
    report.is_pickle = True
    data = _read_member(_Scan(min(scan.limit, MAX_CODE_MEMBER), report), archive, info, name)
    if data is None:
        return  # _read_member said why (a limit, a bomb, an unreadable member)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        report.code_uses.append(
            CodeUse(name, 1, "", "", UseVerdict.UNPARSABLE, f"the source is not UTF-8: {exc}")
        )
        return
    report.code_uses.extend(scan_code(name, text))


def _torch_storage_prefixes(names: list[str]) -> frozenset[str]:
    """``<prefix>/data`` folders of PyTorch zip archives (a ``<prefix>/data.pkl`` next to
    them): torch reads their numbered members as tensor bytes, never as pickles."""
    return frozenset(
        name[: -len(".pkl")] for name in names if name.endswith("/data.pkl") and "/" in name
    )


_LOCAL = struct.Struct("<4sHHHHHIIIHH")


def _scan_zip_local_headers(
    scan: _Scan, handle: BinaryIO, parent: str | None, depth: int, force: bool, why: str
) -> None:
    """Read a zip Python's zipfile refuses by its local headers, as a lenient reader
    (torch's miniz) might; the archive is unverifiable whatever is found. Reads are
    bounded: a header at a time, and members up to the limit."""
    report = scan.report
    pos = 0
    found = 0
    for _ in range(MAX_MEMBERS):
        handle.seek(pos)
        header = handle.read(_LOCAL.size)
        if len(header) < _LOCAL.size or header[:4] != b"PK\x03\x04":
            break
        (_, _, flags, method, _, _, _, csize, _, nlen, xlen) = _LOCAL.unpack(header)
        name = _member_name(parent, handle.read(nlen).decode("utf-8", "replace"))
        start = pos + _LOCAL.size + nlen + xlen
        if flags & 0x08 and csize == 0:
            report.problem(f"{name}: size given only after the data; cannot be walked", name)
            break
        data: bytes | None = None
        if csize <= scan.limit:
            handle.seek(start)
            body = handle.read(csize)
            try:
                if method == 0:
                    data = body
                elif method == 8:
                    data = zlib.decompressobj(-15).decompress(body, scan.limit + 1)
            except zlib.error:
                data = None
        if data is None or len(data) > scan.limit:
            report.problem(f"{name} cannot be read from its local header", name)
        else:
            found += 1
            _scan_member(scan, name, data, depth, True, zipped=True)
        pos = start + csize
    if not (force or report.is_pickle):
        return  # a broken zip that holds no model: not ours to judge
    report.is_pickle = True
    report.problem(
        f"zip archive{_where(parent)} that Python's zipfile cannot open ({why}); "
        f"{found} member(s) were read from local headers, but what a loader reads cannot be "
        "proven",
        parent,
        0,
    )


def _scan_tar_source(
    scan: _Scan, source: Path | io.BytesIO, parent: str | None, depth: int, force: bool
) -> None:
    report = scan.report
    try:
        archive = (
            tarfile.open(source, "r:")  # noqa: SIM115 - closed by the `with` below
            if isinstance(source, Path)
            else tarfile.open(fileobj=source, mode="r:")  # noqa: SIM115 - the same
        )
    except (tarfile.TarError, OSError, ValueError, UnicodeError, EOFError) as exc:
        if force:
            report.problem(f"tar archive{_where(parent)} cannot be read: {exc}", parent, 0)
        return
    with archive:
        try:
            members = archive.getmembers()
        except (tarfile.TarError, OSError, EOFError, ValueError, UnicodeError) as exc:
            if force:
                report.problem(f"tar archive{_where(parent)} cannot be read: {exc}", parent, 0)
            return
        names = {m.name.lower() for m in members}
        legacy = {"pickle", "storages", "sys_info"} <= names
        if legacy:
            report.container = "torch-legacy-tar"
        for info in members[:MAX_MEMBERS]:
            if not info.isfile():
                continue
            name = _member_name(parent, info.name)
            lower = info.name.lower()
            pickled = legacy and lower in ("pickle", "storages", "tensors", "sys_info")
            try:
                handle = archive.extractfile(info)
            except (tarfile.TarError, OSError, ValueError) as exc:
                report.problem(f"{name} is unreadable: {exc}", name)
                continue
            if handle is None:
                continue
            if not (pickled or lower.endswith(PICKLE_MEMBER_SUFFIXES) or is_model_name(lower)):
                head = handle.read(HEAD)
                kind = identify(head)
                if kind is None or (kind == "pickle?" and not _may_be_pickle(head)):
                    continue
                handle.seek(0)
            if info.size > scan.limit:
                report.problem(f"{name} is over the {scan.limit}-byte limit", name)
                continue
            data = handle.read(scan.limit + 1)
            if pickled:
                _scan_pickles(scan, data, 0, name, "torch", force=True)
                continue
            _scan_member(scan, name, data, depth, True, zipped=False)


# --- findings ------------------------------------------------------------------------


def iter_dangerous(report: PickleReport, extra_allow: Sequence[str] = ()) -> Iterator[PickleImport]:
    """The imports that run code, touch the system or open connections."""
    for item in report.imports:
        if item.resolved and classify(item.module, item.name, item.fmt, extra_allow) == (
            Verdict.DENIED
        ):
            yield item


def _location(item: PickleImport) -> str:
    where = f" in {item.member}" if item.member else ""
    if item.called_by is not None:
        return (
            f"{where}, {item.called_by} at byte {item.call_offset} (imported at byte {item.offset})"
        )
    return f"{where}, imported at byte {item.offset}"


def find_pickle_problems(
    rel: str, report: PickleReport, extra_allow: Sequence[str] = ()
) -> Iterator[Finding]:
    """Findings for one scanned file: denied globals (critical), unknown globals (high),
    data-only classes (medium), unverifiable parts (high), the pickle format (info)."""
    if not (report.is_pickle or report.problems or report.kinds):
        return
    seen: set[tuple[str, str | None]] = set()
    data_only: dict[str, PickleImport] = {}
    for item in report.imports:
        key = (item.qualified, item.member)
        if key in seen:
            continue
        seen.add(key)
        props = {"global": item.qualified, "offset": str(item.call_offset or item.offset)}
        if item.member:
            props["member"] = item.member
        if not item.resolved:
            yield Finding(
                UNVERIFIABLE_MODEL_FILE,
                Severity.HIGH,
                f"pickle imports a global whose name is built at load time{_location(item)}: "
                "what it runs cannot be read statically",
                path=rel,
                fix="do not load this file; convert the weights to safetensors from a trusted copy",
                properties=props,
            )
            continue
        verdict = classify(item.module, item.name, item.fmt, extra_allow)
        if verdict is Verdict.DENIED:
            reason = denied_reason(item.module, item.name) or item.qualified
            verb = "calls" if item.called_by else "imports"
            yield Finding(
                UNSAFE_PICKLE,
                Severity.CRITICAL,
                f"loading this pickle {verb} {item.qualified}{_location(item)}; it reaches "
                f"{reason}, which can run commands, touch files or open connections",
                path=rel,
                fix="do not load this file; delete it and get the model as safetensors "
                "from a trusted source",
                properties=props,
            )
        elif verdict is Verdict.UNKNOWN:
            yield Finding(
                PICKLE_UNKNOWN_GLOBAL,
                Severity.HIGH,
                f"loading this pickle imports {item.qualified}{_location(item)}, which is not "
                f"on the allow-list for {item.fmt} files (unknown callable: its code runs "
                "on load)",
                path=rel,
                fix="review the class; save weights only (state_dict) as safetensors, or add "
                "the exact global to [tool.chainward.models] pickle-allow-globals",
                confidence=Confidence.MEDIUM,
                properties=props,
            )
        elif verdict is Verdict.DATA_ONLY:
            data_only.setdefault(item.qualified, item)
    if data_only:
        # One finding per file: a cache of HTTP responses is one thing to review.
        first = min(data_only.values(), key=lambda i: (i.member or "", i.offset))
        names = ", ".join(sorted(data_only))
        yield Finding(
            PICKLE_UNKNOWN_GLOBAL,
            Severity.MEDIUM,
            f"loading this pickle builds plain data classes that run no code on load: "
            f"{names} (the first at byte {first.call_offset or first.offset}"
            f"{_where(first.member)}); the file is still a pickle",
            path=rel,
            fix="store the data as JSON, or add the exact globals to "
            "[tool.chainward.models] pickle-allow-globals",
            confidence=Confidence.MEDIUM,
            properties={"globals": names, "offset": str(first.offset)},
        )
    yield from _code_findings(rel, report.code_uses)
    for problem in report.problems:
        props = {}
        if problem.member:
            props["member"] = problem.member
        if problem.offset is not None:
            props["offset"] = str(problem.offset)
        yield Finding(
            UNVERIFIABLE_MODEL_FILE,
            Severity.HIGH,
            f"unverifiable: {problem.message}",
            path=rel,
            fix="do not load this file until it is re-exported from a trusted copy "
            "(safetensors), or raise max-model-member-size if a limit was hit",
            properties=props,
        )
    if report.is_pickle:
        kind = {
            "pytorch-zip": "a PyTorch zip archive holding a pickle",
            "torchscript": "a TorchScript archive (pickles and code)",
            "torch-legacy-tar": "a legacy PyTorch tar archive of pickles",
            "numpy": "a numpy object array (a pickle)",
        }.get(report.container, "a pickle")
        yield Finding(
            PICKLE_FORMAT,
            Severity.INFO,
            f"model stored as {kind}: loading a pickle can run arbitrary code",
            path=rel,
            fix="save it with safetensors (`safetensors.torch.save_file(model.state_dict(), ...)`)"
            " and load with `torch.load(..., weights_only=True)` until then",
        )


_TORCHSCRIPT_RUNS = (
    "torch.jit.load (and torch.load, which hands TorchScript archives to it) compiles "
    "this code and runs its __setstate__ methods while loading"
)


def _code_findings(rel: str, uses: Sequence[CodeUse]) -> Iterator[Finding]:
    """Findings for TorchScript code: critical for an operator shown to write files,
    unverifiable (high) for anything else off the allow-list or a member that does not
    parse."""
    for use in uses:
        props = {"member": use.member, "line": str(use.line)}
        if use.name:
            props["global"] = use.name
        where = f"TorchScript code {use.member} line {use.line}"
        op = f" ({use.op})" if use.op and use.op != use.name else ""
        if use.verdict is UseVerdict.DENIED:
            yield Finding(
                UNSAFE_MODEL_CONTENT,
                Severity.CRITICAL,
                f"{where} calls {use.name}{op}, which {use.reason}; {_TORCHSCRIPT_RUNS}",
                path=rel,
                fix="do not load this archive; export the weights as safetensors from a "
                "trusted copy and rebuild the module in code",
                properties=props,
            )
        elif use.verdict is UseVerdict.UNPARSABLE:
            yield Finding(
                UNVERIFIABLE_MODEL_FILE,
                Severity.HIGH,
                f"unverifiable: {where}: {use.reason}; {_TORCHSCRIPT_RUNS}, and what it "
                "does cannot be proven",
                path=rel,
                fix="do not load this archive until it is re-exported from a trusted copy",
                properties=props,
            )
        else:
            yield Finding(
                UNVERIFIABLE_MODEL_FILE,
                Severity.HIGH,
                f"unverifiable: {where} uses {use.name}{op}: {use.reason}; {_TORCHSCRIPT_RUNS}, "
                "and what this name does there cannot be proven",
                path=rel,
                fix="review the code member; re-export the module from trusted source code, "
                "or save the weights as safetensors",
                confidence=Confidence.MEDIUM,
                properties=props,
            )
