"""chainward against picklescan, modelscan and fickling on the hostile model corpus and on
real benign checkpoints, side by side in one run.

    python benchmarks/model_scan.py [--large-mib 1024] [--runs 2]

Needs picklescan, modelscan and fickling (``pip install picklescan modelscan fickling``
into a scratch venv; they are not dependencies of chainward) and torch, numpy,
safetensors, joblib and scikit-learn to write the benign checkpoints.

1. The hostile corpus of ``tests/models/hostile_models.py`` (every case proven to run
   its payload by ``tests/models/test_hostile_models.py``): a tool detects a case when
   it reports an issue on the file (for chainward: a finding at high or above). Scan
   errors are counted apart, as they are not a verdict.
2. Benign checkpoints written by the real libraries (torch zip and legacy, a
   checkpoint dict under ``.pth.tar``, fp16 weights, numpy ``.npy``/``.npz`` and an
   object array, safetensors, a scikit-learn model through joblib, plain and gzip,
   TorchScript archives of a scripted LSTM, a scripted Transformer layer and a trace):
   any issue is a false positive (for chainward: anything above info).
3. Speed: milliseconds per GiB on two large checkpoints (a torch zip and a legacy
   ``torch.save`` of about ``--large-mib`` MiB, 64 tensors), best of ``--runs``,
   page cache warm, each tool imported beforehand.

The test process of chainward never loads the hostile files; the other tools are
static scanners too, and the canary folder is checked afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.models.hostile_models import CASES  # noqa: E402

from chainward.models.formats import find_format_problems  # noqa: E402
from chainward.models.pickles import find_pickle_problems, scan_model_file  # noqa: E402

Verdict = tuple[bool, bool]  # (flagged, error)


def run_chainward(path: Path, *, benign: bool = False) -> Verdict:
    report = scan_model_file(path, 1 << 30)
    floor = 0 if benign else 3  # benign: anything above info; hostile: high or above
    findings = [
        *find_pickle_problems(path.name, report),
        *find_format_problems(path.name, path, report.kinds, 1 << 30),
    ]
    levels = [f.severity.value for f in findings]
    return any(level > floor for level in levels) if benign else any(
        level >= floor for level in levels
    ), False


def run_picklescan(path: Path, *, benign: bool = False) -> Verdict:
    from picklescan.scanner import scan_file_path

    del benign
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        result = scan_file_path(str(path))
    return result.issues_count > 0 or result.infected_files > 0, bool(result.scan_err)


def run_modelscan(path: Path, *, benign: bool = False) -> Verdict:
    from modelscan.modelscan import ModelScan

    del benign
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        result = ModelScan().scan(path)
    issues = result.get("issues") or []
    errors = result.get("errors") or []
    return bool(issues), bool(errors)


def run_fickling(path: Path, *, benign: bool = False) -> Verdict:
    import fickling

    del benign
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            result = fickling.scan_file(str(path), graceful=True)
        except Exception:  # a crash is an error, not a verdict
            return False, True
    severity = getattr(result.severity, "name", str(result.severity))
    return severity != "LIKELY_SAFE", bool(getattr(result, "errors", None))


def _guarded(tool: Callable[..., Verdict]) -> Callable[..., Verdict]:
    def run(path: Path, *, benign: bool = False) -> Verdict:
        try:
            return tool(path, benign=benign)
        except Exception:  # a crash is an error, not a verdict
            return False, True

    return run


TOOLS: dict[str, Callable[..., Verdict]] = {
    "chainward": run_chainward,
    "picklescan": _guarded(run_picklescan),
    "modelscan": _guarded(run_modelscan),
    "fickling": _guarded(run_fickling),
}


def write_benign(folder: Path) -> list[Path]:
    import joblib
    import numpy
    import torch
    from safetensors.numpy import save_file
    from sklearn.linear_model import LogisticRegression

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(16, 8), torch.nn.ReLU(), torch.nn.LayerNorm(8))
    state = model.state_dict()
    torch.save(state, folder / "zip.pt")
    torch.save(state, folder / "legacy.pt", _use_new_zipfile_serialization=False)
    torch.save({"state_dict": state, "epoch": 3, "lr": 0.1}, folder / "checkpoint.pth.tar")
    torch.save({k: v.half() for k, v in state.items()}, folder / "pytorch_model.bin")
    numpy.save(folder / "array.npy", numpy.arange(12.0).reshape(3, 4))
    numpy.savez(folder / "arrays.npz", w=numpy.ones(3), b=numpy.zeros(2, dtype=numpy.int8))
    numpy.save(folder / "objects.npy", numpy.array(["a", None, 3], dtype=object))
    save_file({"w": numpy.ones((4, 4), dtype=numpy.float32)}, folder / "model.safetensors")
    fitted = LogisticRegression().fit(numpy.array([[0.0], [1.0], [2.0], [3.0]]), [0, 0, 1, 1])
    joblib.dump(fitted, folder / "model.joblib")
    joblib.dump(fitted, folder / "model.joblib.gz", compress=("gzip", 3))
    # TorchScript archives, scripted and traced (code/ members judged by the allow-list).
    torch.jit.save(torch.jit.script(torch.nn.LSTM(4, 4, 2)), folder / "scripted-lstm.pt")
    encoder = torch.nn.TransformerEncoderLayer(8, 2)
    torch.jit.save(torch.jit.script(encoder), folder / "scripted-encoder.pt")
    traced = torch.jit.trace(model.eval(), torch.ones(2, 16))
    torch.jit.save(traced, folder / "traced.pt")
    return sorted(p for p in folder.iterdir() if p.is_file())


def write_large(folder: Path, mib: int) -> list[Path]:
    import torch

    count = 64
    per = mib * (1 << 20) // count // 4
    state = {f"layer{i}.weight": torch.randn(per) for i in range(count)}
    torch.save(state, folder / "large-zip.pt")
    torch.save(state, folder / "large-legacy.pt", _use_new_zipfile_serialization=False)
    return [folder / "large-zip.pt", folder / "large-legacy.pt"]


def mark(value: Verdict) -> str:
    flagged, error = value
    return ("yes" if flagged else "-") + (" (err)" if error else "")


def main() -> int:
    """Run every tool on every file; print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--large-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory(prefix="chainward-modelscan-") as tmp:
        base = Path(tmp)
        canary = base / "canary"
        hostile = base / "hostile"
        hostile.mkdir()
        rows = []
        detected = dict.fromkeys(TOOLS, 0)
        for case in CASES:
            folder = hostile / case.name
            folder.mkdir()
            path = folder / case.filename
            path.write_bytes(case.build(canary / case.name))
            row = {name: tool(path) for name, tool in TOOLS.items()}
            for name, value in row.items():
                detected[name] += value[0]
            rows.append((case.name, row))
        print(f"Hostile corpus: {len(CASES)} files, each proven to run its payload")
        print(f"{'case':24}" + "".join(f"{name:>14}" for name in TOOLS))
        for name, row in rows:
            print(f"{name:24}" + "".join(f"{mark(row[t]):>14}" for t in TOOLS))
        print(f"{'detected':24}" + "".join(f"{detected[t]:>14}" for t in TOOLS))
        missed = [
            name
            for name, row in rows
            if not row["chainward"][0] and any(v[0] for t, v in row.items() if t != "chainward")
        ]
        benign_dir = base / "benign"
        benign_dir.mkdir()
        benign = write_benign(benign_dir)
        false_pos = dict.fromkeys(TOOLS, 0)
        print(f"\nBenign checkpoints: {len(benign)} files")
        print(f"{'file':24}" + "".join(f"{name:>14}" for name in TOOLS))
        for path in benign:
            row = {name: tool(path, benign=True) for name, tool in TOOLS.items()}
            for name, value in row.items():
                false_pos[name] += value[0]
            print(f"{path.name:24}" + "".join(f"{mark(row[t]):>14}" for t in TOOLS))
        print(f"{'false positives':24}" + "".join(f"{false_pos[t]:>14}" for t in TOOLS))
        large_dir = base / "large"
        large_dir.mkdir()
        large = write_large(large_dir, args.large_mib)
        print(f"\nSpeed: milliseconds per GiB, best of {args.runs}, warm cache")
        print(f"{'file':24}" + "".join(f"{name:>14}" for name in TOOLS))
        speed: dict[str, list[float]] = {name: [] for name in TOOLS}
        for path in large:
            path.read_bytes()
            gib = path.stat().st_size / (1 << 30)
            cells = []
            for name, tool in TOOLS.items():
                best = float("inf")
                for _ in range(args.runs):
                    start = time.perf_counter()
                    tool(path, benign=True)
                    best = min(best, time.perf_counter() - start)
                speed[name].append(best / gib)
                cells.append(f"{best / gib * 1000:14.2f}")
            print(f"{path.name:24}" + "".join(cells))
        fired = sorted(p.name for p in canary.iterdir()) if canary.exists() else []
    print(f"\ncanaries created while scanning: {fired or 'none'}")
    print(f"cases another tool detects and chainward misses: {missed or 'none'}")
    slower = [
        path.name
        for path, ours, theirs in zip(large, speed["chainward"], speed["picklescan"], strict=True)
        if ours > theirs
    ]
    print(f"large checkpoints where chainward is slower than picklescan: {slower or 'none'}")
    ok = not missed and false_pos["chainward"] == 0 and not fired and not slower
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
