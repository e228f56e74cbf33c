"""The attest action's main step (see action/attest/action.yml).

Inputs arrive only as ``INPUT_*`` environment variables (set through ``env:``), never
spliced into a shell: ``INPUT_SUBJECT_PATH`` holds newline-separated paths or globs,
each passed to ``chainward attest`` as one argument. The action signs keylessly with the
job's OIDC token, or with the PEM private key in ``INPUT_KEY`` (its contents, e.g. from
a secret, written to a private temporary file), writes one attestation next to each
subject (or into ``INPUT_OUTPUT_DIR``) and sets the ``bundle-paths`` output (one path
per line) and ``bundle-path`` (the first). It uploads nothing.

With ``INPUT_BOM=true`` it also attests the CycloneDX AI BOM (``chainward attest
--bom``: ``<file>.cdx.intoto.jsonl`` or ``<file>.cdx.sigstore.json``, output
``bom-paths``). With ``INPUT_VERIFY_RELEASE=true`` it then runs ``chainward
verify-release`` on every subject against ``[tool.chainward.release]`` and writes a
signed SLSA VSA beside each (``<file>.vsa.*``, outputs ``vsa-paths`` and
``vsa-result``, PASSED or FAILED); key-signed releases are verified with
``INPUT_VERIFY_KEY`` (a public key path), the policy's ``key``, or else the public half
of ``INPUT_KEY``.

Exit status: chainward's (0 attested, 2 bad input, 1 signing failed or the release
policy is not met; the outputs are written first).
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
    if _env("INPUT_BOM").lower() == "true":
        options += ["--bom"]
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
        every = [str((workdir / p).resolve()) for p in report["attestations"]]
        paths = [p for p in every if ".cdx." not in Path(p).name]
        boms = [p for p in every if ".cdx." in Path(p).name]
        _write_output("bundle-paths", "\n".join(paths))
        _write_output("bundle-path", paths[0] if paths else "")
        _write_output("bom-paths", "\n".join(boms))
        for path in every:
            print(path)
        if _env("INPUT_VERIFY_RELEASE").lower() != "true":
            return 0
        return _verify_release(workdir, paths, Path(tmp), key_text)


def _artifact_of(bundle: str) -> str:
    name = bundle
    for suffix in (".intoto.jsonl", ".sigstore.json"):
        name = name.removesuffix(suffix)
    return name


def _verify_release(workdir: Path, bundles: list[str], tmp: Path, key_text: str) -> int:
    """Run ``chainward verify-release`` over the attested files; publish the VSAs."""
    if _env("INPUT_OUTPUT_DIR"):
        sys.stderr.write(
            "::error::verify-release reads the attestations beside each file: "
            "leave output-dir empty\n"
        )
        return 2
    options: list[str] = []
    if key_text.strip():
        options += ["--sign-key", str(tmp / "key.pem")]
        verify_key = _env("INPUT_VERIFY_KEY")
        if not verify_key:
            from chainward.provenance.keys import load_private_key, public_key_pem

            public = tmp / "key.pub.pem"
            public.write_bytes(public_key_pem(load_private_key(tmp / "key.pem").public_key()))
            verify_key = str(public)
        options += ["--key", verify_key]
    else:
        options += ["--sigstore"]
        if _env("INPUT_TRUST_CONFIG"):
            # A private instance: its trusted root (inside the trust config) verifies too.
            config = json.loads(Path(_env("INPUT_TRUST_CONFIG")).read_text(encoding="utf-8"))
            root = tmp / "trusted_root.json"
            root.write_text(json.dumps(config["trustedRoot"]), encoding="utf-8")
            options += ["--trust-config", _env("INPUT_TRUST_CONFIG"), "--trusted-root", str(root)]
    artifacts = [_artifact_of(b) for b in bundles]
    command = [sys.executable, "-m", "chainward", "verify-release", *options, "--", *artifacts]
    proc = subprocess.run(command, cwd=workdir, check=False)
    vsas = sorted(
        str(path)
        for artifact in artifacts
        for path in Path(artifact).parent.glob(Path(artifact).name + ".vsa.*")
    )
    result = {0: "PASSED", 1: "FAILED"}.get(proc.returncode, "ERROR")
    _write_output("vsa-paths", "\n".join(vsas))
    _write_output("vsa-result", result)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with Path(summary).open("a", encoding="utf-8") as handle:
            handle.write(f"### chainward verify-release: {result}\n\n")
            handle.writelines(f"- `{Path(v).name}`\n" for v in vsas)
    return proc.returncode


if __name__ == "__main__":
    raise SystemExit(main())
