"""Static scan of pickle-based model files, opcode by opcode. Nothing is ever unpickled.

A pickle imports the callables it calls while loading through its GLOBAL, INST and
STACK_GLOBAL opcodes; that list is all it takes to know what loading would run.
PyTorch zip archives (``torch.save`` since 1.6) hold the pickle as ``*/data.pkl``;
legacy ``torch.save`` files are several pickles in a row. Every read is bounded:
members larger than the limit or compressed suspiciously well (zip bombs) are refused,
and the opcode walk is iterative, so deep nesting cannot exhaust the stack.
"""

from __future__ import annotations

import lzma
import pickletools
import warnings
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import IO, BinaryIO

from chainward.core.findings import Confidence, Finding, Severity
from chainward.models.meta import PICKLE_FORMAT, PICKLE_UNKNOWN_GLOBAL, UNSAFE_PICKLE

MAX_MEMBERS = 100_000
MAX_PICKLES_PER_FILE = 8
MAX_RATIO = 200
# How many recent stack entries we remember to resolve STACK_GLOBAL.
STACK_WINDOW = 64
# Memo entries tracked per pickle (real checkpoints hold tens of thousands).
MEMO_LIMIT = 500_000

# Modules whose every attribute is dangerous to call while loading.
DANGEROUS_MODULES = frozenset(
    {
        "os",
        "posix",
        "nt",
        "posixpath",
        "ntpath",
        "subprocess",
        "sys",
        "runpy",
        "socket",
        "shutil",
        "pty",
        "commands",
        "webbrowser",
        "requests",
        "urllib",
        "urllib2",
        "httplib",
        "http",
        "ftplib",
        "smtplib",
        "telnetlib",
        "importlib",
        "imp",
        "ctypes",
        "cffi",
        "pickle",
        "_pickle",
        "cPickle",
        "dill",
        "marshal",
        "types",
        "code",
        "codeop",
        "pdb",
        "bdb",
        "multiprocessing",
        "asyncio",
        "signal",
        "tempfile",
        "pathlib",
        "io",
        "_io",
        "fileinput",
        "zipimport",
        "pkgutil",
        "platform",
        "sqlite3",
        "glob",
        "operator",
        "functools",
        "_operator",
        "_functools",
        "torch.hub",
        "torch.storage._load_from_bytes",
        "torch.serialization",
        "numpy.testing",
        "numpy.f2py",
        "numpy.distutils",
        "numpy.load",
        "joblib.load",
        "distutils",
        "setuptools",
        "pip",
    }
)
BUILTIN_MODULES = ("builtins", "__builtin__", "__builtins__")
DANGEROUS_BUILTINS = frozenset(
    {
        "eval",
        "exec",
        "execfile",
        "compile",
        "__import__",
        "open",
        "file",
        "getattr",
        "setattr",
        "delattr",
        "globals",
        "locals",
        "vars",
        "input",
        "raw_input",
        "breakpoint",
        "help",
        "memoryview",
        "exit",
        "quit",
        "reload",
        "apply",
    }
)
# What tensors, arrays and plain containers need to load: nothing else is expected.
SAFE_GLOBALS = (
    "collections.OrderedDict",
    "collections.defaultdict",
    "collections.Counter",
    "collections.deque",
    "builtins.set",
    "builtins.frozenset",
    "builtins.dict",
    "builtins.list",
    "builtins.tuple",
    "builtins.int",
    "builtins.float",
    "builtins.complex",
    "builtins.bool",
    "builtins.str",
    "builtins.bytes",
    "builtins.bytearray",
    "builtins.slice",
    "builtins.range",
    "builtins.object",
    "__builtin__.set",
    "__builtin__.frozenset",
    "__builtin__.object",
    "copy_reg._reconstructor",
    "copyreg._reconstructor",
    "_codecs.encode",
    "torch._utils._rebuild_tensor",
    "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_tensor_v3",
    "torch._utils._rebuild_parameter",
    "torch._utils._rebuild_parameter_with_state",
    "torch._utils._rebuild_qtensor",
    "torch._utils._rebuild_sparse_tensor",
    "torch._utils._rebuild_meta_tensor_no_storage",
    "torch._utils._rebuild_wrapper_subclass",
    "torch._utils._rebuild_device_tensor_from_numpy",
    "torch._tensor._rebuild_from_type_v2",
    "torch.Size",
    "torch.device",
    "torch.dtype",
    "torch.*Storage",
    "torch.storage.UntypedStorage",
    "torch.storage.TypedStorage",
    "torch.float*",
    "torch.bfloat16",
    "torch.half",
    "torch.double",
    "torch.int*",
    "torch.uint*",
    "torch.bool",
    "torch.complex*",
    "torch.qint*",
    "torch.quint*",
    "torch.nn.parameter.Parameter",
    "numpy.ndarray",
    "numpy.dtype",
    "numpy.core.multiarray._reconstruct",
    "numpy.core.multiarray.scalar",
    "numpy._core.multiarray._reconstruct",
    "numpy._core.multiarray.scalar",
    "numpy.dtypes.*DType",
    "numpy.random._pickle.__randomstate_ctor",
    "joblib.numpy_pickle.NumpyArrayWrapper",
    "joblib.numpy_pickle_compat.NDArrayWrapper",
)

