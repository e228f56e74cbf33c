"""Benchmark: a repository with 200 manifests is inventoried and checked offline.

    python benchmarks/inventory.py [--manifests 200] [--repeat 5]

Builds a temporary repository with every manifest kind chainward reads
(requirements files with includes and hashes, pyproject.toml, setup.cfg, Pipfile,
Pipfile.lock, conda environments, uv.lock, poetry.lock, pylock.toml, Dockerfiles,
workflows, shell scripts), spread over folders, then times:

- in-process: file selection (git ls-files) + ``collect_inventory`` + every offline
  check (the best of ``--repeat`` runs);
- the command a hook runs, ``chainward deps --only pins -q``, as a fresh process
  (interpreter start-up included).

Target: under 0.5 s for 200 manifests (in-process inventory + checks).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 0.5
H1 = "sha256:d4e0951ec78eac11c45a051801c569913436888c578d48e5ce86996b715bc6ef"
H2 = "sha256:0e0cbd40ebdf5fe4ea79f255880d02f96712d18899509369a2cc5768ad46d672"

AI = ["torch", "transformers", "accelerate", "peft", "datasets", "vllm", "langchain-openai"]
OTHER = ["numpy", "requests", "pydantic", "fastapi", "rich", "click", "tqdm", "scipy"]


def requirements(index: int) -> str:
    lines = [f"# service {index}", "-r base.txt", "-c constraints.txt"]
    for n, name in enumerate(AI + OTHER):
        if n % 3 == 0:
            lines.append(f"{name}=={n}.{index}.0 \\\n    --hash={H1} \\\n    --hash={H2}")
        elif n % 3 == 1:
            lines.append(f"{name}>={n}.0 ; python_version >= '3.10'")
        else:
            lines.append(name)
    lines.append("git+https://github.com/huggingface/peft.git@main#egg=peft")
    return "\n".join(lines) + "\n"


def pyproject(index: int) -> str:
    deps = ", ".join(f'"{n}>={i}.0"' for i, n in enumerate(AI + OTHER))
    return (
        f'[project]\nname = "pkg{index}"\nversion = "1.0"\ndependencies = [{deps}]\n\n'
        '[project.optional-dependencies]\nserve = ["vllm==0.6.3", "uvicorn"]\n\n'
        '[dependency-groups]\ndev = ["pytest", "ruff"]\n\n'
        '[build-system]\nrequires = ["setuptools>=69"]\nbuild-backend = "setuptools.build_meta"\n'
    )


def setup_cfg(_: int) -> str:
    body = "\n".join(f"    {n}>=1.0" for n in AI + OTHER)
    return f"[metadata]\nname = x\n\n[options]\ninstall_requires =\n{body}\n"


def pipfile(_: int) -> str:
    body = "\n".join(f'{n} = "*"' for n in AI + OTHER)
    return f'[[source]]\nurl = "https://pypi.org/simple"\nname = "pypi"\n\n[packages]\n{body}\n'


def environment(_: int) -> str:
    pip = "\n".join(f"      - {n}>=1" for n in AI)
    return (
        "name: train\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n"
        f"  - pytorch=2.1\n  - numpy\n  - pip\n  - pip:\n{pip}\n"
    )


def uv_lock(index: int) -> str:
    parts = ["version = 1\n"]
    for n in range(60):
        parts.append(
            f'[[package]]\nname = "pkg-{index}-{n}"\nversion = "1.{n}.0"\n'
            'source = { registry = "https://pypi.org/simple" }\n'
            f'sdist = {{ url = "https://x/p.tar.gz", hash = "{H1}" }}\n'
            f'wheels = [{{ url = "https://x/p.whl", hash = "{H2}" }}]\n'
        )
    return "\n".join(parts)


def poetry_lock(index: int) -> str:
    parts = []
    for n in range(60):
        parts.append(
            f'[[package]]\nname = "pkg-{index}-{n}"\nversion = "1.{n}.0"\n'
            f'files = [\n    {{file = "p.whl", hash = "{H1}"}},\n]\n'
        )
    return "\n".join(parts) + '\n[metadata]\nlock-version = "2.0"\n'


def dockerfile(index: int) -> str:
    return (
        "ARG CUDA=12.1.1\n"
        f"FROM nvidia/cuda:${{CUDA}}-runtime-ubuntu22.04 AS build{index}\n"
        "RUN apt-get update && apt-get install -y python3-pip curl \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
        "RUN curl -fsSL https://example.com/install.sh | sh\n"
        "RUN pip install --no-cache-dir torch==2.5.1 transformers \\\n"
        "    --extra-index-url https://download.pytorch.org/whl/cu121\n"
        f"FROM build{index}\n"
    )


def workflow(_: int) -> str:
    return (
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    container: python:3.11\n"
        "    steps:\n      - uses: actions/checkout@v4\n"
        "      - run: |\n          pip install torch transformers==4.46.3\n"
        "          curl -LsSf https://astral.sh/uv/install.sh | sh\n"
    )


def script(_: int) -> str:
    return "#!/bin/sh\nset -e\npip install vllm==0.6.3 xformers\n"


KINDS = [
    ("requirements.txt", requirements, 40),
    ("pyproject.toml", pyproject, 30),
    ("setup.cfg", setup_cfg, 15),
    ("Pipfile", pipfile, 15),
    ("environment.yml", environment, 20),
    ("uv.lock", uv_lock, 15),
    ("poetry.lock", poetry_lock, 10),
    ("Dockerfile", dockerfile, 25),
    (".github/workflows/ci.yml", workflow, 20),
    ("setup.sh", script, 10),
]


def build(root: Path, total: int) -> int:
    """Write ``total`` manifests (scaled from the mix above); return how many."""
    scale = total / sum(count for _, _, count in KINDS)
    written = 0
    for name, make, count in KINDS:
        for index in range(max(1, round(count * scale))):
            folder = root / f"svc{index:03d}"
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(make(index))
            written += 1
            if name == "requirements.txt":
                (folder / "base.txt").write_text("numpy==1.26.4\n")
                (folder / "constraints.txt").write_text("requests==2.32.3\n")
    subprocess.run(("git", "init", "-q", str(root)), check=True)
    return written


def run_in_process(root: Path) -> tuple[float, float, int, int]:
    from chainward.core.context import ScanContext
    from chainward.core.files import select_files
    from chainward.core.policy import Policy
    from chainward.dependencies.scan import check_inventory
    from chainward.inventory import collect_inventory

    start = time.perf_counter()
    cpu = time.process_time()
    files = select_files(root, [], ())
    ctx = ScanContext(root=root, files=files, policy=Policy(None, {}, {"dependencies": {}}))
    inventory = collect_inventory(ctx)
    findings = list(check_inventory(inventory, {}))
    return (
        time.perf_counter() - start,
        time.process_time() - cpu,
        len(inventory.dependencies),
        len(findings),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifests", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        count = build(root, args.manifests)
        runs = [run_in_process(root) for _ in range(args.repeat)]
        best = min(r[0] for r in runs)
        best_cpu = min(r[1] for r in runs)
        _, _, deps, findings = runs[0]
        start = time.perf_counter()
        proc = subprocess.run(
            (sys.executable, "-m", "chainward", "deps", "--only", "pins", "-q", str(root)),
            capture_output=True,
            text=True,
            check=False,
        )
        cli = time.perf_counter() - start
    print(f"manifests: {count}  dependencies: {deps}  findings: {findings}")
    print(
        f"in-process inventory + offline checks: best {best * 1000:.0f} ms wall, "
        f"{best_cpu * 1000:.0f} ms CPU (of {args.repeat} runs; git ls-files runs in a child "
        "process, so its CPU time is not counted)"
    )
    print(f"`chainward deps --only pins` (fresh process, start-up included): {cli * 1000:.0f} ms")
    print(f"exit code of the hook command: {proc.returncode} (1 = findings, as expected)")
    load = os.getloadavg()[0]
    print(f"load average (1 min) while measuring: {load:.1f} on {os.cpu_count()} CPUs")
    wall_ok, cpu_ok = best < TARGET_SECONDS, best_cpu < TARGET_SECONDS
    print(
        f"target < {TARGET_SECONDS * 1000:.0f} ms: wall {'PASS' if wall_ok else 'FAIL'}, "
        f"CPU {'PASS' if cpu_ok else 'FAIL'} (wall time needs an idle machine: with the load "
        "above, other processes share the CPUs)"
    )
    return 0 if wall_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
