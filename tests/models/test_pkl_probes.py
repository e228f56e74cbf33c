"""An attacker's second pass at the model-file scanner: files that passed silently (or
were under-rated) before, built from raw bytes here and never loaded in this process.
Each is proven real by the real loader in a subprocess inside a temp dir, where it
creates a canary file, and each must now be reported at its severity.

The causes: tar archives with old (V7) headers, without the "ustar" magic, were not
identified; a file not named as a model whose first pickle is plain data was dropped
without a look at the pickles after it; a file whose first pickle ends exactly where the
scanner's first read ends was taken as scanned to its end; pickles opening with a
protocol 4/5 opcode (LONG1, BINBYTES8, EMPTY_SET ...) were not identified as pickles
under a name that does not say "model"; a legacy tar's ``pickle`` member that is a link
was skipped; compressed streams after the first (gzip members, bz2 and xz streams, which
``gzip.open`` and joblib read on) were ignored; joblib's own compressors
(``compress="lzma"``, the "ZF" files of old joblib, ``lz4``) were not identified; a
numpy header naming its object dtype ``object`` (not ``O``) and a joblib array wrapper
whose dtype is ``numpy.dtype("object")`` were read as plain data, so the pickle after
them was skipped; joblib's ``NDArrayWrapper`` was allowed although its BUILD makes
joblib unpickle another file (of any name) with ``numpy.load(allow_pickle=True)``; a zip
behind a harmless pickle or junk (zipfile finds it by its end record) was not opened;
and callables that run commands or write files were only "unknown", among them os
reached through a private alias (``random._os.system``) and methods of allowed classes
that write files (``pathlib.Path.write_text`` through a protocol 4 dotted name, on a
Path the pickle built).
"""

from __future__ import annotations

import bz2
import gzip
import importlib.util
import io
import lzma
import struct
import tarfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from chainward.models.formats import find_format_problems
from chainward.models.pickles import find_pickle_problems, scan_model_file

from .hostile_models import (
    LOADERS,
    Case,
    canary_appears,
    g0,
    gguf_file,
    render_gguf_template,
    s0,
    su,
    touch,
    zip_bytes,
)

JOBLIB = "import joblib, sys\njoblib.load(sys.argv[1])\n"
TAR_PICKLE = (
    "import pickle, sys, tarfile\npickle.load(tarfile.open(sys.argv[1]).extractfile('pickle'))\n"
)
GZIP_PICKLES = (
    "import gzip, pickle, sys\nf = gzip.open(sys.argv[1])\n"
    "while True:\n    try:\n        pickle.load(f)\n    except EOFError:\n        break\n"
)


def _os_system(target: Path) -> bytes:
    return b"\x80\x02" + g0("os", "system") + su(touch(target)) + b"\x85R."


def joblib_lzma(target: Path) -> bytes:
    # joblib.dump(obj, f, compress="lzma") writes the legacy .lzma format: "]\x00...".
    return lzma.compress(_os_system(target), format=lzma.FORMAT_ALONE)


def joblib_zfile(target: Path) -> bytes:
    # joblib < 0.9.3: "ZF", the length in hex padded to 19 characters, then zlib.
    body = _os_system(target)
    return b"ZF" + f"{len(body):#x}".ljust(19).encode() + zlib.compress(body)


def gzip_second_member(target: Path) -> bytes:
    # gzip.open reads every member: the second pickle is in the second one.
    return gzip.compress(b"\x80\x02N.") + gzip.compress(_os_system(target))


def _split_streams(compress: Callable[[bytes], bytes]) -> Callable[[Path], bytes]:
    def build(target: Path) -> bytes:
        body = _os_system(target)
        return compress(body[:5]) + compress(body[5:])

    return build


def _opened_by(head: bytes) -> Callable[[Path], bytes]:
    """A pickle that opens with a protocol 4/5 opcode, POPs it, then runs its payload."""

    def build(target: Path) -> bytes:
        return head + b"0" + _os_system(target)

    return build


