"""The hash locks are complete and self-consistent, whatever the test environment holds.

Nothing here compares a lock with the running virtual environment: the development lock
(requirements/dev.txt) must cover pyproject.toml's ``dev`` extra and build backend with
every pin exact and hashed, and the Action's lock (action/requirements.txt) must be closed
under the dependencies its own locked wheels declare.
"""

from __future__ import annotations

import re
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.conftest import REPO_ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

DEV_LOCK = REPO_ROOT / "requirements" / "dev.txt"
ACTION_LOCK = REPO_ROOT / "action" / "requirements.txt"
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PYTHONS = ("3.10", "3.11", "3.12", "3.13")


def _entries(lock: Path) -> list[tuple[Requirement, list[str]]]:
    text = lock.read_text(encoding="utf-8").replace("\\\n", " ")
    out = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        spec, *hashes = (part.strip() for part in line.split("--hash="))
        out.append((Requirement(spec), hashes))
    return out


def _pins_for(lock: Path, python: str) -> dict[str, Version]:
    """The exact pins of ``lock`` that apply on Linux with CPython ``python``."""
    env = {**default_environment(), "python_version": python, "python_full_version": f"{python}.0"}
    env.update(sys_platform="linux", os_name="posix", platform_system="Linux")
    pins: dict[str, Version] = {}
    for req, _ in _entries(lock):
        if req.marker is None or req.marker.evaluate(env):
            (spec,) = req.specifier
            pins[canonicalize_name(req.name)] = Version(spec.version)
    return pins


@pytest.mark.parametrize("lock", [DEV_LOCK, ACTION_LOCK], ids=["dev", "action"])
def test_every_pin_is_exact_and_hashed(lock: Path) -> None:
    entries = _entries(lock)
    assert len(entries) > 10
    for req, hashes in entries:
        assert len(req.specifier) == 1, req
        assert next(iter(req.specifier)).operator == "==", req
        assert hashes, f"{req.name} has no --hash in {lock.name}"
        assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in hashes), req


def _wanted(extra: str, seen: set[str]) -> list[Requirement]:
    """The requirements of an extra of chainward, following chainward[...] references."""
    out = []
    for text in PYPROJECT["project"]["optional-dependencies"][extra]:
        req = Requirement(text)
        if canonicalize_name(req.name) == "chainward":
            for inner in sorted(req.extras - seen):
                seen.add(inner)
                out += _wanted(inner, seen)
        else:
            out.append(req)
    return out


@pytest.mark.parametrize("python", PYTHONS)
def test_dev_lock_covers_the_dev_extra_on_every_python(python: str) -> None:
    pins = _pins_for(DEV_LOCK, python)
    wanted = [
        *map(Requirement, PYPROJECT["project"]["dependencies"]),
        *map(Requirement, PYPROJECT["build-system"]["requires"]),
        *_wanted("dev", {"dev"}),
    ]
    env = {"python_version": python, "python_full_version": f"{python}.0", "extra": ""}
    for req in wanted:
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        key = canonicalize_name(req.name)
        assert key in pins, f"{req.name} is missing from {DEV_LOCK.name} for Python {python}"
        assert req.specifier.contains(pins[key], prereleases=True), (req, pins[key])


def test_action_lock_is_closed_under_its_wheels_dependencies(action_wheels: Path) -> None:
    """Every dependency that a locked wheel declares (for this interpreter) is locked too,
    at a version that satisfies it: pip's --require-hashes install cannot miss one."""
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    pins = _pins_for(ACTION_LOCK, python)
    wheels = sorted(action_wheels.glob("*.whl"))
    assert {canonicalize_name(w.name.split("-")[0]) for w in wheels} == set(pins)
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            meta = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
            metadata = Parser().parsestr(archive.read(meta).decode("utf-8"))
        for text in metadata.get_all("Requires-Dist") or []:
            req = Requirement(text)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            key = canonicalize_name(req.name)
            assert key in pins, f"{wheel.name} needs {req}, which the lock lacks"
            assert req.specifier.contains(pins[key], prereleases=True), (wheel.name, req)
