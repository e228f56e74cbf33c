"""Containers a model file may be, opened as a lenient loader would, in bounded memory:
zip archives (by central directory, and by local headers when Python's zipfile refuses
one; member names compared case-insensitively; torch storages skipped; TorchScript
``code/`` members judged by :mod:`chainward.models.torchscript`), tar archives (legacy
``torch.save``), gzip/bz2/xz/zlib streams, and joblib's lzma, lz4 and "ZF" files.
Every member is handed back to the scanner (``ScanState.scan_data``), to a depth limit;
what cannot be read is a problem on the report, never a skip.
"""

from __future__ import annotations

import bz2
import importlib
import io
import lzma
import struct
import tarfile
import zipfile
import zlib
from pathlib import Path
from typing import Any, BinaryIO

from chainward.models.identify import (
    MODEL_SUFFIXES,
    PICKLE_MEMBER_SUFFIXES,
    TEXT_SUFFIXES,
    identify,
    is_model_name,
)
from chainward.models.pickle_loaders import run_pickle
from chainward.models.pickle_report import ScanState, member_name, where
from chainward.models.torchscript import (
    MAX_CODE_MEMBER,
    CodeUse,
    UseVerdict,
    archive_prefixes,
    is_code_member,
    scan_code,
)

MAX_MEMBERS = 100_000
MAX_RATIO = 200
MAX_DEPTH = 4
# The head of an archive member read to tell whether it holds something to scan.
HEAD = 4096


# joblib's "ZF" files: the prefix, the length in hex padded to 19 characters, then zlib.
ZFILE_HEADER = 2 + len(f"{2**64:#x}")


_INFLATE_ERRORS = (OSError, EOFError, ValueError, RuntimeError, zlib.error, lzma.LZMAError)


def _lz4_decompressor() -> Any | None:
    """``lz4.frame.LZ4FrameDecompressor`` when the optional ``lz4`` package is installed
    (joblib needs it to write or read ``compress="lz4"``), else None."""
    try:
        module = importlib.import_module("lz4.frame")
    except ImportError:
        return None
    return module.LZ4FrameDecompressor()


def _decompressor(kind: str) -> Any:
    """A fresh decompressor of one stream of ``kind``."""
    if kind in ("gzip", "zlib"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS if kind == "gzip" else zlib.MAX_WBITS)
    if kind == "bz2":
        return bz2.BZ2Decompressor()
    if kind == "lz4":
        unit = _lz4_decompressor()
        if unit is None:
            raise _Undecodable("the optional lz4 package is not installed")
        return unit
    return lzma.LZMADecompressor()  # xz and joblib's legacy lzma (FORMAT_AUTO reads both)


def _inflate(handle: BinaryIO, kind: str, max_out: int) -> bytes:
    """Decompress from ``handle`` until EOF or ``max_out + 1`` bytes, a chunk at a time
    (a bomb never expands past the bound; a large stream is never read whole first).

    Streams that follow the first are read too, as ``gzip.open``, ``bz2.open``,
    ``lzma.open`` and joblib's readers read them (a second pickle, or the rest of the
    first, may sit in a second stream); data after the last one that is no stream ends
    the read, as it ends theirs."""
    out = bytearray()
    if kind == "zfile":
        handle.seek(handle.tell() + ZFILE_HEADER)
        kind = "zlib"
    zlib_like = kind in ("gzip", "zlib")
    unit = _decompressor(kind)
    pending = b""
    first = True
    while len(out) <= max_out:
        room = max_out + 1 - len(out)
        if unit.eof:
            pending = (unit.unused_data or b"") + pending  # lz4 may say None
            if kind == "gzip":
                pending = pending.lstrip(b"\x00")  # gzip's reader skips zero padding
            if not pending:
                pending = handle.read(1 << 20)
                if not pending:
                    break
                continue
            unit = _decompressor(kind)
            first = False
        try:
            if zlib_like:
                if not pending:
                    pending = handle.read(1 << 20)
                    if not pending:
                        break
                out += unit.decompress(pending, room)
                pending = unit.unconsumed_tail
            else:
                data = b""
                if unit.needs_input:
                    data, pending = pending or handle.read(1 << 20), b""
                    if not data:
                        break
                out += unit.decompress(data, room)
        except _INFLATE_ERRORS:
            if first:
                raise
            break  # trailing data that is no stream: the readers stop there
    return bytes(out)


class _Undecodable(Exception):
    """A compressed stream this scanner has no decoder for."""


def scan_compressed(
    scan: ScanState, handle: BinaryIO, member: str | None, depth: int, kind: str, force: bool
) -> None:
    name = f"{member or ''}[{kind}]"
    try:
        head = _inflate(handle, kind, HEAD)
    except _Undecodable as exc:
        if force:
            # joblib.load unpickles what it decompresses: unread is unproven, not clean.
            scan.report.is_pickle = True
            scan.report.problem(
                f"{kind}-compressed data{where(member)} cannot be decompressed here ({exc}); "
                "joblib.load unpickles it, and what it runs cannot be proven",
                member,
                0,
            )
        return
    except _INFLATE_ERRORS as exc:
        if force:
            scan.report.problem(f"{kind} data{where(member)} cannot be decompressed: {exc}")
        return
    inner = identify(head)
    if not force and (inner is None or (inner == "pickle?" and not may_be_pickle(head))):
        return  # a compressed dataset or text: nothing a loader unpickles
    handle.seek(0)
    try:
        out = _inflate(handle, kind, scan.limit)
    except (_Undecodable, *_INFLATE_ERRORS) as exc:
        scan.report.problem(f"{kind} data{where(member)} cannot be decompressed: {exc}", member)
        return
    if len(out) > scan.limit:
        scan.report.problem(
            f"{kind} data{where(member)} expands past the {scan.limit}-byte limit; not scanned",
            member,
        )
        return
    scan.scan_data(scan, out, name, depth + 1, force, inner)


