"""The attest action's main step (see action/attest/action.yml).

Inputs arrive only as ``INPUT_*`` environment variables (set through ``env:``), never
spliced into a shell: ``INPUT_SUBJECT_PATH`` holds newline-separated paths or globs,
each passed to ``chainward attest`` as one argument. The action signs keylessly with the
job's OIDC token, or with the PEM private key in ``INPUT_KEY`` (its contents, e.g. from
a secret, written to a private temporary file), writes one attestation next to each
subject (or into ``INPUT_OUTPUT_DIR``) and sets the ``bundle-paths`` output (one path
per line) and ``bundle-path`` (the first). It uploads nothing.

Exit status: chainward's (0 attested, 2 bad input, 1 signing failed).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()


def _write_output(name: str, value: str) -> None:
    target = os.environ.get("GITHUB_OUTPUT")
    if not target:
        return
    delimiter = f"chainward_{secrets.token_hex(16)}"
    with Path(target).open("a", encoding="utf-8") as handle:
        handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def main() -> int:
    """Run ``chainward attest`` and publish the bundle paths as step outputs."""
    subjects = [line.strip() for line in _env("INPUT_SUBJECT_PATH").splitlines() if line.strip()]
    if not subjects:
        sys.stderr.write("::error::subject-path is empty: name the files to attest\n")
        return 2
    workdir = Path(_env("INPUT_WORKING_DIRECTORY") or ".")
    options: list[str] = ["--format", "json"]
    if _env("INPUT_OUTPUT_DIR"):
        options += ["--out-dir", _env("INPUT_OUTPUT_DIR")]
    if _env("INPUT_STATEMENT_FILE"):
        options += ["--statement", _env("INPUT_STATEMENT_FILE")]
    key_text = os.environ.get("INPUT_KEY", "")
    with tempfile.TemporaryDirectory(prefix="chainward-attest-") as tmp:
        if key_text.strip():
            key_file = Path(tmp) / "key.pem"
            key_file.touch(mode=0o600)
            key_file.write_text(key_text, encoding="utf-8")
            options += ["--key", str(key_file)]
        else:
            options += ["--sigstore"]
            if _env("INPUT_TRUST_CONFIG"):
                options += ["--trust-config", _env("INPUT_TRUST_CONFIG")]
        command = [sys.executable, "-m", "chainward", "attest", *options, "--", *subjects]
        proc = subprocess.run(command, cwd=workdir, stdout=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        return proc.returncode
    report = json.loads(proc.stdout)
    paths = [str((workdir / p).resolve()) for p in report["attestations"]]
    _write_output("bundle-paths", "\n".join(paths))
    _write_output("bundle-path", paths[0] if paths else "")
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
