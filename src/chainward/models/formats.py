"""Model formats beyond pickle, each checked for its known code-execution vector.

- Keras v3 ``.keras`` (a zip with ``config.json``) and HDF5 ``.h5`` models: ``Lambda``
  layers (marshalled Python, run on load without ``safe_mode``; CVE-2024-3660,
  CVE-2025-9906) and layers whose ``module`` is not Keras' own (an arbitrary import on
  load; CVE-2025-1550). HDF5 is read through h5py when installed (attributes only),
  else the ``model_config`` JSON is found in the file's bytes.
- GGUF chat templates (Jinja, rendered by llama.cpp front ends) that reach dunder
  attributes: the template-injection route to code execution (CVE-2024-34359).
- ONNX external-data locations that leave the model's folder (a read of any file) and
  custom-operator domains (native code from a custom-op library); through the
  ``onnx`` package when installed, else from the protobuf bytes.
- safetensors header sanity: a bounded header, valid JSON, offsets inside the file,
  sizes that match dtype and shape, no overlapping tensors.

Nothing is loaded: JSON and protobuf are parsed as data, h5py reads attributes only.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from chainward.core.findings import Finding, Severity
from chainward.models.meta import UNSAFE_MODEL_CONTENT, UNVERIFIABLE_MODEL_FILE

SAFETENSORS_MAX_HEADER = 100 << 20
SAFETENSORS_DTYPES = {
    "BOOL": 1,
    "U8": 1,
    "I8": 1,
    "F8_E5M2": 1,
    "F8_E4M3": 1,
    "F8_E8M0": 1,
    "F4": 1,
    "I16": 2,
    "U16": 2,
    "F16": 2,
    "BF16": 2,
    "I32": 4,
    "U32": 4,
    "F32": 4,
    "I64": 8,
    "U64": 8,
    "F64": 8,
    "C64": 8,
}
KERAS_MODULE_PREFIXES = ("keras", "tf_keras", "tensorflow.keras", "keras_hub", "keras_nlp")
ONNX_DOMAINS = frozenset({"", "ai.onnx", "ai.onnx.ml", "ai.onnx.preview.training", "com.microsoft"})
# Jinja reaching Python internals: dunder attributes, by dot, subscript or |attr.
_TEMPLATE_DUNDER = re.compile(r"__[A-Za-z]\w*__|\|\s*attr\s*\(|\bmro\b|\bsubclasses\b")
# What a template has no use for but an injection does: Jinja's lipsum/cycler/joiner
# (their __globals__ hold os), and underscores written escaped or glued together at
# render time (lipsum[("_"*2)~"globals"~("_"*2)] reaches the same dunder unseen).
_TEMPLATE_GADGET = re.compile(
    r"\b(?:lipsum|cycler|joiner)\b"
    r"|\\(?:x5[fF]|u005[fF]|U0000005[fF]|137)"
    r"|([\"'])_+\1\s*[*~+]|[*~+]\s*([\"'])_+\2"
)
_MAX_GGUF_KV = 1 << 20


def _finding(
    rel: str, message: str, fix: str, severity: Severity, *, check: str = "content"
) -> Finding:
    return Finding(
        UNSAFE_MODEL_CONTENT if check == "content" else UNVERIFIABLE_MODEL_FILE,
        severity,
        message,
        path=rel,
        fix=fix,
    )


def find_format_problems(
    rel: str, path: Path, kinds: Sequence[str], limit: int
) -> Iterator[Finding]:
    """Findings for the non-pickle formats identified in the file."""
    lower = rel.lower()
    try:
        if "safetensors" in kinds:
            yield from _safetensors(rel, path)
        if "gguf" in kinds:
            yield from _gguf(rel, path, limit)
        if "keras" in kinds or lower.endswith(".keras"):
            # keras.saving.load_model opens any ``.keras`` zip by its config.json and
            # builds the model before it looks for weights.
            yield from _keras_zip(rel, path, limit)
        if "hdf5" in kinds:
            yield from _keras_h5(rel, path, limit)
        if lower.endswith(".onnx"):
            yield from _onnx(rel, path, limit)
    except OSError as exc:
        yield _finding(
            rel,
            f"unverifiable: the file cannot be read: {exc.strerror or exc}",
            "make the file readable",
            Severity.HIGH,
            check="unverifiable",
        )


# --- safetensors ---------------------------------------------------------------------


def safetensors_problems(header: bytes, data_size: int) -> list[str]:
    """What is wrong with a safetensors header (``data_size``: bytes after it)."""
    try:
        document = json.loads(header)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        return [f"the header is not JSON: {exc}"]
    if not isinstance(document, dict):
        return ["the header is not a JSON object"]
    problems: list[str] = []
    spans: list[tuple[int, int, str]] = []
    for name, entry in document.items():
        if name == "__metadata__":
            if not (isinstance(entry, dict) and all(isinstance(v, str) for v in entry.values())):
                problems.append("__metadata__ is not a table of strings")
            continue
        if not isinstance(entry, dict):
            problems.append(f"tensor {name!r} is not an object")
            continue
        dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        if dtype not in SAFETENSORS_DTYPES:
            problems.append(f"tensor {name!r} has an unknown dtype {dtype!r}")
            continue
        if not (isinstance(shape, list) and all(isinstance(n, int) and n >= 0 for n in shape)):
            problems.append(f"tensor {name!r} has an invalid shape")
            continue
        if not (
            isinstance(offsets, list)
            and len(offsets) == 2
            and all(isinstance(n, int) and n >= 0 for n in offsets)
            and offsets[0] <= offsets[1]
        ):
            problems.append(f"tensor {name!r} has invalid data_offsets")
            continue
        begin, end = offsets
        if end > data_size:
            problems.append(f"tensor {name!r} ends at {end}, past the data ({data_size} bytes)")
        expected = math.prod(shape) * SAFETENSORS_DTYPES[dtype]
        if dtype != "F4" and end - begin != expected:
            problems.append(
                f"tensor {name!r} holds {end - begin} bytes, its shape needs {expected}"
            )
        spans.append((begin, end, name))
    spans.sort()
    for (_, first_end, first), (second_begin, _, second) in itertools.pairwise(spans):
        if second_begin < first_end:
            problems.append(f"tensors {first!r} and {second!r} overlap")
    return problems


def _safetensors(rel: str, path: Path) -> Iterator[Finding]:
    size = path.stat().st_size
    with path.open("rb") as handle:
        length = struct.unpack("<Q", handle.read(8))[0]
        if length > SAFETENSORS_MAX_HEADER or 8 + length > size:
            problems = [f"the header claims {length} bytes (file: {size} bytes)"]
        else:
            problems = safetensors_problems(handle.read(length), size - 8 - length)
    for problem in problems[:20]:
        yield _finding(
            rel,
            f"unverifiable: malformed safetensors file: {problem}",
            "re-export the weights with the safetensors library from a trusted copy",
            Severity.HIGH,
            check="unverifiable",
        )


# --- GGUF ----------------------------------------------------------------------------

_GGUF_SCALARS = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


class _GgufError(Exception):
    pass


def _read(handle: BinaryIO, size: int) -> bytes:
    data = handle.read(size)
    if len(data) != size:
        raise _GgufError("truncated header")
    return data


def _gguf_string(handle: BinaryIO, limit: int, wide: bool) -> bytes:
    (length,) = struct.unpack("<Q" if wide else "<I", _read(handle, 8 if wide else 4))
    if length > limit:
        raise _GgufError(f"a string of {length} bytes")
    return _read(handle, length)


def gguf_chat_templates(handle: BinaryIO, limit: int) -> dict[str, str]:
    """The ``tokenizer.chat_template*`` strings of a GGUF header (raises _GgufError)."""
    if _read(handle, 4) != b"GGUF":
        raise _GgufError("not a GGUF file")
    (version,) = struct.unpack("<I", _read(handle, 4))
    wide = version >= 2
    count = "<Q" if wide else "<I"
    width = 8 if wide else 4
    struct.unpack(count, _read(handle, width))  # tensor count
    (kv_count,) = struct.unpack(count, _read(handle, width))
    if kv_count > _MAX_GGUF_KV:
        raise _GgufError(f"{kv_count} metadata entries")
    templates: dict[str, str] = {}
    for _ in range(kv_count):
        key = _gguf_string(handle, 1 << 16, wide).decode("utf-8", "replace")
        (kind,) = struct.unpack("<I", _read(handle, 4))
        if kind == 8:
            value = _gguf_string(handle, limit, wide)
            if key.startswith("tokenizer.chat_template"):
                templates[key] = value.decode("utf-8", "replace")
        elif kind == 9:
            (item_kind,) = struct.unpack("<I", _read(handle, 4))
            (items,) = struct.unpack(count, _read(handle, width))
            if item_kind == 8:
                if items > limit:
                    raise _GgufError(f"an array of {items} strings")
                for _ in range(items):
                    _gguf_string(handle, limit, wide)
            elif item_kind in _GGUF_SCALARS:
                skip = items * _GGUF_SCALARS[item_kind]
                if skip > limit:
                    raise _GgufError(f"an array of {items} items")
                handle.seek(skip, 1)
            else:
                raise _GgufError(f"an array of type {item_kind}")
        elif kind in _GGUF_SCALARS:
            _read(handle, _GGUF_SCALARS[kind])
        else:
            raise _GgufError(f"metadata type {kind}")
    return templates


def _gguf(rel: str, path: Path, limit: int) -> Iterator[Finding]:
    with path.open("rb") as handle:
        try:
            templates = gguf_chat_templates(handle, limit)
        except (_GgufError, struct.error) as exc:
            yield _finding(
                rel,
                f"unverifiable: the GGUF header cannot be read: {exc}",
                "re-download the model from a trusted source",
                Severity.HIGH,
                check="unverifiable",
            )
            return
    for key, template in templates.items():
        match = _TEMPLATE_DUNDER.search(template)
        if match is not None:
            yield _finding(
                rel,
                f"GGUF chat template {key} reaches Python internals ({match.group()!r}): "
                "rendering it can run code (template injection, CVE-2024-34359)",
                "replace the chat template with the model family's reference template",
                Severity.CRITICAL,
            )
            continue
        match = _TEMPLATE_GADGET.search(template)
        if match is not None:
            yield _finding(
                rel,
                f"GGUF chat template {key} uses {match.group()!r}: a Jinja global or an "
                "underscore built at render time, the way an injection reaches Python "
                "internals without writing a dunder name (CVE-2024-34359); what it renders "
                "cannot be proven harmless",
                "replace the chat template with the model family's reference template",
                Severity.HIGH,
            )


# --- Keras ---------------------------------------------------------------------------


def keras_config_problems(config: Any) -> list[tuple[Severity, str]]:
    """Lambda layers and non-Keras modules in a Keras model config."""
    from chainward.models.pickle_policy import denied_reason

    found: list[tuple[Severity, str]] = []
    # (node, inside a Lambda layer): its own function is that layer's finding.
    stack: list[tuple[Any, bool]] = [(config, False)]
    while stack and len(found) < 50:
        node, in_lambda = stack.pop()
        if isinstance(node, list):
            stack.extend((item, in_lambda) for item in node)
        elif isinstance(node, dict):
            name = node.get("class_name")
            stack.extend((value, in_lambda or name == "Lambda") for value in node.values())
            if name == "Lambda":
                found.append((Severity.CRITICAL, "a Lambda layer (Python code run on load)"))
            elif name == "__lambda__" and not in_lambda:
                # A marshalled Python function elsewhere in the config (an activation, a
                # loss): deserialize_keras_object rebuilds it without safe_mode.
                found.append((Severity.CRITICAL, "a serialized Python lambda (code run on load)"))
            module = node.get("module")
            if name == "function" and isinstance(node.get("config"), str):
                # A function by name: the module is imported and the name looked up in it.
                name = node["config"]
            if isinstance(module, str) and isinstance(name, str):
                if denied_reason(module, name) is not None:
                    found.append((Severity.CRITICAL, f"an object {module}.{name} (denied)"))
                elif not module.startswith(KERAS_MODULE_PREFIXES) and module != "builtins":
                    found.append((Severity.HIGH, f"a custom object {module}.{name}"))
    return found


def _keras_findings(rel: str, config: Any) -> Iterator[Finding]:
    for severity, what in keras_config_problems(config):
        yield _finding(
            rel,
            f"Keras model config holds {what}: loading it imports or runs code "
            "(CVE-2024-3660, CVE-2025-1550, CVE-2025-9906)",
            "rebuild the layer in code and load weights only, with safe_mode=True",
            severity,
        )


def _keras_zip(rel: str, path: Path, limit: int) -> Iterator[Finding]:
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("config.json")
            if info.file_size > min(limit, 64 << 20):
                return
            config = json.loads(archive.read(info))
    except (
        KeyError,
        zipfile.BadZipFile,
        ValueError,
        UnicodeDecodeError,
        RecursionError,
        OSError,
        EOFError,
        NotImplementedError,
        RuntimeError,
        zlib.error,
    ):
        return  # the zip itself is judged by the archive scan
    yield from _keras_findings(rel, config)


def _keras_h5(rel: str, path: Path, limit: int) -> Iterator[Finding]:
    config: Any = None
    try:
        import h5py  # optional extra: attributes only, no code

        with h5py.File(path, "r") as handle:
            raw = handle.attrs.get("model_config")
        if raw is not None:
            config = json.loads(raw.decode() if isinstance(raw, bytes) else str(raw))
    except ImportError:
        config = _h5_config_from_bytes(path, limit)
    except (OSError, ValueError, RuntimeError, KeyError, TypeError, RecursionError):
        config = _h5_config_from_bytes(path, limit)
    if config is not None:
        yield from _keras_findings(rel, config)


def _h5_config_from_bytes(path: Path, limit: int) -> Any:
    """The ``model_config`` JSON as stored in the file (small attributes sit in the
    object header, as plain bytes): found without an HDF5 library."""
    with path.open("rb") as handle:
        data = handle.read(min(limit, 64 << 20))
    decoder = json.JSONDecoder()
    text = data.decode("latin-1")
    start = text.find('{"')
    for _ in range(10_000):
        if start < 0:
            break
        try:
            config, _ = decoder.raw_decode(text, start)
        except (ValueError, RecursionError):
            config = None
        if isinstance(config, dict) and "class_name" in config and "config" in config:
            return config
        start = text.find('{"', start + 1)
    return None


# --- ONNX ----------------------------------------------------------------------------

_ONNX_LOCATION = re.compile(rb"\x0a\x08location\x12([\x00-\x7f])")


def onnx_locations_from_bytes(data: bytes) -> list[str]:
    """``location`` values of external-data entries, from the protobuf bytes."""
    found = []
    for match in _ONNX_LOCATION.finditer(data):
        length = match.group(1)[0]
        start = match.end()
        found.append(data[start : start + length].decode("utf-8", "replace"))
    return found


def _onnx(rel: str, path: Path, limit: int) -> Iterator[Finding]:
    locations: list[str] = []
    domains: set[str] = set()
    try:
        import onnx

        model = onnx.load(str(path), load_external_data=False)
        for tensor in list(model.graph.initializer):
            for entry in tensor.external_data:
                if entry.key == "location":
                    locations.append(entry.value)
        domains = {node.domain for node in model.graph.node} - ONNX_DOMAINS
    except ImportError:
        with path.open("rb") as handle:
            locations = onnx_locations_from_bytes(handle.read(min(limit, 256 << 20)))
    except Exception:  # onnx raises its own DecodeError types, from protobuf
        yield _finding(
            rel,
            "unverifiable: the ONNX model cannot be parsed",
            "re-export the model from a trusted copy",
            Severity.HIGH,
            check="unverifiable",
        )
        return
    for location in sorted(set(locations)):
        if (
            location.startswith(("/", "\\"))
            or ".." in re.split(r"[\\/]", location)
            or (re.match(r"^[A-Za-z]:", location))
        ):
            yield _finding(
                rel,
                f"ONNX external data location {location!r} leaves the model's folder: "
                "loading it reads that file",
                "keep external data next to the model (a plain file name)",
                Severity.HIGH,
            )
    for domain in sorted(domains):
        yield _finding(
            rel,
            f"ONNX graph uses operators of the custom domain {domain!r}: they run native "
            "code from a custom-op library",
            "use standard ONNX operators, or review and pin the custom-op library",
            Severity.MEDIUM,
        )
