"""Unpinned model downloads: fixtures for every API (with `# expect:` markers), lock
revisions, unresolved values, and a differential run of Bandit's B615."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chainward.inventory.model_refs.python import scan_source, scan_source_full
from chainward.models.download_checks import find_download_problems
from tests.conftest import DATA

FIXTURES = DATA / "models" / "downloads"
FILES = sorted(FIXTURES.glob("*.py"))
SHA = "0123456789abcdef0123456789abcdef01234567"


def expected(text: str) -> set[tuple[int, str]]:
    out: set[tuple[int, str]] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.search(r"# expect: ([\w\- ]+)", line)
        if match:
            out |= {(number, w) for w in match.group(1).split() if w != "bandit-misses"}
    return out


def reported(path: Path, **kwargs: object) -> set[tuple[int, str]]:
    found = scan_source_full(path.name, path.read_text())
    findings = find_download_problems(found.calls, found.remote_code, **kwargs)  # type: ignore[arg-type]
    return {(f.line or 0, str(f.check_id)) for f in findings}


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_fixture_findings_match_the_expect_markers(path: Path) -> None:
    assert reported(path) == expected(path.read_text())


def test_fixtures_cover_every_api() -> None:
    apis = {c.api for p in FILES for c in scan_source(p.name, p.read_text())}
    for needed in (
        "transformers.AutoModel.from_pretrained",
        "transformers.pipeline",
        "huggingface_hub.hf_hub_download",
        "huggingface_hub.snapshot_download",
        "huggingface_hub.HfApi.snapshot_download",
        "huggingface_hub.HfApi.hf_hub_download",
        "datasets.load_dataset",
        "sentence_transformers.SentenceTransformer",
        "diffusers.DiffusionPipeline.from_pretrained",
        "peft.PeftModel.from_pretrained",
        "timm.create_model",
        "open_clip.create_model_and_transforms",
        "torch.hub.load",
    ):
        assert needed in apis, needed


def test_scan_source_contract_fields() -> None:
    text = 'from transformers import AutoModel as M\nM.from_pretrained("org/x", revision="v1")\n'
    (call,) = scan_source("pkg/train.py", text)
    assert (call.path, call.line, call.column) == ("pkg/train.py", 2, 1)
    assert call.api == "transformers.AutoModel.from_pretrained"
    assert (call.repo_id, call.revision, call.pinned) == ("org/x", "v1", False)


def test_peft_judges_the_adapter_not_the_base_model() -> None:
    text = (
        "from peft import PeftModel\nfrom transformers import AutoModel\n"
        f'base = AutoModel.from_pretrained("org/base", revision="{SHA}")\n'
        'model = PeftModel.from_pretrained(base, "org/adapter")\n'
    )
    calls = scan_source("a.py", text)
    assert [(c.repo_id, c.pinned) for c in calls] == [("org/base", True), ("org/adapter", False)]


def test_lock_revision_must_match(tmp_path: Path) -> None:
    other = "f" * 40
    text = (
        "from transformers import AutoModel\n"
        f'AutoModel.from_pretrained("org/tiny", revision="{other}")\n'
        f'AutoModel.from_pretrained("org/tiny", revision="{SHA}")\n'
        'AutoModel.from_pretrained("org/tiny")\n'
    )
    found = scan_source_full("a.py", text)
    findings = list(
        find_download_problems(found.calls, found.remote_code, locked_revisions={"org/tiny": SHA})
    )
    assert [(f.line, f.check_id) for f in findings] == [
        (2, "model-revision-mismatch"),
        (4, "unpinned-model-download"),
    ]
    assert SHA in (findings[1].fix or "")  # the fix names the locked revision


def test_unresolved_values_are_reported_only_when_asked() -> None:
    path = FIXTURES / "resolution.py"
    quiet = reported(path)
    loud = reported(path, report_unresolved=True)
    extra = loud - quiet
    assert extra and {c for _, c in extra} == {"unresolved-model-download"}
    lines = path.read_text().splitlines()
    assert all("bandit-wrong" in lines[n - 1] or '"REV")' in lines[n - 2] for n, _ in extra)


def test_allow_list_and_exists_callback() -> None:
    text = 'from transformers import AutoModel\nAutoModel.from_pretrained("my-org/model")\n'
    found = scan_source_full("a.py", text)
    assert list(find_download_problems(found.calls, [], allow=["my-org/*"])) == []
    local = scan_source_full("a.py", text, exists=lambda p: p == "my-org/model")
    assert local.calls[0].repo_state == "local"


def test_code_is_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    text = f"open({str(marker)!r}, 'w').write('x')\nimport transformers\n"
    scan_source("a.py", text)
    assert not marker.exists()


def _bandit(paths: list[Path]) -> set[tuple[str, int]]:
    exe = shutil.which("bandit") or str(Path(sys.executable).with_name("bandit"))
    proc = subprocess.run(
        (exe, "-q", "-t", "B615", "-f", "json", *map(str, paths)),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    results = json.loads(proc.stdout)["results"]
    return {(Path(r["filename"]).name, int(r["line_number"])) for r in results}


def test_differential_against_bandit_b615() -> None:
    """chainward reports every download Bandit rightly reports, plus what Bandit misses.

    Lines marked ``bandit-wrong`` are Bandit false positives (local files, packaged
    dataset builders, values pinned in ways it cannot see, unresolvable values);
    ``bandit-misses`` marks downloads Bandit's B615 does not report.
    """
    bandit = _bandit(FILES)
    assert len(bandit) > 20  # Bandit really ran on the fixtures
    ours: set[tuple[str, int]] = set()
    wrong: set[tuple[str, int]] = set()
    misses: set[tuple[str, int]] = set()
    for path in FILES:
        lines = path.read_text().splitlines()
        ours |= {
            (path.name, line)
            for line, check in reported(path)
            if check == "unpinned-model-download"
        }
        for number, line in enumerate(lines, start=1):
            if "bandit-wrong" in line:
                wrong.add((path.name, number))
            if "bandit-misses" in line:
                misses.add((path.name, number))
    assert wrong <= bandit, "a `bandit-wrong` line Bandit no longer reports"
    assert (bandit - wrong) <= ours, (
        f"Bandit reports what chainward misses: {bandit - wrong - ours}"
    )
    assert not (misses & bandit), "a `bandit-misses` line that Bandit does report"
    assert misses <= ours
    only_ours = ours - bandit
    # APIs Bandit does not know: sentence-transformers, diffusers, peft, timm, open_clip,
    # torch.hub, pipeline, HfApi methods; plus branch revisions held in variables.
    assert len(only_ours) >= 25, sorted(only_ours)
