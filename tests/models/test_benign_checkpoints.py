"""Real benign checkpoints, written by the real libraries: nothing above info.

Skipped where the library is not installed (the dev lock carries none of them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainward.models.pickles import find_pickle_problems, scan_model_file


def _worst(path: Path) -> list[tuple[str, str]]:
    report = scan_model_file(path, 1 << 30)
    return [
        (f.check_id, f.severity.label)
        for f in find_pickle_problems(path.name, report)
        if f.severity.label != "info"
    ]


def test_torch_zip_and_legacy_checkpoints(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.LayerNorm(3))
    state = model.state_dict()
    torch.save(state, tmp_path / "zip.pt")
    torch.save(state, tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    torch.save({"state": state, "epoch": 3, "lr": 0.1}, tmp_path / "ckpt.pth.tar")
    half = {k: v.half() for k, v in state.items()}
    torch.save(half, tmp_path / "half.bin")
    for name in ("zip.pt", "legacy.pt", "ckpt.pth.tar", "half.bin"):
        assert _worst(tmp_path / name) == [], name
        assert scan_model_file(tmp_path / name, 1 << 30).is_pickle


def test_numpy_files(tmp_path: Path) -> None:
    numpy = pytest.importorskip("numpy")
    numpy.save(tmp_path / "a.npy", numpy.arange(12.0).reshape(3, 4))
    numpy.savez(tmp_path / "b.npz", w=numpy.ones(3), b=numpy.zeros(2, dtype=numpy.int8))
    numpy.save(tmp_path / "c.npy", numpy.array(["x", None, 3], dtype=object), allow_pickle=True)
    for name in ("a.npy", "b.npz", "c.npy"):
        assert _worst(tmp_path / name) == [], name


def test_safetensors_file(tmp_path: Path) -> None:
    numpy = pytest.importorskip("numpy")
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    safetensors_numpy.save_file({"w": numpy.ones((2, 2), dtype=numpy.float32)}, tmp_path / "m.st")
    assert _worst(tmp_path / "m.st") == []


def test_sklearn_model_through_joblib(tmp_path: Path) -> None:
    joblib = pytest.importorskip("joblib")
    numpy = pytest.importorskip("numpy")
    linear_model = pytest.importorskip("sklearn.linear_model")
    model = linear_model.LogisticRegression().fit(
        numpy.array([[0.0], [1.0], [2.0], [3.0]]), numpy.array([0, 0, 1, 1])
    )
    joblib.dump(model, tmp_path / "model.joblib")
    joblib.dump(model, tmp_path / "model.joblib.gz", compress=("gzip", 3))
    for name in ("model.joblib", "model.joblib.gz"):
        assert _worst(tmp_path / name) == [], name
