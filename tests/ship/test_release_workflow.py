"""The release workflow (.github/workflows/release.yml) under act, up to the publish step.

act runs the ``build`` job in host mode on a snapshot of this working tree: it installs
the build tools from the hash lock, runs ``chainward check .``, builds the sdist and the
wheel, and attests them with ``./action/attest``. Two things differ from GitHub, and only
these: the checkout, setup-python and upload-artifact actions are local stand-ins
(tests/data/ship/act/README.md), and the attest step signs with a local key, because
Sigstore's keyless services (Fulcio, Rekor) cannot be reached from here. The publish job
(PyPI trusted publishing) is not run. The provenance is then verified with chainward.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile

import pytest
import yaml

from tests.ship.conftest import RELEASE_WORKFLOW, ReleaseRun, release_with_local_key

RELEASE = RELEASE_WORKFLOW

pytestmark = pytest.mark.slow


def test_release_workflow_is_linted_and_pinned() -> None:
    workflow = yaml.safe_load(RELEASE.read_text(encoding="utf-8"))
    build, publish = workflow["jobs"]["build"], workflow["jobs"]["publish"]
    assert build["permissions"] == {"contents": "read", "id-token": "write"}
    assert publish["environment"]["name"] == "pypi"
    assert publish["permissions"]["id-token"] == "write"
    uses = [s["uses"] for job in (build, publish) for s in job["steps"] if "uses" in s]
    for ref in uses:
        assert ref.startswith("./") or re.search(r"@[0-9a-f]{40}$", ref), ref
    publisher = next(s for s in publish["steps"] if "pypi-publish" in s.get("uses", ""))
    assert publisher["with"]["attestations"] is True
    # The provenance is made keyless on GitHub: no key is configured in the workflow.
    attest = next(s for s in build["steps"] if s.get("uses") == "./action/attest")
    assert "key" not in attest["with"]
    # The one change the act run makes to the workflow.
    changed = release_with_local_key(RELEASE.read_text(encoding="utf-8"))
    assert yaml.safe_load(changed)["jobs"]["publish"] == publish


def test_build_job_builds_checks_and_attests(release_run: ReleaseRun) -> None:
    out, public = release_run.out, release_run.public_key
    assert release_run.code == 0, release_run.log[-6000:]
    assert (out / "setup-python.txt").read_text().strip() == "python-version=3.11"
    dist = sorted((out / "release" / "dist").iterdir())
    names = [p.name for p in dist]
    assert any(n.endswith(".whl") for n in names), names
    assert any(n.endswith(".tar.gz") for n in names), names
    wheel = next(p for p in dist if p.name.endswith(".whl"))
    with zipfile.ZipFile(wheel) as archive:
        assert "chainward/cli/__init__.py" in archive.namelist()
    for artifact in dist:
        bundle = out / "release" / "provenance" / f"{artifact.name}.intoto.jsonl"
        assert bundle.is_file(), sorted(p.name for p in (out / "release").rglob("*"))
        verify = subprocess.run(
            (sys.executable, "-m", "chainward", "verify-attestation", str(artifact),
             "--bundle", str(bundle), "--key", str(public)),
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert verify.returncode == 0, verify.stdout + verify.stderr