def may_be_pickle(head: bytes) -> bool:
    """Whether the head of a stream is (the start of) a pickle that does something."""
    run = run_pickle(head, 0, len(head), len(head))
    return run.stopped or run.effectful or run.error == "pickle data was truncated"


MEMBER_ERRORS = (
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


def _scan_member(
    scan: ScanState, name: str, data: bytes, depth: int, force: bool, zipped: bool
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
    scan.scan_data(scan, data, name, depth + 1, member_forced, kind)


def _read_member(
    scan: ScanState, archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str
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
    except MEMBER_ERRORS as exc:
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
    except MEMBER_ERRORS:
        return True
    kind = identify(head)
    if kind != "pickle?":
        return kind is not None
    return may_be_pickle(head)


def scan_zip(
    scan: ScanState, source: Path | io.BytesIO, parent: str | None, depth: int, force: bool
) -> None:
    report = scan.report
    try:
        archive = zipfile.ZipFile(source)
    except MEMBER_ERRORS as exc:
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
        if "config.json" in names and (
            "metadata.json" in names
            or any(n.endswith((".weights.h5", ".weights.npz", ".weights.json")) for n in names)
        ):
            report.kinds.append("keras")
        is_model = force or any(n.endswith(PICKLE_MEMBER_SUFFIXES) for n in names)
        storages = _torch_storage_prefixes(names)
        for info in infos:
            if info.filename.endswith("/"):
                continue
            head, _, tail = info.filename.lower().rpartition("/")
            if head in storages and tail.isdigit():
                continue  # a torch storage: read as raw bytes, never unpickled
            name = member_name(parent, info.filename)
            if scripts and is_code_member(info.filename, scripts):
                _scan_code_member(scan, archive, info, name)
                continue
            try:
                full = _needs_full_read(archive, info, is_model)
            except MEMBER_ERRORS as exc:
                report.problem(f"{name} is unreadable: {exc}", name)
                continue
            if not full:
                continue
            data = _read_member(scan, archive, info, name)
            if data is not None:
                _scan_member(scan, name, data, depth, is_model, zipped=True)


def _scan_code_member(
    scan: ScanState, archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str
) -> None:
    """Read one TorchScript ``code/`` member as text and judge the names it reaches."""
    report = scan.report
    report.is_pickle = True
    data = _read_member(ScanState(min(scan.limit, MAX_CODE_MEMBER), report), archive, info, name)
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
    scan: ScanState, handle: BinaryIO, parent: str | None, depth: int, force: bool, why: str
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
        name = member_name(parent, handle.read(nlen).decode("utf-8", "replace"))
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
        f"zip archive{where(parent)} that Python's zipfile cannot open ({why}); "
        f"{found} member(s) were read from local headers, but what a loader reads cannot be "
        "proven",
        parent,
        0,
    )


def scan_tar(
    scan: ScanState, source: Path | io.BytesIO, parent: str | None, depth: int, force: bool
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
            report.problem(f"tar archive{where(parent)} cannot be read: {exc}", parent, 0)
        return
    with archive:
        try:
            members = archive.getmembers()
        except (tarfile.TarError, OSError, EOFError, ValueError, UnicodeError) as exc:
            if force:
                report.problem(f"tar archive{where(parent)} cannot be read: {exc}", parent, 0)
            return
        names = {m.name.lower() for m in members}
        legacy = {"pickle", "storages", "sys_info"} <= names
        if legacy:
            report.container = "torch-legacy-tar"
        for info in members[:MAX_MEMBERS]:
            if not (info.isfile() or info.islnk() or info.issym()):
                continue
            name = member_name(parent, info.name)
            lower = info.name.lower()
            pickled = legacy and lower in ("pickle", "storages", "tensors", "sys_info")
            if not info.isfile() and not pickled:
                continue  # a link to another member: that member is scanned itself
            try:
                # A link named "pickle" is read as its target, as extractfile reads it
                # for torch's legacy loader.
                handle = archive.extractfile(info)
            except (tarfile.TarError, OSError, ValueError, KeyError) as exc:
                report.problem(f"{name} is unreadable: {exc}", name)
                continue
            if handle is None:
                continue
            if not (pickled or lower.endswith(PICKLE_MEMBER_SUFFIXES) or is_model_name(lower)):
                head = handle.read(HEAD)
                kind = identify(head)
                if kind is None or (kind == "pickle?" and not may_be_pickle(head)):
                    continue
                handle.seek(0)
            if info.size > scan.limit:
                report.problem(f"{name} is over the {scan.limit}-byte limit", name)
                continue
            data = handle.read(scan.limit + 1)
            if pickled:
                scan.scan_pickles(scan, data, 0, name, "torch", force=True)
                continue
            _scan_member(scan, name, data, depth, True, zipped=False)
