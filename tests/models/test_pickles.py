"""Static pickle scanning: crafted pickles (built as bytes, never loaded), PyTorch zip
archives, legacy multi-pickle files, and the bounds (zip bombs, huge members, nesting)."""

from __future__ import annotations

import pickle
import struct
import zipfile
from pathlib import Path

import pytest

from chainward.models.pickles import (
    classify_global,
    find_pickle_problems,
    scan_model_file,
)

PROTO2 = b"\x80\x02"


def glob(module: str, name: str) -> bytes:
    """The GLOBAL opcode."""
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def ustr(text: str) -> bytes:
    """BINUNICODE: a str pushed on the stack."""
    data = text.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def call(callee: bytes, *args: str) -> bytes:
    """callee(*args) with MARK ... TUPLE REDUCE."""
    return callee + b"(" + b"".join(ustr(a) for a in args) + b"tR"


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def checks(path: Path, root: Path, limit: int = 1 << 30) -> list[tuple[str, str]]:
    report = scan_model_file(path, limit)
    rel = path.relative_to(root).as_posix()
    return [(f.check_id, f.severity.label) for f in find_pickle_problems(rel, report)]


def test_pickle_that_would_create_a_file_is_critical_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "pwned.txt"
    # open("<target>", "w").write("owned") expressed in pickle opcodes.
    payload = (
        PROTO2
        + glob("builtins", "getattr")
        + b"("
        + call(glob("builtins", "open"), str(target), "w")
        + ustr("write")
        + b"tR("
        + ustr("owned")
        + b"tR."
    )
    path = write(tmp_path / "models" / "checkpoint.pkl", payload)
    found = checks(path, tmp_path)
    assert ("unsafe-pickle", "critical") in found
    report = scan_model_file(path, 1 << 30)
    assert {i.qualified for i in report.imports} == {"builtins.getattr", "builtins.open"}
    assert not target.exists()
    # and through the CLI, as `chainward check` would run it
    from chainward.cli import main

    assert main(["check", str(tmp_path), "--format", "json", "-q"]) == 1
    assert not target.exists()


def test_protocol_4_stack_global_through_the_memo(tmp_path: Path) -> None:
    # SHORT_BINUNICODE "os", MEMOIZE, SHORT_BINUNICODE "system", MEMOIZE, BINGET 0, BINGET 1,
    # STACK_GLOBAL: the module and name come from the memo, not from the two last pushes.
    body = (
        b"\x8c\x02os\x94"
        + b"\x8c\x06system\x94"
        + b"\x8c\x01x\x94"
        + b"h\x00h\x01\x93"
        + b"\x8c\x04echo\x85R."
    )
    path = write(tmp_path / "m.pt", b"\x80\x04" + body)
    report = scan_model_file(path, 1 << 30)
    assert [i.qualified for i in report.imports] == ["os.system"]
    assert ("unsafe-pickle", "critical") in checks(path, tmp_path)


def test_real_pickle_module_output_is_read(tmp_path: Path) -> None:
    import collections

    data = pickle.dumps({"w": collections.OrderedDict(a=[1.0, 2.0])}, protocol=4)
    path = write(tmp_path / "state.pkl", data)
    assert checks(path, tmp_path) == [("pickle-format", "info")]


@pytest.mark.parametrize(
    ("module", "name", "verdict"),
    [
        ("posix", "system", "dangerous"),
        ("subprocess", "Popen", "dangerous"),
        ("builtins", "eval", "dangerous"),
        ("__builtin__", "exec", "dangerous"),
        ("runpy", "run_path", "dangerous"),
        ("socket", "create_connection", "dangerous"),
        ("shutil", "rmtree", "dangerous"),
        ("torch.serialization", "load", "dangerous"),
        ("os.path", "join", "dangerous"),
        ("torch._utils", "_rebuild_tensor_v2", "safe"),
        ("torch", "FloatStorage", "safe"),
        ("torch", "bfloat16", "safe"),
        ("collections", "OrderedDict", "safe"),
        ("builtins", "set", "safe"),
        ("numpy.core.multiarray", "_reconstruct", "safe"),
        ("mylib.models", "Net", "unknown"),
        ("builtins", "type", "unknown"),
    ],
)
def test_classification(module: str, name: str, verdict: str) -> None:
    assert classify_global(module, name) == verdict


def test_allow_list_extension() -> None:
    assert classify_global("mylib.models", "Net", ["mylib.*"]) == "safe"


def _tensor_pickle(extra: bytes = b"") -> bytes:
    """A state_dict-like pickle: OrderedDict of one tensor rebuilt from a storage."""
    return (
        PROTO2
        + glob("collections", "OrderedDict")
        + b")R"
        + extra
        + ustr("weight")
        + glob("torch._utils", "_rebuild_tensor_v2")
        + b"("
        + glob("torch", "FloatStorage")
        + b"tR"
        + b"s."
    )


