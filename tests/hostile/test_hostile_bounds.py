"""Resource bounds: per-file size limits, and no quadratic behaviour in size or count.

* A file over ``max-file-size`` is not parsed; a ``file-too-large`` finding names it
  and the limit; the limit is configurable.
* 10,000 manifest lines (requirements, pyproject, a lock file, a workflow, a
  Dockerfile) are scanned in bounded time, and four times the input costs far less
  than sixteen times the time (what quadratic work would cost).
* Very long single lines (1 MB here, 4 MB in the corpus) and thousands of files
  stay cheap.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile_support import assert_clean_exit, run_cli

from chainward.catalog import load_registry
from chainward.core.context import ScanContext
from chainward.core.files import select_files
from chainward.core.findings import Finding
from chainward.core.policy import load_policy
from chainward.engine import run_scan

# CPU seconds (time.process_time), so that other work on a shared CI runner does not
# make the bounds flaky; each scan runs in this process.
BOUND_SECONDS = 20.0


def scan(root: Path) -> list[Finding]:
    """Run every default family over ``root`` in-process (no subprocess start-up)."""
    registry = load_registry()
    schemas = {n: f.policy for n, f in registry.families.items() if f.policy}
    policy = load_policy(root, schemas, registry.ids())
    files = select_files(root, [], policy.exclude)
    ctx = ScanContext(root=root, files=files, policy=policy, offline=True)
    return run_scan(ctx, [f for f in registry.families.values() if f.in_check])


def _requirements(n: int) -> dict[str, str]:
    lines = [f"package-{i}=={i % 50}.{i % 7}.0 --hash=sha256:{i:064x}" for i in range(n)]
    lines[::100] = [
        f"torch>={i % 3}.0  # unpinned AI dependency {i}" for i in range(len(lines[::100]))
    ]
    return {"requirements.txt": "\n".join(lines) + "\n"}


def _pyproject(n: int) -> dict[str, str]:
    deps = ",\n".join(f'  "package-{i}>={i % 9}"' for i in range(n))
    return {
        "pyproject.toml": f'[project]\nname = "x"\nversion = "1"\ndependencies = [\n{deps}\n]\n'
    }


def _poetry_lock(n: int) -> dict[str, str]:
    blocks = [
        f'[[package]]\nname = "package-{i}"\nversion = "1.{i}"\n'
        f'files = [{{file = "package_{i}-1.{i}.tar.gz", hash = "sha256:{i:064x}"}}]\n'
        for i in range(n // 4)
    ]
    return {"poetry.lock": "\n".join(blocks)}


def _workflow(n: int) -> dict[str, str]:
    steps = "".join(
        f"      - uses: actions/checkout@v{i % 5}\n"
        if i % 2
        else f"      - run: pip install pkg{i}\n"
        for i in range(n // 2)
    )
    return {".github/workflows/big.yml": f"jobs:\n  a:\n    runs-on: x\n    steps:\n{steps}"}


def _dockerfile(n: int) -> dict[str, str]:
    lines = ["FROM python:3.11"] + [f"RUN pip install package-{i}==1.{i}" for i in range(n - 1)]
    return {"Dockerfile": "\n".join(lines) + "\n"}


MANIFESTS: dict[str, Callable[[int], dict[str, str]]] = {
    "requirements": _requirements,
    "pyproject": _pyproject,
    "poetry.lock": _poetry_lock,
    "workflow": _workflow,
    "dockerfile": _dockerfile,
}


def _timed_scan(tmp: Path, files: dict[str, str]) -> tuple[float, list[Finding]]:
    root = tmp
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    start = time.process_time()
    findings = scan(root)
    return time.process_time() - start, findings


@pytest.mark.parametrize("kind", sorted(MANIFESTS))
def test_ten_thousand_manifest_lines_scale_linearly(tmp_path: Path, kind: str) -> None:
    small_root, big_root = tmp_path / "small", tmp_path / "big"
    small_root.mkdir()
    big_root.mkdir()
    small, _ = _timed_scan(small_root, MANIFESTS[kind](2_500))
    big, findings = _timed_scan(big_root, MANIFESTS[kind](10_000))
    assert big < BOUND_SECONDS, f"{kind}: 10,000 lines took {big:.1f}s"
    # Linear work: about 4x. Quadratic: 16x. Allow noise on a loaded 2-core machine.
    assert big < max(10 * small, 0.5), f"{kind}: 2,500 lines {small:.3f}s, 10,000 {big:.3f}s"
    assert all(f.check_id != "unparsable-file" for f in findings), findings[:3]
    if kind == "requirements":  # the file is really parsed: its 100 torch ranges are found
        unpinned = [f for f in findings if f.check_id == "unpinned-ai-dependency"]
        assert len(unpinned) == 100, len(unpinned)
    print(f"{kind}: 2,500 lines {small * 1000:.0f} ms, 10,000 lines {big * 1000:.0f} ms")


@pytest.mark.parametrize(
    ("rel", "make"),
    [
        ("requirements.txt", lambda n: "torch==2.1.0 # " + "x" * n + "\n"),
        (".github/workflows/long.yml",
         lambda n: "jobs:\n  a:\n    steps:\n      - run: '" + "y" * n + "'\n"),
        ("Dockerfile", lambda n: "FROM python:3.11\nRUN echo " + "z " * (n // 2) + "\n"),
        ("pyproject.toml", lambda n: '[project]\nname = "' + "n" * n + '"\n'),
        ("app.py", lambda n: "x = '" + "a" * n + "'\n"),
    ],
)  # fmt: skip
def test_one_line_of_a_megabyte_is_cheap(
    tmp_path: Path, rel: str, make: Callable[[int], str]
) -> None:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(make(1_000_000))  # the corpus runs a 4 MB line through the CLI
    start = time.process_time()
    scan(tmp_path)
    assert time.process_time() - start < BOUND_SECONDS


def test_two_thousand_files_scale(tmp_path: Path) -> None:
    for index in range(2_000):
        folder = tmp_path / f"svc{index}"
        folder.mkdir()
        (folder / "requirements.txt").write_text(f"torch=={index % 3}.0.0\nnumpy\n")
    start = time.process_time()
    findings = scan(tmp_path)
    elapsed = time.process_time() - start
    assert elapsed < BOUND_SECONDS, elapsed
    assert len({f.path for f in findings if f.check_id == "missing-dependency-hash"}) == 2_000


@pytest.mark.parametrize("rel", ["requirements.txt", ".github/workflows/ci.yml", "Dockerfile"])
def test_file_over_the_configured_limit_is_reported_not_parsed(tmp_path: Path, rel: str) -> None:
    (tmp_path / "chainward.toml").write_text("max-file-size = 1000\n")
    big = tmp_path / rel
    big.parent.mkdir(parents=True, exist_ok=True)
    big.write_text("# filler\n" * 200)  # 1,800 bytes
    small = tmp_path / "sub" / "requirements.txt"
    small.parent.mkdir()
    small.write_text("torch>=2\n")
    outcome = run_cli(["check", "--format", "json", str(tmp_path)], cwd=tmp_path)
    assert_clean_exit(outcome)
    findings = json.loads(outcome.out)["findings"]
    too_large = [f for f in findings if f["check_id"] == "file-too-large"]
    assert [f["path"] for f in too_large] == [rel], findings
    assert "1000" in too_large[0]["message"] and "1800" in too_large[0]["message"]
    assert too_large[0]["fix"] and "max-file-size" in too_large[0]["fix"]
    # The file under the limit is still checked.
    assert any(f["path"] == "sub/requirements.txt" for f in findings), findings


def test_raising_the_limit_makes_the_file_scanned(tmp_path: Path) -> None:
    (tmp_path / "chainward.toml").write_text(f"max-file-size = {20 * 1_000_000}\n")
    path = tmp_path / "requirements.txt"
    with path.open("wb") as handle:  # 6 MB (over the default 5 MB), sparse
        handle.write(b"torch>=2\n")
        handle.truncate(6_000_000)
    outcome = run_cli(["check", "--format", "json", str(tmp_path)], cwd=tmp_path)
    assert_clean_exit(outcome)
    ids = {f["check_id"] for f in json.loads(outcome.out)["findings"]}
    assert "file-too-large" not in ids
    assert "unpinned-ai-dependency" in ids
    (tmp_path / "chainward.toml").unlink()
    outcome = run_cli(["check", "--format", "json", str(tmp_path)], cwd=tmp_path)
    ids = {f["check_id"] for f in json.loads(outcome.out)["findings"]}
    assert "file-too-large" in ids
