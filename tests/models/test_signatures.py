"""OpenSSF model signatures on the real model-signing vectors: key, certificate chain and
Sigstore identity (offline, shipped trusted root); tampered, extra files, wrong keys."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chainward.models.signatures import (
    SignatureError,
    read_serialization,
    sign_model_with_key,
    verify_model_signature,
)
from tests.conftest import DATA

VECTORS = DATA / "models" / "model-signing"
KEYS = VECTORS / "keys"
LOCAL = DATA / "models" / "model-signing-local-key"
TRUST = DATA / "models" / "trust" / "sigstore-public-good.client_trust_config.json"
IDENTITY = "stefanb@us.ibm.com"
ISSUER = "https://sigstore.verify.ibm.com/oauth2"


def _copy(src: Path, tmp_path: Path) -> Path:
    dest = tmp_path / src.name
    shutil.copytree(src, dest)
    for path in dest.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return dest


CASES = {
    "v1.1.0-elliptic-key": {"method": "key", "key": KEYS / "signing-key-pub.pem"},
    "v1.1.0-certificate": {"method": "certificate", "certificate_chain": [KEYS / "ca-cert.pem"]},
    "v1.1.0-sigstore": {"method": "sigstore", "identity": IDENTITY, "issuer": ISSUER},
    "v1.0.1-sigstore": {
        "method": "sigstore",
        "identity": IDENTITY,
        "issuer": ISSUER,
        "ignore": ["ignore-me"],
    },
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_real_vectors_verify(name: str) -> None:
    model = VECTORS / name
    verify_model_signature(model, model / "model.sig", **CASES[name])  # type: ignore[arg-type]


def test_sigstore_with_an_explicit_trust_config() -> None:
    model = VECTORS / "v1.1.0-sigstore"
    verify_model_signature(
        model, model / "model.sig", method="sigstore", identity=IDENTITY, issuer=ISSUER,
        trust_config=TRUST,
    )  # fmt: skip


def test_old_format_single_file() -> None:
    model = VECTORS / "v0.3.1-elliptic-key"
    verify_model_signature(
        model / "signme-1", model / "model.sig", method="key", key=KEYS / "signing-key-pub.pem"
    )


@pytest.mark.parametrize("bundle", ["tinymodel.files.sig", "tinymodel.shards8.sig"])
def test_local_key_file_and_shard_signatures(bundle: str) -> None:
    if bundle.startswith("tinymodel.shards"):
        assert read_serialization(LOCAL / bundle).shard_size == 8
    verify_model_signature(
        LOCAL / "tinymodel", LOCAL / bundle, method="key", key=LOCAL / "key.pub.pem"
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_tampered_file_fails(name: str, tmp_path: Path) -> None:
    model = _copy(VECTORS / name, tmp_path)
    data = bytearray((model / "signme-2").read_bytes())
    data[0] ^= 1
    (model / "signme-2").write_bytes(bytes(data))
    with pytest.raises(SignatureError, match="signme-2"):
        verify_model_signature(model, model / "model.sig", **CASES[name])  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(CASES))
def test_extra_file_fails(name: str, tmp_path: Path) -> None:
    model = _copy(VECTORS / name, tmp_path)
    (model / "signme-3").write_text("smuggled\n")
    with pytest.raises(SignatureError, match="signme-3"):
        verify_model_signature(model, model / "model.sig", **CASES[name])  # type: ignore[arg-type]


def test_missing_file_fails(tmp_path: Path) -> None:
    model = _copy(LOCAL / "tinymodel", tmp_path)
    (model / "sub" / "tokenizer.txt").unlink()
    with pytest.raises(SignatureError, match="tokenizer"):
        verify_model_signature(
            model, LOCAL / "tinymodel.shards8.sig", method="key", key=LOCAL / "key.pub.pem"
        )


def test_wrong_key_fails() -> None:
    with pytest.raises(SignatureError, match=r"(?i)key"):
        verify_model_signature(
            LOCAL / "tinymodel",
            LOCAL / "tinymodel.files.sig",
            method="key",
            key=KEYS / "signing-key-pub.pem",
        )


def test_wrong_certificate_chain_fails() -> None:
    model = VECTORS / "v1.1.0-certificate"
    with pytest.raises(SignatureError):
        verify_model_signature(
            model,
            model / "model.sig",
            method="certificate",
            certificate_chain=[KEYS / "signing-key-cert.pem"],
        )


@pytest.mark.parametrize(
    ("identity", "issuer"),
    [("mallory@example.com", ISSUER), (IDENTITY, "https://accounts.google.com")],
)
def test_wrong_sigstore_identity_or_issuer_fails(identity: str, issuer: str) -> None:
    model = VECTORS / "v1.1.0-sigstore"
    with pytest.raises(SignatureError):
        verify_model_signature(
            model, model / "model.sig", method="sigstore", identity=identity, issuer=issuer
        )


def test_not_a_bundle(tmp_path: Path) -> None:
    (tmp_path / "model.sig").write_text("{}")
    with pytest.raises(SignatureError, match="not a model-signing bundle"):
        verify_model_signature(tmp_path, tmp_path / "model.sig", method="key", key=tmp_path)


def _keypair(tmp_path: Path) -> tuple[Path, Path]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    private = tmp_path / "model.key"
    public = tmp_path / "model.pub"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public


def test_sign_with_a_local_key_then_verify(tmp_path: Path) -> None:
    private, public = _keypair(tmp_path)
    model = _copy(LOCAL / "tinymodel", tmp_path)
    bundle = model / "model.sig"  # inside the model: ignored automatically
    sign_model_with_key(model, bundle, private)
    verify_model_signature(model, bundle, method="key", key=public)
    (model / "config.json").write_text('{"changed": 1}')
    with pytest.raises(SignatureError):
        verify_model_signature(model, bundle, method="key", key=public)