_STRING_OPS = frozenset(
    {
        "SHORT_BINUNICODE",
        "BINUNICODE",
        "BINUNICODE8",
        "UNICODE",
        "SHORT_BINSTRING",
        "BINSTRING",
        "STRING",
    }
)


@dataclass(frozen=True, slots=True)
class PickleImport:
    """One global a pickle imports: ``module.name``, where, and whether it is known."""

    module: str
    name: str
    offset: int
    member: str | None = None
    resolved: bool = True

    @property
    def qualified(self) -> str:
        """``module.name``, or ``<dynamic>`` when the opcodes build it at run time."""
        return f"{self.module}.{self.name}" if self.resolved else "<dynamic>"


@dataclass
class PickleReport:
    """What scanning one file found."""

    is_pickle: bool = False
    container: str = "pickle"
    imports: list[PickleImport] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Reasons (part of) the file could not be scanned: bounds hit, malformed data."""


class _Limited:
    """A reader that fails once more than ``limit`` bytes are read; ``tell`` counts bytes."""

    def __init__(self, inner: IO[bytes], limit: int) -> None:
        self.inner = inner
        self.left = limit
        self.start = limit

    def tell(self) -> int:
        return self.start - self.left

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            size = self.left + 1
        if size > self.left:
            data = self.inner.read(self.left + 1)
            if len(data) > self.left:
                raise _TooLarge
            self.left -= len(data)
            return data
        data = self.inner.read(size)
        self.left -= len(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:  # noqa: ARG002 - bounded by `left`
        data = self.inner.readline(self.left + 1)
        if len(data) > self.left:
            raise _TooLarge
        self.left -= len(data)
        return data


class _TooLarge(Exception):
    pass


def classify_global(module: str, name: str, extra_allow: Sequence[str] = ()) -> str:
    """``"dangerous"``, ``"safe"`` or ``"unknown"`` for an imported global."""
    qualified = f"{module}.{name}"
    if module in BUILTIN_MODULES:
        if name in DANGEROUS_BUILTINS:
            return "dangerous"
    else:
        parts = qualified.split(".")
        for end in range(1, len(parts) + 1):
            if ".".join(parts[:end]) in DANGEROUS_MODULES:
                return "dangerous"
    canonical = qualified.replace("__builtin__.", "builtins.")
    for pattern in (*SAFE_GLOBALS, *extra_allow):
        if fnmatchcase(qualified, pattern) or fnmatchcase(canonical, pattern):
            return "safe"
    return "unknown"


def scan_pickle_stream(
    stream: BinaryIO | _Limited, member: str | None, report: PickleReport
) -> bool:
    """Walk the opcodes of one pickle; record its imports. False if it is not a pickle."""
    with warnings.catch_warnings():
        # pickletools decodes protocol-0 strings with codecs.escape_decode, which warns
        # about odd escapes in arbitrary data.
        warnings.simplefilter("ignore", DeprecationWarning)
        return _walk_opcodes(stream, member, report)


def _walk_opcodes(stream: BinaryIO | _Limited, member: str | None, report: PickleReport) -> bool:
    stack: list[str | None] = []
    memo: dict[int, str | None] = {}
    memo_count = 0  # MEMOIZE's index: every entry the unpickler would hold
    seen_any = False

    def remember(index: int, value: str | None) -> None:
        # The memo is capped: `N\x94` repeated (2 bytes each) made a 10 MB pickle cost
        # 350 MB here. Past the cap, lookups fail and such globals count as unresolved.
        if len(memo) < MEMO_LIMIT or index in memo:
            memo[index] = value
        elif not report.problems or not report.problems[-1].startswith("memo"):
            report.problems.append(
                f"memo has more than {MEMO_LIMIT} entries; later ones were not tracked"
            )

    try:
        for opcode, arg, pos in pickletools.genops(stream):  # type: ignore[arg-type] # any .read/.readline
            seen_any = True
            name = opcode.name
            if name in _STRING_OPS:
                stack.append(arg if isinstance(arg, str) else None)
            elif name in ("BINPUT", "LONG_BINPUT", "PUT"):
                index = int(arg or 0)
                memo_count += index not in memo
                remember(index, stack[-1] if stack else None)
            elif name == "MEMOIZE":
                remember(memo_count, stack[-1] if stack else None)
                memo_count += 1
            elif name in ("BINGET", "LONG_BINGET", "GET"):
                stack.append(memo.get(int(arg or 0)))
            elif name in ("GLOBAL", "INST"):
                module, _, attr = str(arg).partition(" ")
                report.imports.append(PickleImport(module, attr, pos or 0, member))
                stack.append(None)
            elif name == "STACK_GLOBAL":
                module_name = stack[-2] if len(stack) >= 2 else None
                attr_name = stack[-1] if stack else None
                if module_name is not None and attr_name is not None:
                    report.imports.append(PickleImport(module_name, attr_name, pos or 0, member))
                else:
                    report.imports.append(PickleImport("?", "?", pos or 0, member, resolved=False))
                del stack[-2:]
                stack.append(None)
            elif name in ("EXT1", "EXT2", "EXT4"):
                report.imports.append(PickleImport("?", "?", pos or 0, member, resolved=False))
                stack.append(None)
            elif opcode.stack_after:
                stack.append(None)
            if len(stack) > STACK_WINDOW * 2:
                del stack[:-STACK_WINDOW]
    except _TooLarge:
        raise
    except (ValueError, EOFError, UnicodeDecodeError, OverflowError, MemoryError) as exc:
        if not seen_any:
            return False
        where = f" in {member}" if member else ""
        report.problems.append(f"malformed pickle data{where}: {exc}")
        return True
    return seen_any


def _looks_like_pickle(head: bytes) -> bool:
    # PROTO 2..5, or the opcodes protocol 0/1 pickles open with: MARK, EMPTY_DICT,
    # EMPTY_LIST, GLOBAL.
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return True
    return head[:1] in (b"(", b"}", b"]", b"c")


def _scan_plain(handle: BinaryIO, limit: int, report: PickleReport, size: int) -> None:
    limited = _Limited(handle, limit)
    for index in range(MAX_PICKLES_PER_FILE):
        start = handle.tell()
        head = handle.read(2)
        handle.seek(start)
        if not head or not _looks_like_pickle(head):
            return
        if index and not (head[0] == 0x80 and 2 <= head[1] <= 5):
            return  # after the first pickle, only another PROTO-headed one (legacy torch.save)
        before = len(report.problems)
        imports_before = len(report.imports)
        found = scan_pickle_stream(limited, None, report)
        if not found:
            return
        failed = len(report.problems) > before
        if (
            index == 0
            and failed
            and not head.startswith(b"\x80")
            and (len(report.imports) == imports_before)
        ):
            # Binary data that merely starts like a protocol 0/1 pickle: not a pickle.
            del report.problems[before:]
            return
        report.is_pickle = True
        if failed:
            return
        if handle.tell() >= size or index == MAX_PICKLES_PER_FILE - 1:
            return


_MEMBER_ERRORS = (
    zipfile.BadZipFile,
    OSError,
    ValueError,
    EOFError,
    NotImplementedError,  # "zip file version 6.4", an unsupported compression method
    RuntimeError,  # an encrypted member
    zlib.error,  # corrupt deflate data
    lzma.LZMAError,
)


def _scan_zip(path: Path, limit: int, report: PickleReport) -> None:
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            report.problems.append(f"archive has {len(infos)} members (limit {MAX_MEMBERS})")
            return
        for info in infos:
            if not info.filename.endswith((".pkl", ".pickle")):
                continue
            report.container = "pytorch-zip"
            report.is_pickle = True
            if info.file_size > limit:
                report.problems.append(
                    f"{info.filename} is {info.file_size} bytes, over the {limit}-byte limit"
                )
                continue
            if info.file_size > max(1 << 20, MAX_RATIO * info.compress_size):
                ratio = info.file_size // max(1, info.compress_size)
                report.problems.append(f"{info.filename} expands {ratio}x (a zip bomb?); not read")
                continue
            # One unreadable member (corrupt, encrypted, an unknown method) must not stop
            # the scan: a dangerous data.pkl could hide behind a corrupt first member.
            try:
                with archive.open(info) as member:
                    scan_pickle_stream(_Limited(member, limit), info.filename, report)
            except _TooLarge:
                report.problems.append(f"{info.filename} is larger than declared; not read")
            except _MEMBER_ERRORS as exc:
                report.problems.append(f"{info.filename} is unreadable: {exc}")


def scan_model_file(path: Path, limit: int) -> PickleReport:
    """Scan one file: a PyTorch zip archive, a (legacy multi-) pickle, or not a pickle."""
    report = PickleReport()
    with Path(path).open("rb") as handle:
        head = handle.read(4)
        handle.seek(0)
        size = Path(path).stat().st_size
        if head.startswith(b"PK\x03\x04"):
            try:
                _scan_zip(path, limit, report)
            except _MEMBER_ERRORS as exc:
                report.problems.append(f"unreadable zip archive: {exc}")
            return report
        if head[:1] == b"\x78" or head[:2] in (b"ZF", b"\x1f\x8b") or head[:3] == b"BZh":
            report.problems.append(
                "compressed (joblib/zlib/gzip/bz2) file: its pickle cannot be read statically"
            )
            report.is_pickle = True
            return report
        try:
            _scan_plain(handle, limit, report, size)
        except _TooLarge:
            report.is_pickle = True
            report.problems.append(f"pickle stream is larger than the {limit}-byte limit")
    return report


def iter_dangerous(report: PickleReport, extra_allow: Sequence[str] = ()) -> Iterator[PickleImport]:
    """The imports that loading the file would call and that run code or touch the system."""
    for item in report.imports:
        if item.resolved and classify_global(item.module, item.name, extra_allow) == "dangerous":
            yield item


def find_pickle_problems(
    rel: str, report: PickleReport, extra_allow: Sequence[str] = ()
) -> Iterator[Finding]:
    """Findings for one scanned file: dangerous imports (critical), unknown imports
    (warning), the pickle format itself (notice), and parts that could not be read."""
    if not report.is_pickle:
        return
    seen: set[tuple[str, str | None]] = set()
    for item in report.imports:
        if (item.qualified, item.member) in seen:
            continue
        seen.add((item.qualified, item.member))
        where = f" (in {item.member})" if item.member else ""
        props = {"global": item.qualified, "offset": str(item.offset)}
        if not item.resolved:
            yield Finding(
                PICKLE_UNKNOWN_GLOBAL,
                Severity.MEDIUM,
                f"pickle imports a global built at load time{where}, at byte {item.offset}; "
                "its target cannot be read statically",
                path=rel,
                fix="do not load this file; convert the weights to safetensors from a trusted copy",
                confidence=Confidence.MEDIUM,
                properties=props,
            )
            continue
        verdict = classify_global(item.module, item.name, extra_allow)
        if verdict == "dangerous":
            yield Finding(
                UNSAFE_PICKLE,
                Severity.CRITICAL,
                f"loading this pickle calls {item.qualified}{where}, which can run commands, "
                "touch files or open connections",
                path=rel,
                fix="do not load this file; delete it and get the model as safetensors "
                "from a trusted source",
                properties=props,
            )
        elif verdict == "unknown":
            yield Finding(
                PICKLE_UNKNOWN_GLOBAL,
                Severity.MEDIUM,
                f"loading this pickle imports {item.qualified}{where}, which is not a tensor "
                "or container type",
                path=rel,
                fix="review the class; save weights only (state_dict) as safetensors, or add "
                "the global to [tool.chainward.models] pickle-allow-globals",
                confidence=Confidence.MEDIUM,
                properties=props,
            )
    for problem in report.problems:
        yield Finding(
            PICKLE_UNKNOWN_GLOBAL,
            Severity.MEDIUM,
            f"part of this pickle-based file was not scanned: {problem}",
            path=rel,
            fix="convert the model to safetensors, or raise max-model-member-size",
            confidence=Confidence.LOW,
        )
    kind = (
        "a PyTorch zip archive holding a pickle"
        if report.container == "pytorch-zip"
        else ("a pickle")
    )
    yield Finding(
        PICKLE_FORMAT,
        Severity.INFO,
        f"model stored as {kind}: loading a pickle can run arbitrary code",
        path=rel,
        fix="save it with safetensors (`safetensors.torch.save_file(model.state_dict(), ...)`)"
        " and load with `torch.load(..., weights_only=True)` until then",
    )
