"""``incomplete-hash-pinning``: a hash-checked requirements install that pip refuses is
flagged (the silent pass of issue 15); a complete one, or a file without hashes, is not.
Whether pip really refuses is shown by running pip itself, offline, on the same files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.dependencies.conftest import findings_of
from tests.dependencies.wheelhouse import make_wheel, sha256_of

DIGEST = "sha256:" + "ab" * 32


def _hash_findings(root: Path) -> list[tuple[str | None, int | None, str]]:
    return [
        (f.path, f.line, f.message)
        for f in findings_of(root)
        if f.check_id == "incomplete-hash-pinning"
    ]


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("fire", "fire has no version (pip needs fire==<version>)"),
        ("fire>=0.5", "fire>=0.5 is not pinned with =="),
        ("fire==0.5.0", "fire has no --hash"),
        ("git+https://github.com/google/python-fire.git", "is a VCS requirement"),
        ("-e .", "is a local folder or editable install"),
    ],
)
def test_each_line_pip_refuses_is_named(tmp_path: Path, line: str, why: str) -> None:
    (tmp_path / "requirements.txt").write_text(f"torch==2.3.1 --hash={DIGEST}\n{line}\n")
    found = _hash_findings(tmp_path)
    assert len(found) == 1
    path, number, message = found[0]
    assert (path, number) == ("requirements.txt", 2)
    assert "requirements.txt:1 has --hash" in message and why in message


def test_require_hashes_option_alone_starts_hash_mode(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("--require-hashes\nnumpy==1.26.4\n")
    assert next(m for _, _, m in _hash_findings(tmp_path)).count("says --require-hashes") == 1


def test_complete_or_unhashed_files_are_not_flagged(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        f"torch==2.3.1 --hash={DIGEST}\n"
        "# git+https://github.com/x/y.git  (a comment is not a requirement)\n"
        f"numpy==1.26.4 \\\n    --hash={DIGEST}\n"
    )
    (tmp_path / "requirements-dev.txt").write_text("pytest\ngit+https://github.com/x/y.git\n")
    assert _hash_findings(tmp_path) == []


def test_one_finding_per_file_however_many_lines(tmp_path: Path) -> None:
    lines = "".join(f"pkg{i}\n" for i in range(7))
    (tmp_path / "requirements.txt").write_text(f"torch==2.3.1 --hash={DIGEST}\n{lines}")
    found = _hash_findings(tmp_path)
    assert len(found) == 1
    assert "line 2: pkg0" in found[0][2] and "and 3 more" in found[0][2]


def _pip_accepts(root: Path, wheels: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        (
            sys.executable,
            "-m",
            "pip",
            "install",
            "--isolated",
            "--dry-run",
            "--no-index",
            "--quiet",
            "--find-links",
            str(wheels),
            "-r",
            str(root / "requirements.txt"),
        ),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_the_verdict_agrees_with_pip(tmp_path: Path) -> None:
    """pip refuses the flagged file and installs the one that passes."""
    wheels = tmp_path / "wheels"
    torch = sha256_of(make_wheel(wheels, "torch", "2.3.1"))
    fire = sha256_of(make_wheel(wheels, "fire", "0.5.0"))
    root = tmp_path / "repo"
    root.mkdir()
    (root / "requirements.txt").write_text(f"torch==2.3.1 --hash={torch}\nfire\n")
    assert _hash_findings(root)
    refused = _pip_accepts(root, wheels)
    assert refused.returncode != 0
    assert "--require-hashes mode" in refused.stderr
    (root / "requirements.txt").write_text(
        f"torch==2.3.1 --hash={torch}\nfire==0.5.0 --hash={fire}\n"
    )
    assert _hash_findings(root) == []
    accepted = _pip_accepts(root, wheels)
    assert accepted.returncode == 0, accepted.stderr
