"""Helpers to drive the real pre-commit offline: the manifest, wheelhouses, output parsing."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import subprocess
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import REPO_ROOT

MANIFEST = REPO_ROOT / ".pre-commit-hooks.yaml"
TRY_REPO = Path(__file__).resolve().parent / "try_repo.py"
STAGES = ("pre-commit", "pre-push", "post-commit", "manual")


def manifest_hooks() -> list[dict[str, Any]]:
    """The hooks of .pre-commit-hooks.yaml, in file order."""
    hooks: list[dict[str, Any]] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return hooks


def hooks_for_stage(stage: str) -> list[str]:
    """Ids of the manifest hooks that run in ``stage``."""
    return [h["id"] for h in manifest_hooks() if stage in h.get("stages", ())]


def _wheel_tag(dist: metadata.Distribution, info: str) -> str:
    tags: list[str] = []
    wheel = dist.read_text("WHEEL") or ""
    for line in wheel.splitlines():
        if line.startswith("Tag:"):
            tags.append(line.split(":", 1)[1].strip())
    if not tags:
        return "py3-none-any"
    parts = [sorted({tag.split("-")[i] for tag in tags}) for i in range(3)]
    del info
    return "-".join(".".join(p) for p in parts)


def repack_installed(dist: metadata.Distribution, dest: Path) -> Path:
    """Re-pack an installed distribution (this venv's) into a wheel pip can install.

    The files are the installed ones, byte for byte, with a RECORD of their digests.
    Used so that hooks' ``additional_dependencies`` install with no network.
    """
    files = list(dist.files or [])
    info = next(
        (
            f.parent.name
            for f in files
            if f.name == "METADATA" and f.parent.name.endswith(".dist-info")
        ),
        None,
    )
    if info is None:
        raise RuntimeError(f"{dist.metadata['Name']}: no .dist-info in its file list")
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"])
    out = dest / f"{name}-{dist.version}-{_wheel_tag(dist, info)}.whl"
    records: list[tuple[str, str, str]] = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            rel = str(file)
            if rel.startswith("..") or "__pycache__" in rel or rel.endswith(".pyc"):
                continue
            if rel == f"{info}/RECORD":
                continue
            source = Path(str(dist.locate_file(file)))
            if not source.is_file():
                continue
            data = source.read_bytes()
            archive.writestr(rel, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            records.append((rel, f"sha256={digest.decode()}", str(len(data))))
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerows(records)
        writer.writerow((f"{info}/RECORD", "", ""))
        archive.writestr(f"{info}/RECORD", buffer.getvalue())
    return out


def installed_closure(requirements: list[str]) -> list[metadata.Distribution]:
    """The installed distributions that satisfy ``requirements``, with their dependencies."""
    seen: dict[str, tuple[metadata.Distribution, set[str]]] = {}
    todo = [Requirement(r) for r in requirements]
    while todo:
        req = todo.pop()
        key = canonicalize_name(req.name)
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            raise RuntimeError(f"{req.name} is not installed in the test environment") from None
        extras = set(req.extras)
        if key in seen and extras <= seen[key][1]:
            continue
        extras |= seen.get(key, (dist, set()))[1]
        seen[key] = (dist, extras)
        for text in dist.requires or []:
            sub = Requirement(text)
            if sub.marker is not None:
                envs = [{"extra": ""}] + [{"extra": e} for e in extras]
                if not any(sub.marker.evaluate(env) for env in envs):
                    continue
                sub.marker = None
            todo.append(sub)
    return [dist for dist, _ in seen.values()]


def additional_dependencies() -> list[str]:
    """Every ``additional_dependencies`` entry of the manifest."""
    out: list[str] = []
    for hook in manifest_hooks():
        out.extend(hook.get("additional_dependencies", ()))
    return sorted(set(out))


@dataclass
class HookResult:
    """One hook's part of pre-commit's output."""

    hook_id: str
    status: str  # Passed, Failed, Skipped
    exit_code: int
    output: str


_STATUS = re.compile(r"^(?P<name>.+?)\.{2,}(?:\([^)]*\))?(?P<status>Passed|Failed|Skipped)$")


def parse_run(output: str) -> dict[str, HookResult]:
    """Split ``pre-commit run --verbose --color never`` output by hook id."""
    results: dict[str, HookResult] = {}
    lines = output.splitlines()
    i = 0
    while i < len(lines):
        match = _STATUS.match(lines[i])
        if not match:
            i += 1
            continue
        status = match["status"]
        hook_id, code, body = "", 0, []
        i += 1
        while i < len(lines) and not _STATUS.match(lines[i]):
            line = lines[i]
            if line.startswith("- hook id: "):
                hook_id = line.removeprefix("- hook id: ").strip()
            elif line.startswith("- exit code: "):
                code = int(line.removeprefix("- exit code: "))
            elif not line.startswith("- duration: "):
                body.append(line)
            i += 1
        if hook_id:
            results[hook_id] = HookResult(hook_id, status, code, "\n".join(body).strip())
    return results


def run_cmd(
    argv: list[str], cwd: Path, env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing text output, never raising on its exit status."""
    return subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
