"""Formats beyond pickle: GGUF chat templates, Keras Lambda layers and custom objects,
ONNX external data, safetensors headers. Hostile files are proven real where the
renderer or loader is installed (in a subprocess, with a canary)."""

from __future__ import annotations

import importlib.util
import json
import struct
from pathlib import Path

import pytest

from chainward.models.formats import (
    find_format_problems,
    keras_config_problems,
    onnx_locations_from_bytes,
    safetensors_problems,
)
from chainward.models.pickles import scan_model_file

from .hostile_models import (
    DENSE_LAYER,
    LAMBDA_LAYER,
    gguf_file,
    gguf_ssti,
    keras_zip,
    render_gguf_template,
)


def _found(path: Path) -> list[tuple[str, str]]:
    report = scan_model_file(path, 1 << 30)
    return [
        (f.check_id, f.severity.label)
        for f in find_format_problems(path.name, path, report.kinds, 1 << 30)
    ]


def test_gguf_template_reaching_dunders_is_critical(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    bad = tmp_path / "model.gguf"
    bad.write_bytes(gguf_ssti(canary))
    assert _found(bad) == [("unsafe-model-content", "critical")]
    good = tmp_path / "good.bin"  # found by content, not by suffix
    good.write_bytes(gguf_file("{% for m in messages %}{{ m.role }}: {{ m.content }}{% endfor %}"))
    assert _found(good) == []
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(gguf_file("x")[:40])
    assert _found(broken) == [("unverifiable-model-file", "high")]
    assert not canary.exists()


def test_gguf_template_is_real(tmp_path: Path) -> None:
    if importlib.util.find_spec("jinja2") is None:
        pytest.skip("rendering needs jinja2")
    canary = tmp_path / "canary"
    path = tmp_path / "model.gguf"
    path.write_bytes(gguf_ssti(canary))
    render_gguf_template(path, [{"content": "hi"}])
    assert canary.exists()


def test_keras_lambda_and_custom_objects(tmp_path: Path) -> None:
    bad = tmp_path / "model.keras"
    bad.write_bytes(keras_zip([DENSE_LAYER, LAMBDA_LAYER]))
    assert ("unsafe-model-content", "critical") in _found(bad)
    good = tmp_path / "good.keras"
    good.write_bytes(keras_zip([DENSE_LAYER]))
    assert _found(good) == []
    custom = {"module": "mylib.layers", "class_name": "Gate", "config": {}}
    assert [s.label for s, _ in keras_config_problems({"layers": [custom]})] == ["high"]
    denied = {"module": "os", "class_name": "system", "config": {}}
    assert [s.label for s, _ in keras_config_problems({"layers": [denied]})] == ["critical"]


def test_keras_h5_without_and_with_h5py(tmp_path: Path) -> None:
    config = json.dumps(keras_config_for([DENSE_LAYER, LAMBDA_LAYER])).encode()
    fake = tmp_path / "model.h5"
    fake.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 100 + config + b"\x00" * 100)
    assert _found(fake) == [("unsafe-model-content", "critical")]
    h5py = pytest.importorskip("h5py")
    real = tmp_path / "real.h5"
    with h5py.File(real, "w") as handle:
        handle.attrs["model_config"] = config.decode()
        handle.create_dataset("w", data=[1.0, 2.0])
    assert _found(real) == [("unsafe-model-content", "critical")]


def keras_config_for(layers: list[dict[str, object]]) -> dict[str, object]:
    from .hostile_models import keras_config

    return keras_config(layers)


def test_onnx_external_data_leaving_the_folder(tmp_path: Path) -> None:
    entry = b"\x0a\x08location\x12\x10../../etc/passwd"
    assert onnx_locations_from_bytes(b"\x08\x07" + entry) == ["../../etc/passwd"]
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    tensor = helper.make_tensor("w", TensorProto.FLOAT, [1], [0.0])
    tensor.data_location = TensorProto.EXTERNAL
    del tensor.float_data[:]
    location = tensor.external_data.add()
    location.key, location.value = "location", "../../secret.bin"
    node = helper.make_node("Identity", ["w"], ["y"], domain="evil.ops")
    graph = helper.make_graph(
        [node], "g", [], [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])], [tensor]
    )
    path = tmp_path / "model.onnx"
    path.write_bytes(helper.make_model(graph).SerializeToString())
    assert sorted(_found(path)) == [
        ("unsafe-model-content", "high"),
        ("unsafe-model-content", "medium"),
    ]
    del onnx


def _safetensors(header: dict[str, object], data: bytes) -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data


def test_safetensors_header_sanity(tmp_path: Path) -> None:
    good = {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}
    assert safetensors_problems(json.dumps(good).encode(), 8) == []
    overlap = {
        "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
        "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]},
    }
    assert any("overlap" in p for p in safetensors_problems(json.dumps(overlap).encode(), 12))
    outside = {"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}
    path = tmp_path / "model.safetensors"
    path.write_bytes(_safetensors(outside, b"\x00" * 8))
    assert _found(path) == [("unverifiable-model-file", "high")]
    path.write_bytes(_safetensors(good, b"\x00" * 8))
    assert _found(path) == []


def test_hostile_headers_found_by_fuzzing_are_findings(tmp_path: Path) -> None:
    # A GGUF array claiming 2**62 floats (seek overflowed), a zip member with an empty
    # name (zipfile's is_dir raised), a Keras zip with an unknown compression method.
    huge = gguf_file("x").replace(struct.pack("<IQ", 6, 3), struct.pack("<IQ", 6, 1 << 62))
    path = tmp_path / "huge.gguf"
    path.write_bytes(huge)
    assert _found(path) == [("unverifiable-model-file", "high")]
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("config.json", b"{}")
        archive.writestr("model.weights.h5", b"x")
        archive.writestr("x", b"\x80\x02N.")
    data = buffer.getvalue().replace(b"x\x80\x02N.", b"\x00\x80\x02N.")
    empty = data.replace(b"\x01\x00\x00\x00x", b"\x00\x00\x00\x00x")  # name length 0 in headers
    for name, blob in (
        ("empty.keras", empty),
        ("odd.keras", data.replace(b"\x08\x00", b"\x63\x00")),
    ):
        target = tmp_path / name
        target.write_bytes(blob)
        report = scan_model_file(target, 1 << 30)
        list(find_format_problems(name, target, report.kinds, 1 << 30))
