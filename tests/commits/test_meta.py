"""The commits family: every check has its docs page, and the family stays light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from chainward.catalog import load_registry
from chainward.commits.meta import FAMILY

DOCS = Path(__file__).resolve().parent.parent.parent / "src" / "chainward" / "docs" / "checks"


def test_every_check_has_a_docs_page_with_the_sections() -> None:
    for check in FAMILY.checks:
        page = (DOCS / f"{check.id}.md").read_text()
        assert page.startswith(f"# {check.id}\n")
        for section in (
            "**What it detects.**",
            "**Why",
            "**Example.**",
            "**Fix.**",
            "**Network.**",
        ):
            assert section in page, (check.id, section)


def test_registered_and_not_in_check() -> None:
    registry = load_registry()
    assert registry.families["commits"].in_check is False
    ids = {c.id for c in FAMILY.checks}
    assert {"unsigned-commit", "bad-commit-signature", "commit-tlog-unverified"} <= ids
    assert all(c.hook in ("verify-signed-commits", None) for c in FAMILY.checks)


def test_commits_cli_imports_no_heavy_library_for_unsigned_commits(tmp_path: Path) -> None:
    subprocess.run(("git", "init", "-q", str(tmp_path)), check=True)
    subprocess.run(
        (
            "git",
            "-c",
            "user.name=a",
            "-c",
            "user.email=a@b",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "x",
        ),
        cwd=tmp_path,
        check=True,
    )
    code = (
        "import sys\nfrom chainward.cli import main\n"
        "HEAVY = ('cryptography', 'pysequoia', 'sigstore', 'asn1crypto')\n"
        "rc = main(['commits', '-q'])\n"
        "print(rc, [m for m in HEAVY if m in sys.modules])\n"
    )
    proc = subprocess.run(
        (sys.executable, "-c", code), cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip().splitlines()[-1] == "1 []", proc.stdout + proc.stderr