def tar_pickle_link(target: Path) -> bytes:
    """A legacy ``torch.save`` tar whose ``pickle`` member is a symlink: extractfile
    reads the member it names."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        for name, data in (
            ("sys_info", b"\x80\x02}q\x00."),
            ("storages", b"\x80\x02K\x00."),
            ("tensors", b"\x80\x02K\x00."),
            ("blob", _os_system(target)),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("pickle")
        link.type = tarfile.SYMTYPE
        link.linkname = "blob"
        archive.addfile(link)
    return out.getvalue()


def window_boundary(target: Path) -> bytes:
    """A harmless pickle exactly as long as the scanner's first read (64 KiB), then the
    payload: a scan of that window saw one clean pickle end at its edge."""
    size = 64 << 10
    fill = size - 2 - 5 - 1
    first = b"\x80\x02B" + fill.to_bytes(4, "little") + bytes(fill) + b"."
    return first + _os_system(target)


def plain_first_pickle(target: Path) -> bytes:
    # A first pickle of plain data (None), then the payload in a second one.
    return b"\x80\x02N." + _os_system(target)


def _method_on_built(module: str, cls: str, method: str, *args: bytes) -> Callable[[Path], bytes]:
    """Protocol 4 resolves dotted names: ``<module>.<cls>.<method>`` called on an
    object of an allowed class the pickle built itself."""

    def build(target: Path) -> bytes:
        func = su(module) + su(f"{cls}.{method}") + b"\x93"
        obj = su(module) + su(cls) + b"\x93" + su(str(target)) + b"\x85R"
        return b"\x80\x04" + func + b"(" + obj + b"".join(args) + b"tR."

    return build


def v7_tar(target: Path) -> bytes:
    """A legacy tar checkpoint with old (V7) headers: no "ustar" magic, which tarfile
    (and so torch's legacy loader) reads all the same."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name, data in (
            ("sys_info", b"\x80\x02}q\x00."),
            ("pickle", _os_system(target)),
            ("storages", b"\x80\x02K\x00."),
            ("tensors", b"\x80\x02K\x00."),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    raw = bytearray(out.getvalue())
    offset = 0
    while offset < len(raw) and any(raw[offset : offset + 512]):
        header = raw[offset : offset + 512]
        size = int(bytes(header[124:136]).rstrip(b"\x00 ") or b"0", 8)
        header[257:265] = bytes(8)  # no magic, no version
        header[148:156] = b" " * 8
        header[148:156] = b"%06o\x00 " % sum(header)
        raw[offset : offset + 512] = header
        offset += 512 + (size + 511) // 512 * 512
    return bytes(raw)


def _dotted(module: str, name: str) -> Callable[[Path], bytes]:
    """Protocol 4 resolves a dotted name hop by hop through module attributes."""

    def build(target: Path) -> bytes:
        return b"\x80\x04" + su(module) + su(name) + b"\x93" + su(touch(target)) + b"\x85R."

    return build


def _npy(descr: object, body: bytes) -> bytes:
    header = f"{{'descr': {descr!r}, 'fortran_order': False, 'shape': (1,), }}".encode()
    header = header.ljust(117) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + body


def _npy_with(descr: object) -> Callable[[Path], bytes]:
    def build(target: Path) -> bytes:
        return _npy(descr, _os_system(target))

    return build


def joblib_object_dtype_by_name(target: Path) -> bytes:
    """A joblib array wrapper whose dtype is ``numpy.dtype("object")`` with a state
    saying 1-byte items, shaped as long as the pickle after it: a reader that trusts
    the state skips that pickle as raw bytes; joblib sees an object dtype and unpickles
    it (numpy ignores the item size of a non-flexible dtype)."""
    inner = _os_system(target)
    dtype = (
        g0("numpy", "dtype")
        + su("object")
        + b"\x89\x88\x87R(K\x03"
        + su("|")
        + b"NNNK\x01K\x01K\x3ftb"
    )
    state = (
        b"}("
        + su("subclass")
        + g0("numpy", "ndarray")
        + su("shape")
        + b"M"
        + struct.pack("<H", len(inner))
        + b"\x85"
        + su("order")
        + su("C")
        + su("dtype")
        + dtype
        + su("allow_mmap")
        + b"\x89u"
    )
    wrapper = g0("joblib.numpy_pickle", "NumpyArrayWrapper") + b")\x81"
    return b"\x80\x02" + wrapper + state + b"b" + inner + b"."


def zip_behind_pickle(target: Path) -> bytes:
    # pickle.load reads None; zipfile.ZipFile finds the archive by its end record.
    return b"\x80\x02N." + zip_bytes({"archive/data.pkl": _os_system(target)})


def zip_behind_junk(target: Path) -> bytes:
    return b"\x00" * 64 + zip_bytes({"archive/data.pkl": _os_system(target)})


def _calling(module: str, name: str, *args: str) -> Callable[[Path], bytes]:
    def build(target: Path) -> bytes:
        values = b"".join(su(a.replace("{target}", str(target))) for a in args)
        return b"\x80\x02" + g0(module, name) + b"(" + values + b"tR."

    return build


PROBE_LOADERS = {
    **LOADERS,
    "joblib": JOBLIB,
    "tar-pickle": TAR_PICKLE,
    "gzip-pickles": GZIP_PICKLES,
}
"""The real loaders the probes are proven with (a probe's ``loader`` is a key)."""


PROBES = (
    Case("joblib-lzma", joblib_lzma, "model.joblib", "joblib"),
    Case("joblib-lzma-no-suffix", joblib_lzma, "weights", "joblib"),
    Case("joblib-zfile", joblib_zfile, "model.pkl", "joblib"),
    Case("gzip-second-member", gzip_second_member, "model.pkl.gz", "gzip-pickles"),
    Case("bz2-split-streams", _split_streams(bz2.compress), "model.joblib", "joblib"),
    Case("xz-split-streams", _split_streams(lzma.compress), "model.joblib", "joblib"),
    Case("opens-long1", _opened_by(b"\x8a\x00"), "checkpoint", "pickle"),
    Case("opens-long4", _opened_by(b"\x8b" + bytes(4)), "checkpoint", "pickle"),
    Case("opens-unicode8", _opened_by(b"\x8d" + bytes(8)), "checkpoint", "pickle"),
    Case("opens-bytes8", _opened_by(b"\x8e" + bytes(8)), "checkpoint", "pickle"),
    Case("opens-bytearray8", _opened_by(b"\x96" + bytes(8)), "checkpoint", "pickle"),
    Case("opens-empty-set", _opened_by(b"\x8f"), "checkpoint", "pickle"),
    Case("tar-pickle-link", tar_pickle_link, "model.tar", "tar-pickle"),
    Case("window-boundary", window_boundary, "legacy.pt", "pickles"),
    Case("plain-first-pickle", plain_first_pickle, "checkpoint", "pickles"),
    Case(
        "pathlib-write-text",
        _method_on_built("pathlib", "Path", "write_text", su("x")),
        "model.pkl",
        "pickle",
    ),
    Case(
        "pathlib-touch",
        _method_on_built("pathlib", "PosixPath", "touch"),
        "m.pkl",
        "pickle",
    ),
    Case("v7-tar", v7_tar, "model.pt", "tar-pickle"),
    Case("random-os-alias", _dotted("random", "_os.system"), "model.pkl", "pickle"),
    Case("threading-os-alias", _dotted("threading", "_os.system"), "m.pkl", "pickle"),
    Case("npy-descr-object", _npy_with("object"), "array.npy", "numpy"),
    Case("npy-descr-object_", _npy_with("object_"), "array.npy", "numpy"),
    Case("npy-descr-field", _npy_with([("a", "object")]), "array.npy", "numpy"),
    Case("npy-descr-subarray", _npy_with([("a", ("object", (1,)))]), "a.npy", "numpy"),
    Case("joblib-object-dtype-name", joblib_object_dtype_by_name, "model.joblib", "joblib"),
    Case("zip-behind-pickle", zip_behind_pickle, "model.pt", "zip-pickle"),
    Case("zip-behind-junk", zip_behind_junk, "model.pt", "zip-pickle"),
    Case(
        "uuid-command-stdout",
        _calling("uuid", "_get_command_stdout", "touch", "{target}"),
        "model.pkl",
        "pickle",
    ),
    Case(
        "osx-support-read-output",
        _calling("_osx_support", "_read_output", "touch {target}"),
        "model.pkl",
        "pickle",
    ),
    Case("codecs-open", _calling("codecs", "open", "{target}", "w"), "m.pkl", "pickle"),
    Case("gzip-open", _calling("gzip", "open", "{target}", "wb"), "m.pkl", "pickle"),
    Case("lzma-open", _calling("lzma", "open", "{target}", "wb"), "m.pkl", "pickle"),
)
IDS = [probe.name for probe in PROBES]


def _findings(path: Path, root: Path) -> list[tuple[str, str]]:
    report = scan_model_file(path, 1 << 30)
    rel = path.relative_to(root).as_posix()
    found = [
        *find_pickle_problems(rel, report),
        *find_format_problems(rel, path, report.kinds, 1 << 30),
    ]
    return [(f.check_id, f.severity.label) for f in found]


@pytest.mark.parametrize("probe", PROBES, ids=IDS)
def test_chainward_reports_the_probe(probe: Case, tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    path = tmp_path / probe.filename
    path.write_bytes(probe.build(canary))
    found = _findings(path, tmp_path)
    assert (probe.check_id, probe.severity) in found, found
    assert not canary.exists()


@pytest.mark.parametrize("probe", PROBES, ids=IDS)
def test_the_probe_is_real(probe: Case, tmp_path: Path) -> None:
    loader = PROBE_LOADERS[probe.loader]
    needed = "joblib" if probe.loader == "joblib" else "numpy" if "numpy" in loader else None
    if needed and importlib.util.find_spec(needed) is None:
        pytest.skip(f"the real loader needs {needed}")
    canary = tmp_path / "canary"
    path = tmp_path / probe.filename
    path.write_bytes(probe.build(canary))
    assert canary_appears(loader, path, canary), probe.name


def _ndarray_wrapper_pair(tmp_path: Path) -> tuple[Path, Path]:
    """A joblib pickle whose NDArrayWrapper names ``notes.txt``, and that file: a protocol
    0 pickle under a text suffix (a suffix the scanner does not look for pickles in)."""
    canary = tmp_path / "canary"
    model = tmp_path / "model.pkl"
    model.write_bytes(
        b"\x80\x02"
        + g0("joblib.numpy_pickle_compat", "NDArrayWrapper")
        + b")\x81}("
        + su("filename")
        + su("notes.txt")
        + su("subclass")
        + g0("numpy", "ndarray")
        + su("allow_mmap")
        + b"\x89ub."
    )
    (tmp_path / "notes.txt").write_bytes(g0("os", "system") + b"(" + s0(touch(canary)) + b"tR.")
    return model, canary


def test_joblib_ndarray_wrapper_is_not_allowed(tmp_path: Path) -> None:
    """joblib.load hands the wrapper's file name to numpy.load(allow_pickle=True): the
    other file is unpickled, whatever its name. The wrapper is no longer allowed."""
    model, canary = _ndarray_wrapper_pair(tmp_path)
    found = _findings(model, tmp_path)
    assert ("pickle-unknown-global", "high") in found, found
    assert not canary.exists()


def test_joblib_ndarray_wrapper_is_real(tmp_path: Path) -> None:
    for module in ("joblib", "numpy"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"the real loader needs {module}")
    model, canary = _ndarray_wrapper_pair(tmp_path)
    assert canary_appears(JOBLIB, model, canary)


def test_lz4_joblib_file_is_unverifiable_without_lz4(tmp_path: Path) -> None:
    """joblib's ``compress="lz4"``: without the optional lz4 package it cannot be read,
    so it is unverifiable (high), never clean."""
    if importlib.util.find_spec("lz4") is not None:
        pytest.skip("lz4 is installed: the frame is decompressed and scanned")
    path = tmp_path / "model.joblib"
    path.write_bytes(b"\x04\x22\x4d\x18\x64\x40\xa7" + b"\x00" * 32)
    assert ("unverifiable-model-file", "high") in _findings(path, tmp_path)


@pytest.mark.parametrize(
    "descr", ["<f4", "|b1", "<U8", "|S3", "<M8[ns]", "float32", "bool", "longlong", "<c16"]
)
def test_plain_numpy_dtypes_are_not_objects(descr: str, tmp_path: Path) -> None:
    """The object-dtype test matches the type letter ``O`` and ``object`` names only."""
    path = tmp_path / "array.npy"
    path.write_bytes(_npy(descr, b"\x00" * 16))
    assert [s for _, s in _findings(path, tmp_path) if s != "info"] == []


def _keras(config: dict[str, object], *, weights: bool = True) -> bytes:
    import json

    members = {
        "metadata.json": b'{"keras_version": "3.6.0"}',
        "config.json": json.dumps(config).encode(),
    }
    if weights:
        members["model.weights.h5"] = b"\x89HDF\r\n\x1a\n" + b"\x00" * 64
    return zip_bytes(members)


def _functional(*layers: dict[str, object]) -> dict[str, object]:
    return {
        "module": "keras.src.models.functional",
        "class_name": "Functional",
        "config": {"name": "m", "layers": list(layers)},
    }


def _dense(activation: object) -> dict[str, object]:
    return {
        "module": "keras.layers",
        "class_name": "Dense",
        "config": {"name": "d", "units": 2, "activation": activation},
    }


LAMBDA = {"class_name": "__lambda__", "config": {"code": "4wEA", "defaults": None}}


@pytest.mark.parametrize(
    ("name", "data"),
    [
        # keras.saving.load_model builds the model from config.json before it looks
        # for weights: an archive without a weights member is still loaded that far.
        (
            "no-weights",
            _keras(
                _functional(
                    {
                        "module": "keras.layers",
                        "class_name": "Lambda",
                        "config": {"function": LAMBDA},
                    }
                ),
                weights=False,
            ),
        ),
        # A marshalled lambda as a Dense activation, not in a Lambda layer.
        ("lambda-activation", _keras(_functional(_dense(LAMBDA)))),
        # A function looked up by name in a module: the name is in "config".
        (
            "function-by-name",
            _keras(
                _functional(_dense({"module": "os", "class_name": "function", "config": "system"}))
            ),
        ),
    ],
)
def test_keras_code_outside_lambda_layers(name: str, data: bytes, tmp_path: Path) -> None:
    """Keras configs that run or import code without the exact shape the check knew
    (a ``Lambda`` layer next to a ``.weights.h5`` member)."""
    path = tmp_path / "model.keras"
    path.write_bytes(data)
    assert ("unsafe-model-content", "critical") in _findings(path, tmp_path), name


def test_keras_plain_function_by_name_stays_quiet(tmp_path: Path) -> None:
    """A Keras activation named in Keras' own module is no finding."""
    path = tmp_path / "model.keras"
    activation = {"module": "keras.activations", "class_name": "function", "config": "relu"}
    path.write_bytes(_keras(_functional(_dense(activation))))
    assert [s for _, s in _findings(path, tmp_path) if s != "info"] == []


def _patches_path_class(canary: Path) -> bytes:
    """BUILD with a slot state on the global ``pathlib.Path`` itself: setattr on the
    class, which outlives the load (the attribute holds the canary's path)."""
    state = b"N}" + su("chainward_probe") + su(str(canary)) + b"s\x86"
    return b"\x80\x02" + g0("pathlib", "Path") + state + b"b."


def test_build_on_a_global_is_unverifiable(tmp_path: Path) -> None:
    path = tmp_path / "model.pkl"
    path.write_bytes(_patches_path_class(tmp_path / "canary"))
    assert ("unverifiable-model-file", "high") in _findings(path, tmp_path)


def test_build_on_a_global_patches_the_class(tmp_path: Path) -> None:
    """The real unpickler sets the attribute on the class: the loader then finds it on
    pathlib.Path and creates the canary it names."""
    canary = tmp_path / "canary"
    path = tmp_path / "model.pkl"
    path.write_bytes(_patches_path_class(canary))
    check = (
        "import pathlib, pickle, sys\npickle.load(open(sys.argv[1], 'rb'))\n"
        "open(pathlib.Path.chainward_probe, 'w').close()\n"
    )
    assert canary_appears(check, path, canary)


def _obfuscated_ssti(canary: Path) -> bytes:
    """A chat template that never writes a dunder name: the underscores are glued
    together at render time, and lipsum's globals hold os."""
    template = (
        '{{ lipsum[("_"*2)~"globals"~("_"*2)]["os"].popen('
        + repr(touch(canary)).replace("'", '"')
        + ").read() }}"
    )
    return gguf_file(template)


def test_gguf_template_without_dunder_names(tmp_path: Path) -> None:
    path = tmp_path / "model.gguf"
    path.write_bytes(_obfuscated_ssti(tmp_path / "canary"))
    assert ("unsafe-model-content", "high") in _findings(path, tmp_path)
    good = tmp_path / "good.gguf"
    good.write_bytes(
        gguf_file(
            "{% set ns = namespace(n=0) %}{% for m in messages %}"
            "{{ '<|' ~ m['role'] ~ '|>' ~ m['content'] }}{% endfor %}"
        )
    )
    assert [s for _, s in _findings(good, tmp_path) if s != "info"] == []


def test_gguf_template_without_dunder_names_is_real(tmp_path: Path) -> None:
    if importlib.util.find_spec("jinja2") is None:
        pytest.skip("rendering needs jinja2")
    canary = tmp_path / "canary"
    path = tmp_path / "model.gguf"
    path.write_bytes(_obfuscated_ssti(canary))
    render_gguf_template(path, [])
    assert canary.exists()


def test_lz4_joblib_file_is_scanned_with_lz4(tmp_path: Path) -> None:
    """With the optional lz4 package, joblib's lz4 frames are decompressed and scanned
    (frames after the first too; lz4 reports no unused data as None)."""
    frame = pytest.importorskip("lz4.frame")
    path = tmp_path / "model.joblib"
    path.write_bytes(frame.compress(b"\x80\x02N.") + frame.compress(_os_system(tmp_path / "c")))
    assert ("unsafe-pickle", "critical") in _findings(path, tmp_path)
