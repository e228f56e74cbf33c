"""Local-key attestations: round trip, tampering, wrong keys; bad input exits 2."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import GitRepo

DATA = Path(__file__).resolve().parent.parent / "data" / "provenance"
CASES = DATA / "conformance" / "bundle-verify"


def make_key(folder: Path, name: str, algorithm: str) -> tuple[Path, Path]:
    """A real key pair made with openssl: (private PEM, public PEM)."""
    private = folder / f"{name}.pem"
    public = folder / f"{name}.pub.pem"
    if algorithm == "ec":
        args = ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
    elif algorithm == "rsa":
        args = ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
    elif algorithm == "secp256k1":
        args = ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1"]
    else:
        args = ["-algorithm", algorithm]
    subprocess.run(
        ["openssl", "genpkey", *args, "-out", str(private)], check=True, capture_output=True
    )
    subprocess.run(
        ["openssl", "pkey", "-in", str(private), "-pubout", "-out", str(public)],
        check=True,
        capture_output=True,
    )
    return private, public


@pytest.fixture
def release(git_repo: GitRepo) -> GitRepo:
    git_repo.write("requirements.txt", "torch==2.1.0\n")
    git_repo.write("dist/demo-1.0-py3-none-any.whl", "wheel bytes\n")
    git_repo.write("dist/demo-1.0.tar.gz", "sdist bytes\n")
    git_repo.git("remote", "add", "origin", "git@github.com:acme/demo.git")
    git_repo.commit_all("release")
    return git_repo


@pytest.mark.parametrize("algorithm", ["ec", "ed25519"])
def test_round_trip_and_tampering(
    algorithm: str, release: GitRepo, cli: Any, tmp_path: Path
) -> None:
    private, public = make_key(tmp_path, "signer", algorithm)
    _, other_public = make_key(tmp_path, "other", algorithm)
    attested = cli("attest", "dist/*", "--key", str(private), cwd=release.path)
    assert attested.code == 0, attested.err
    written = attested.out.split()
    assert written == [
        str(release.path / "dist" / "demo-1.0-py3-none-any.whl.intoto.jsonl"),
        str(release.path / "dist" / "demo-1.0.tar.gz.intoto.jsonl"),
    ]
    wheel = release.path / "dist" / "demo-1.0-py3-none-any.whl"
    envelope_path = Path(written[0])

    ok = cli("verify-attestation", str(wheel), "--key", str(public), "--repository", "acme/demo")
    assert ok.code == 0, ok.out + ok.err
    # Both artifacts, with their default sibling bundles.
    both = cli(
        "verify-attestation",
        str(wheel),
        str(release.path / "dist" / "demo-1.0.tar.gz"),
        "--key",
        str(public),
    )
    assert both.code == 0, both.out

    # A different key fails.
    assert cli("verify-attestation", str(wheel), "--key", str(other_public)).code == 1
    # The wrong source repository fails.
    repo = cli("verify-attestation", str(wheel), "--key", str(public), "--repository", "evil/demo")
    assert repo.code == 1
    assert "source repository" in repo.out

    # One changed byte in the artifact fails.
    original = wheel.read_bytes()
    wheel.write_bytes(bytes([original[0] ^ 0x01]) + original[1:])
    changed = cli("verify-attestation", str(wheel), "--key", str(public))
    assert changed.code == 1
    assert "no subject digest matches" in changed.out
    wheel.write_bytes(original)

    # One changed byte in the signed payload fails.
    envelope = json.loads(envelope_path.read_text())
    payload = bytearray(base64.b64decode(envelope["payload"]))
    index = payload.index(b"refs/heads/main")
    payload[index] = ord("R")
    envelope["payload"] = base64.b64encode(bytes(payload)).decode()
    envelope_path.write_text(json.dumps(envelope))
    tampered = cli("verify-attestation", str(wheel), "--key", str(public))
    assert tampered.code == 1
    assert "signature does not verify" in tampered.out


def test_statement_records_pinned_ai_dependency(release: GitRepo, cli: Any, tmp_path: Path) -> None:
    private, _ = make_key(tmp_path, "signer", "ed25519")
    statement_file = tmp_path / "statement.json"
    result = cli(
        "attest",
        "dist/demo-1.0.tar.gz",
        "--key",
        str(private),
        "--statement",
        str(statement_file),
        cwd=release.path,
    )
    assert result.code == 0
    statement = json.loads(statement_file.read_text())
    uris = [d["uri"] for d in statement["predicate"]["buildDefinition"]["resolvedDependencies"]]
    assert "pkg:pypi/torch@2.1.0" in uris
    assert uris[0] == "git+https://github.com/acme/demo@refs/heads/main"
    # What was signed is exactly the statement written.
    envelope = json.loads((release.path / "dist" / "demo-1.0.tar.gz.intoto.jsonl").read_text())
    assert json.loads(base64.b64decode(envelope["payload"])) == statement


# --- bad input: exit 2 with a clear message --------------------------------------------


def _artifact(tmp_path: Path) -> Path:
    artifact = tmp_path / "a.txt"
    artifact.write_bytes((CASES / "a.txt").read_bytes())
    return artifact


IDENTITY = ["--cert-identity", "x@example.com", "--cert-oidc-issuer", "https://issuer.example"]


def test_truncated_json_exits_2(cli: Any, tmp_path: Path) -> None:
    bundle = tmp_path / "b.json"
    text = (CASES / "happy-path-v0.3" / "bundle.sigstore.json").read_text()
    bundle.write_text(text[: len(text) // 2])
    result = cli("verify-attestation", str(_artifact(tmp_path)), "--bundle", str(bundle), *IDENTITY)
    assert result.code == 2
    assert "not valid JSON" in result.err
    assert "truncated" in result.err


def test_unknown_media_type_exits_2(cli: Any, tmp_path: Path) -> None:
    bundle = tmp_path / "b.json"
    doc = json.loads((CASES / "happy-path-v0.3" / "bundle.sigstore.json").read_text())
    doc["mediaType"] = "application/vnd.dev.sigstore.bundle.v9+json"
    bundle.write_text(json.dumps(doc))
    result = cli("verify-attestation", str(_artifact(tmp_path)), "--bundle", str(bundle), *IDENTITY)
    assert result.code == 2
    assert "unknown bundle media type" in result.err


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("bundle-invalid-base64-signature_fail", "malformed Sigstore bundle"),
        ("bundle-negative-log-index_fail", "malformed Sigstore bundle"),
        ("bundle-malformed-json_fail", "not valid JSON"),
    ],
)
def test_malformed_bundles_exit_2(case: str, message: str, cli: Any, tmp_path: Path) -> None:
    result = cli(
        "verify-attestation",
        str(_artifact(tmp_path)),
        "--bundle",
        str(CASES / case / "bundle.sigstore.json"),
        *IDENTITY,
    )
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err


def test_not_an_attestation_exits_2(cli: Any, tmp_path: Path) -> None:
    bundle = tmp_path / "b.json"
    bundle.write_text('{"hello": "world"}')
    result = cli("verify-attestation", str(_artifact(tmp_path)), "--bundle", str(bundle), *IDENTITY)
    assert result.code == 2
    assert "not a Sigstore bundle" in result.err


def test_malformed_envelope_exits_2(cli: Any, tmp_path: Path) -> None:
    _, public = make_key(tmp_path, "k", "ed25519")
    bundle = tmp_path / "a.txt.intoto.jsonl"
    bundle.write_text(
        '{"payloadType": "application/vnd.in-toto+json", "payload": "%%%", '
        '"signatures": [{"sig": "AAAA"}]}\n'
    )
    result = cli("verify-attestation", str(_artifact(tmp_path)), "--key", str(public))
    assert result.code == 2
    assert "not valid base64" in result.err


@pytest.mark.parametrize("algorithm", ["rsa", "secp256k1"])
def test_unsupported_key_types_exit_2(
    algorithm: str, release: GitRepo, cli: Any, tmp_path: Path
) -> None:
    private, public = make_key(tmp_path, "k", algorithm)
    attested = cli("attest", "dist/*", "--key", str(private), cwd=release.path)
    assert attested.code == 2
    assert "unsupported" in attested.err
    verified = cli(
        "verify-attestation",
        str(release.path / "dist" / "demo-1.0.tar.gz"),
        "--bundle",
        str(DATA / "generated/slsa-local-key/provenance.dsse.json"),
        "--key",
        str(public),
    )
    assert verified.code == 2
    assert "unsupported" in verified.err


def test_swapped_keys_exit_2(release: GitRepo, cli: Any, tmp_path: Path) -> None:
    private, public = make_key(tmp_path, "k", "ec")
    attested = cli("attest", "dist/*", "--key", str(public), cwd=release.path)
    assert attested.code == 2
    assert "not a PEM private key" in attested.err
    verified = cli(
        "verify-attestation",
        str(release.path / "dist" / "demo-1.0.tar.gz"),
        "--bundle",
        str(DATA / "generated/slsa-local-key/provenance.dsse.json"),
        "--key",
        str(private),
    )
    assert verified.code == 2
    assert "private key" in verified.err


def test_key_for_a_certificate_bundle_exits_2(cli: Any, tmp_path: Path) -> None:
    _, public = make_key(tmp_path, "k", "ec")
    result = cli(
        "verify-attestation",
        str(_artifact(tmp_path)),
        "--bundle",
        str(CASES / "happy-path-v0.3" / "bundle.sigstore.json"),
        "--key",
        str(public),
    )
    assert result.code == 2
    assert "signed with a Sigstore certificate" in result.err


def test_bundle_without_policy_exits_2(cli: Any, tmp_path: Path) -> None:
    result = cli(
        "verify-attestation",
        str(_artifact(tmp_path)),
        "--bundle",
        str(CASES / "happy-path-v0.3" / "bundle.sigstore.json"),
    )
    assert result.code == 2
    assert "identity policy" in result.err


def test_attest_without_a_signing_method_exits_2(release: GitRepo, cli: Any) -> None:
    result = cli("attest", "dist/*", cwd=release.path)
    assert result.code == 2
    assert "no way to sign" in result.err


def test_out_dir_and_json_output(release: GitRepo, cli: Any, tmp_path: Path) -> None:
    private, public = make_key(tmp_path, "k", "ed25519")
    out = tmp_path / "attestations"
    result = cli(
        "attest",
        "dist/demo-1.0.tar.gz",
        "--key",
        str(private),
        "--out-dir",
        str(out),
        "--format",
        "json",
        cwd=release.path,
    )
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["attestations"] == [str(out / "demo-1.0.tar.gz.intoto.jsonl")]
    assert report["statement"]["subject"][0]["name"] == "demo-1.0.tar.gz"
    verified = cli(
        "verify-attestation",
        str(release.path / "dist" / "demo-1.0.tar.gz"),
        "--bundle",
        report["attestations"][0],
        "--key",
        str(public),
    )
    assert verified.code == 0


def test_keyless_with_offline_exits_2(release: GitRepo, cli: Any) -> None:
    result = cli("attest", "dist/*", "--sigstore", "--offline", cwd=release.path)
    assert result.code == 2
    assert "--offline" in result.err


def test_sarif_output_for_an_unverified_attestation(cli: Any, tmp_path: Path) -> None:
    [case] = json.loads((DATA / "MANIFEST.json").read_text())["dsse_local_key"]
    other = tmp_path / "demo_pkg-1.0.0-py3-none-any.whl"
    other.write_bytes(b"not the attested wheel")
    result = cli(
        "verify-attestation",
        str(other),
        "--bundle",
        str(DATA / case["envelope"]),
        "--key",
        str(DATA / case["public_key_pem"]),
        "--format",
        "sarif",
    )
    assert result.code == 1
    sarif = json.loads(result.out)
    [finding] = sarif["runs"][0]["results"]
    assert finding["ruleId"] == "unverified-attestation"
    assert finding["level"] == "error"


def test_attest_output_file_and_formats(release: GitRepo, cli: Any, tmp_path: Path) -> None:
    private, _ = make_key(tmp_path, "k", "ed25519")
    report = tmp_path / "report.json"
    result = cli(
        "attest",
        "dist/demo-1.0.tar.gz",
        "--key",
        str(private),
        "--format",
        "json",
        "--output",
        str(report),
        "--format",
        "text",
        cwd=release.path,
    )
    assert result.code == 0, result.err
    assert result.out.strip().endswith("demo-1.0.tar.gz.intoto.jsonl")
    assert json.loads(report.read_text())["attestations"] == [result.out.strip()]
    sarif = cli(
        "attest",
        "dist/demo-1.0.tar.gz",
        "--key",
        str(private),
        "--format",
        "sarif",
        cwd=release.path,
    )
    assert sarif.code == 2
    assert "text or json" in sarif.err
    # Refused before anything was signed or written.
    (release.path / "dist" / "demo-1.0.tar.gz.intoto.jsonl").unlink()
    again = cli(
        "attest",
        "dist/demo-1.0.tar.gz",
        "--key",
        str(private),
        "--format",
        "github",
        cwd=release.path,
    )
    assert again.code == 2
    assert not (release.path / "dist" / "demo-1.0.tar.gz.intoto.jsonl").exists()
