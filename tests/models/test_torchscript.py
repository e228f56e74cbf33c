"""TorchScript archives: identified by content, ``code/`` members judged as data.

Hostile archives are built by hand (``hostile_models.torchscript_archive``) and never
compiled here; the canary proofs live in ``test_hostile_models.py``. Benign archives
are written by the real ``torch.jit.save`` when torch is installed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from chainward.models.pickles import find_pickle_problems, scan_model_file
from chainward.models.torchscript import (
    UseVerdict,
    allowed_ops,
    archive_prefixes,
    is_code_member,
    scan_code,
)

from .hostile_models import TORCHSCRIPT_CODE, torchscript_archive, zip_bytes

BENIGN_CODE = """class Evil(Module):
  __parameters__ = ["weight", ]
  __buffers__ = []
  weight : Tensor
  training : bool
  __annotations__["0"] = __torch__.torch.nn.modules.linear.Linear
  def forward(self: __torch__.Evil,
    x: Tensor) -> Tensor:
    _0 = __torch__.torch.nn.functional.softmax
    weight = self.weight
    l = annotate(List[int], [])
    if bool(torch.gt(torch.sum(x), 1)):
      print("big", torch.size(x))
    else:
      ops.prim.RaiseException("AssertionError: ", "builtins.AssertionError")
    y = torch.linear(x, weight, None)
    d = ops.prim.device(y)
    return unchecked_cast(Tensor, _0(y, -1, 3, None, ))
"""


def _findings(tmp_path: Path, data: bytes, name: str = "model.pt") -> list[tuple[str, str, str]]:
    path = tmp_path / name
    path.write_bytes(data)
    report = scan_model_file(path, 1 << 30)
    return [
        (f.check_id, f.severity.label, f.message)
        for f in find_pickle_problems(name, report)
        if f.severity.label != "info"
    ]


def _with_call(call: str) -> str:
    return TORCHSCRIPT_CODE.replace("CALL", call).replace("CANARY", '"/tmp/x"')


def test_benign_hand_written_archive_is_clean(tmp_path: Path) -> None:
    assert _findings(tmp_path, torchscript_archive(BENIGN_CODE)) == []


@pytest.mark.parametrize(
    ("call", "check", "severity", "shown"),
    [
        ("torch.save", "unsafe-model-content", "critical", "aten::save"),
        ("ops.aten.save", "unsafe-model-content", "critical", "aten::save"),
        ("torch.from_file", "unverifiable-model-file", "high", "aten::from_file"),
        ("torch.set_", "unverifiable-model-file", "high", "no bounds check"),
        ("torch._unsafe_index_put", "unverifiable-model-file", "high", "not on the allow-list"),
        ("ops.my_ops.run", "unverifiable-model-file", "high", "custom op"),
        ("prim_helper", "unverifiable-model-file", "high", "does not define"),
        ("ops.prim.rpc_sync", "unverifiable-model-file", "high", "remote worker"),
    ],
)
def test_code_outside_the_allow_list_is_reported_with_member_and_line(
    tmp_path: Path, call: str, check: str, severity: str, shown: str
) -> None:
    found = _findings(tmp_path, torchscript_archive(_with_call(call)))
    assert len(found) == 1, found
    check_id, level, message = found[0]
    assert (check_id, level) == (check, severity)
    assert "archive/code/__torch__.py line 13" in message
    assert shown in message


def test_assigned_operator_is_judged_where_it_is_named(tmp_path: Path) -> None:
    # `_0 = torch.save` then `_0(...)`: the name is judged where it appears.
    code = _with_call("_0 = torch.save\n    _0")
    found = _findings(tmp_path, torchscript_archive(code))
    assert [(c, s) for c, s, _ in found] == [("unsafe-model-content", "critical")]


def test_custom_classes_outside_pytorch_are_unverifiable() -> None:
    code = BENIGN_CODE.replace(
        "d = ops.prim.device(y)", "p = __torch__.torch.classes.evil.Runner(1)"
    )
    uses = scan_code("archive/code/__torch__.py", code)
    assert [(u.verdict, u.name) for u in uses] == [
        (UseVerdict.UNKNOWN, "__torch__.torch.classes.evil.Runner")
    ]
    stock = BENIGN_CODE.replace(
        "d = ops.prim.device(y)", "p = __torch__.torch.classes.quantized.LinearPackedParamsBase"
    )
    assert scan_code("archive/code/__torch__.py", stock) == []


def test_unparsable_and_undecodable_members_are_unverifiable(tmp_path: Path) -> None:
    broken = torchscript_archive(BENIGN_CODE + "  def (:\n")
    found = _findings(tmp_path, broken)
    assert [(c, s) for c, s, _ in found] == [("unverifiable-model-file", "high")]
    assert "does not parse" in found[0][2]
    archive = zip_bytes(
        {
            "archive/constants.pkl": b"\x80\x02).",
            "archive/code/__torch__.py": BENIGN_CODE.encode().replace(b"Evil", b"\xff\xfe"),
        }
    )
    found = _findings(tmp_path, archive, "other.pt")
    assert [(c, s) for c, s, _ in found] == [("unverifiable-model-file", "high")]


def test_identified_by_content_not_by_name(tmp_path: Path) -> None:
    # Any suffix, any prefix, upper-case members: constants.pkl or code/ make it one.
    archive = torchscript_archive(_with_call("torch.save"), prefix="Weights")
    upper = archive.replace(b"Weights/code/", b"Weights/CODE/")
    for name, data in (("blob.dat", archive), ("noext", upper)):
        found = _findings(tmp_path, data, name)
        assert ("unsafe-model-content", "critical") in [(c, s) for c, s, _ in found], name
    assert archive_prefixes(["a/constants.pkl", "a/data.pkl"]) == {"a/"}
    assert archive_prefixes(["a/data.pkl", "a/data/0"]) == frozenset()
    assert is_code_member("A/Code/__torch__/m.py", frozenset({"a/"}))
    assert not is_code_member("a/code/__torch__/m.py.debug_pkl", frozenset({"a/"}))


def test_a_plain_zip_with_python_files_is_not_torchscript(tmp_path: Path) -> None:
    data = zip_bytes({"pkg/src/code/tool.py": b"import os\nos.system('x')\n"})
    assert _findings(tmp_path, data, "bundle.zip") == []


def test_the_shipped_operator_list() -> None:
    ops = allowed_ops()
    assert {"aten::linear", "aten::conv2d", "prim::RaiseException", "quantized::linear"} <= ops
    assert not ops & {"aten::save", "aten::from_file", "aten::set_", "prim::rpc_sync"}
    assert not [op for op in ops if "unsafe" in op]


def test_real_scripted_and_traced_modules_are_clean(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    nn = torch.nn
    modules = {
        "lstm": nn.LSTM(4, 4, 2),
        "gru": nn.GRU(4, 4),
        "encoder": nn.TransformerEncoderLayer(8, 2),
        "attention": nn.MultiheadAttention(8, 2),
        "cnn": nn.Sequential(
            nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten()
        ),
        "embedding": nn.Embedding(10, 4),
        "upsample": nn.Upsample(scale_factor=2),
    }
    for name, module in modules.items():
        buffer = io.BytesIO()
        torch.jit.save(torch.jit.script(module), buffer)
        assert _findings(tmp_path, buffer.getvalue(), f"{name}.pt") == [], name
    traced = torch.jit.trace(modules["cnn"].eval(), torch.ones(1, 3, 8, 8))
    buffer = io.BytesIO()
    torch.jit.save(traced, buffer)
    assert _findings(tmp_path, buffer.getvalue(), "traced.pt") == []
