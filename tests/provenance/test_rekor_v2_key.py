"""Rekor v2 (``hashedrekord`` 0.0.2, also over DSSE) on the ``--key`` verification path.

No real managed-key bundle with a Rekor v2 entry is published in the vectors available
here (sigstore-conformance's managed-key cases are all Rekor v1). The real Rekor v2
bundles of sigstore-conformance (``rekor2-happy-path``: a message signature;
``rekor2-dsse-happy-path``: a DSSE envelope logged as hashedrekord-over-DSSE; both
signed against staging Sigstore, with their own staging trusted root) are used as they
are, with one change: the signing certificate in the verification material is replaced
by a public-key hint, and the certificate's public key is passed with ``--key``. The log
entry, its inclusion proof and checkpoint, the RFC 3161 timestamp and the signature are
the real ones, and all of them are verified.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

CASES = Path(__file__).resolve().parent.parent / "data" / "provenance" / "conformance"
CASES = CASES / "bundle-verify"
ARTIFACT = CASES / "a.txt"


def _as_key_bundle(case: str, folder: Path) -> tuple[Path, Path, Path, dict[str, Any]]:
    """(bundle with a key hint, public key PEM, trusted root, bundle JSON)."""
    bundle = json.loads((CASES / case / "bundle.sigstore.json").read_text())
    material = bundle["verificationMaterial"]
    cert = x509.load_der_x509_certificate(base64.b64decode(material["certificate"]["rawBytes"]))
    del material["certificate"]
    material["publicKey"] = {"hint": "rekor2-conformance-signer"}
    pem = cert.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    key = folder / "signer.pub.pem"
    key.write_bytes(pem)
    path = folder / "bundle.sigstore.json"
    path.write_text(json.dumps(bundle))
    return path, key, CASES / case / "trusted_root.json", bundle


def _verify(cli: Any, bundle: Path, key: Path, root: Path, artifact: Path = ARTIFACT) -> Any:
    return cli(
        "verify-attestation",
        str(artifact),
        "--bundle",
        str(bundle),
        "--key",
        str(key),
        "--trusted-root",
        str(root),
        "--any-predicate-type",
    )


@pytest.mark.parametrize("case", ["rekor2-happy-path", "rekor2-dsse-happy-path"])
def test_rekor_v2_entry_verifies_with_the_key(case: str, cli: Any, tmp_path: Path) -> None:
    bundle, key, root, _ = _as_key_bundle(case, tmp_path)
    result = _verify(cli, bundle, key, root)
    assert result.code == 0, result.out + result.err
    assert "Rekor v2 log entry" in result.err


@pytest.mark.parametrize("case", ["rekor2-happy-path", "rekor2-dsse-happy-path"])
def test_rekor_v2_key_path_failures(case: str, cli: Any, tmp_path: Path) -> None:
    bundle, key, root, doc = _as_key_bundle(case, tmp_path)

    # Another key.
    other = tmp_path / "other.pub.pem"
    other.write_bytes(
        (Path(__file__).resolve().parent.parent / "data" / "provenance" / "generated")
        .joinpath("slsa-local-key", "signer.pub.pem")
        .read_bytes()
    )
    assert _verify(cli, bundle, other, root).code == 1

    # Another artifact.
    changed = tmp_path / "a.txt"
    changed.write_bytes(ARTIFACT.read_bytes() + b"!")
    assert _verify(cli, bundle, key, root, changed).code == 1

    # Without its RFC 3161 timestamp there is no verified time (no SET in Rekor v2).
    stripped = json.loads(json.dumps(doc))
    del stripped["verificationMaterial"]["timestampVerificationData"]
    bundle.write_text(json.dumps(stripped))
    no_time = _verify(cli, bundle, key, root)
    assert no_time.code == 1
    assert "no verified signing time" in no_time.out

    # A log entry body that records another signature.
    edited = json.loads(json.dumps(doc))
    entry = edited["verificationMaterial"]["tlogEntries"][0]
    body = json.loads(base64.b64decode(entry["canonicalizedBody"]))
    signature = body["spec"]["hashedRekordV002"]["signature"]
    raw = bytearray(base64.b64decode(signature["content"]))
    raw[-1] ^= 1
    signature["content"] = base64.b64encode(bytes(raw)).decode()
    entry["canonicalizedBody"] = base64.b64encode(json.dumps(body).encode()).decode()
    bundle.write_text(json.dumps(edited))
    assert _verify(cli, bundle, key, root).code == 1

    # The pinned public-good root does not list the staging Rekor v2 log.
    bundle.write_text(json.dumps(doc))
    public_good = cli(
        "verify-attestation",
        str(ARTIFACT),
        "--bundle",
        str(bundle),
        "--key",
        str(key),
        "--any-predicate-type",
    )
    assert public_good.code == 1
