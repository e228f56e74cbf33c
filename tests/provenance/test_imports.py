"""The provenance modules import no heavy library until a function needs one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = (
    "sigstore",
    "sigstore_models",
    "cryptography",
    "pypi_attestations",
    "rfc3161_client",
    "in_toto_attestation",
    "pydantic",
)

PROBE = """
import json, sys
import argparse
import chainward.cli.provenance
import chainward.provenance.meta, chainward.provenance.keys, chainward.provenance.oidc
import chainward.provenance.sign, chainward.provenance.statement, chainward.provenance.verify
import chainward.provenance.pep740, chainward.provenance.documents, chainward.provenance.key_bundle
import chainward.core.attestation, chainward.core.statement_checks, chainward.core.pep740
import chainward.cli.release, chainward.provenance.bom, chainward.provenance.bom_inputs
from chainward.cli.commands import Commands
from chainward.cli.common import common_parser
parser = argparse.ArgumentParser()
chainward.cli.provenance.register(Commands(parser.add_subparsers(), common_parser()))
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def test_importing_provenance_loads_no_heavy_library() -> None:
    proc = subprocess.run((sys.executable, "-c", PROBE), capture_output=True, text=True, check=True)
    loaded = set(json.loads(proc.stdout))
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_missing_sigstore_extra_is_a_clear_usage_error(tmp_path: Path) -> None:
    artifact = tmp_path / "a.txt"
    artifact.write_text("x")
    probe = (
        "import sys; sys.modules['sigstore'] = None\n"
        "from chainward.cli import main\n"
        f"raise SystemExit(main(['verify-attestation', {str(artifact)!r}, '--bundle', 'b.json']))"
    )
    proc = subprocess.run(
        (sys.executable, "-c", probe), capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert proc.returncode == 2
    assert "pip install 'chainward[sigstore]'" in proc.stderr