def _torch_zip(path: Path, pickle_bytes: bytes, **members: bytes) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("archive/data.pkl", pickle_bytes)
        archive.writestr("archive/version", b"3\n")
        archive.writestr("archive/data/0", b"\x00" * 64)
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_pytorch_zip_archive_clean_and_malicious(tmp_path: Path) -> None:
    clean = _torch_zip(tmp_path / "clean.pt", _tensor_pickle())
    assert checks(clean, tmp_path) == [("pickle-format", "info")]
    evil = _torch_zip(
        tmp_path / "pytorch_model.bin",
        _tensor_pickle(extra=call(glob("subprocess", "check_output"), "id") + b"0"),
    )
    found = checks(evil, tmp_path)
    assert ("unsafe-pickle", "critical") in found
    finding = next(
        f
        for f in find_pickle_problems("pytorch_model.bin", scan_model_file(evil, 1 << 30))
        if f.check_id == "unsafe-pickle"
    )
    assert "subprocess.check_output" in finding.message
    assert "archive/data.pkl" in finding.message


def test_whole_module_checkpoint_is_an_unknown_callable(tmp_path: Path) -> None:
    data = PROTO2 + glob("mylib.models", "Net") + b")\x81." + b""
    path = write(tmp_path / "full.ckpt", data)
    assert checks(path, tmp_path) == [
        ("pickle-unknown-global", "high"),
        ("pickle-format", "info"),
    ]


def test_legacy_multi_pickle_files_are_scanned_past_the_first(tmp_path: Path) -> None:
    magic = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)
    sys_info = pickle.dumps({"protocol_version": 1001}, protocol=2)
    main = PROTO2 + call(glob("posix", "system"), "id") + b"."
    path = write(tmp_path / "legacy.pth", magic + pickle.dumps(1001, protocol=2) + sys_info + main)
    assert ("unsafe-pickle", "critical") in checks(path, tmp_path)


def test_non_pickle_bin_files_are_ignored(tmp_path: Path) -> None:
    path = write(tmp_path / "weights.bin", b"\x12\x34" * 100)
    assert checks(path, tmp_path) == []


def test_zip_bomb_member_is_not_expanded(tmp_path: Path) -> None:
    path = tmp_path / "bomb.pt"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("archive/data.pkl", b"\x80\x02" + b"N" * (8 << 20) + b".")
    assert path.stat().st_size < 1 << 20
    report = scan_model_file(path, 1 << 30)
    assert any("zip bomb" in p for p in report.problems)
    assert ("unverifiable-model-file", "high") in checks(path, tmp_path)


def test_huge_members_and_streams_are_refused(tmp_path: Path) -> None:
    big = _torch_zip(tmp_path / "big.pt", _tensor_pickle() + b"\x00" * 10_000)
    report = scan_model_file(big, 1_000)
    assert any("over the 1000-byte limit" in p for p in report.problems)
    stream = write(tmp_path / "big.pkl", PROTO2 + b"N" * 100_000 + b".")
    report = scan_model_file(stream, 1_000)
    assert any("not fully scanned" in p and "limit 1000 bytes" in p for p in report.problems)


def test_deep_nesting_does_not_recurse(tmp_path: Path) -> None:
    depth = 200_000
    data = PROTO2 + b"]" * depth + b"a" * (depth - 1) + b"."
    path = write(tmp_path / "deep.pkl", data)
    assert checks(path, tmp_path) == [("pickle-format", "info")]


def test_malformed_pickle_is_reported_not_crashed(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.pkl", PROTO2 + glob("os", "system") + b"\xff\xfe")
    found = checks(path, tmp_path)
    assert ("unsafe-pickle", "critical") in found
    assert ("unverifiable-model-file", "high") in found  # the unreadable rest


def test_binary_that_only_starts_like_an_old_pickle_is_not_one(tmp_path: Path) -> None:
    path = write(tmp_path / "embeddings.bin", b"c\x00\x01\x02" + bytes(range(256)) * 4)
    assert checks(path, tmp_path) == []
    old = write(tmp_path / "old.bin", b"cposix\nsystem\n(S'id'\ntR.")  # protocol 0
    assert ("unsafe-pickle", "critical") in checks(old, tmp_path)


def test_compressed_data_and_broken_archives_that_hold_no_model(tmp_path: Path) -> None:
    import gzip

    text = write(tmp_path / "data.jsonl.gz", gzip.compress(b'{"q": "a"}\n' * 200_000))
    assert checks(text, tmp_path) == []
    broken_tar = write(tmp_path / "fixture.tar", b"\x00" * 257 + b"ustar" + b"\x01" * 300)
    assert checks(broken_tar, tmp_path) == []
    # the same bytes under a model's name are reported
    model_gz = write(tmp_path / "model.pkl.gz", gzip.compress(PROTO2 + b"\xff" * 10))
    assert ("unverifiable-model-file", "high") in checks(model_gz, tmp_path)


def test_zip_member_with_a_bad_crc_is_still_scanned(tmp_path: Path) -> None:
    payload = PROTO2 + call(glob("os", "system"), "id") + b"."
    path = _torch_zip(tmp_path / "model.pt", payload)
    data = bytearray(path.read_bytes())
    central = data.find(b"PK\x01\x02")
    local = 0
    for offset in (local + 14, central + 16):  # the CRC in both headers
        data[offset] ^= 0xFF
    path.write_bytes(bytes(data))
    found = checks(path, tmp_path)
    assert ("unsafe-pickle", "critical") in found
    assert ("unverifiable-model-file", "high") in found
