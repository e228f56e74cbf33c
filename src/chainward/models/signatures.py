"""OpenSSF model signatures (model-signing): verify against a key, a certificate chain
or a Sigstore identity, offline, with the trusted root shipped in chainward; sign with
a local key. ``model_signing`` is imported inside the functions (it is heavy).

Two known problems of model-signing 1.1.1 are handled here: it needs ``pyopenssl``
(reported as a missing extra), and shard signatures record ``shard_size`` as a float,
which breaks its own guess of the hashing configuration; so the configuration is
always built explicitly from the bundle's recorded serialization.
"""

from __future__ import annotations

import base64
import binascii
import json
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chainward.core.errors import Error, UsageError
from chainward.core.jsonsafe import loads_json

MAX_BUNDLE_BYTES = 16 << 20
SIGSTORE_ENV_HINT = "install the signing extra: pip install 'chainward[sigstore]'"


class SignatureError(Error):
    """A model signature does not verify (the message says why)."""

    exit_code = 1


class MissingExtraError(UsageError):
    """model-signing (or one of its dependencies) is not installed."""


@dataclass(frozen=True, slots=True)
class Serialization:
    """How the signed manifest was hashed, as recorded in the bundle's payload."""

    method: str
    hash_type: str
    shard_size: int | None
    allow_symlinks: bool
    ignore_paths: tuple[str, ...]


def read_serialization(bundle: Path) -> Serialization:
    """The (unverified) serialization parameters recorded in a model-signing bundle.

    They only choose how to hash the model; the verification then checks the signature
    over the manifest, so a forged value simply makes verification fail.
    """
    try:
        with bundle.open("rb") as handle:
            data = handle.read(MAX_BUNDLE_BYTES + 1)
    except OSError as exc:
        raise SignatureError(
            f"cannot read signature bundle: {exc.strerror}", where=str(bundle)
        ) from None
    if len(data) > MAX_BUNDLE_BYTES:
        raise SignatureError("signature bundle is larger than 16 MiB", where=str(bundle))
    try:
        document = loads_json(data)
        payload = loads_json(base64.b64decode(document["dsseEnvelope"]["payload"]))
        serialization = payload["predicate"]["serialization"]
        method = str(serialization["method"])
        shard = serialization.get("shard_size")
        return Serialization(
            method=method,
            hash_type=str(serialization.get("hash_type", "sha256")),
            shard_size=int(shard) if shard is not None else None,
            allow_symlinks=bool(serialization.get("allow_symlinks", False)),
            ignore_paths=tuple(str(p) for p in serialization.get("ignore_paths", ())),
        )
    except (ValueError, KeyError, TypeError, OverflowError, binascii.Error) as exc:
        raise SignatureError(
            f"not a model-signing bundle (no DSSE payload with a serialization): {exc}",
            where=str(bundle),
        ) from None


def _import_model_signing() -> Any:
    try:
        import model_signing
        import OpenSSL  # noqa: F401 - model-signing 1.1.1 imports it for certificate chains
        from model_signing import hashing, signing, verifying  # noqa: F401
    except ImportError as exc:
        raise MissingExtraError(
            f"model signatures need model-signing and pyopenssl ({exc.name} is missing)",
            hint=SIGSTORE_ENV_HINT,
        ) from None
    return model_signing


@contextmanager
def shipped_trust_config() -> Iterator[Path]:
    """A ClientTrustConfig file made of chainward's pinned trusted root.

    model-signing reads only the trusted root from it when verifying; the signing
    config the format requires is left empty, so nothing in it can point anywhere.
    """
    from chainward.core.trust import trusted_root_bytes

    config = {
        "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
        "trustedRoot": json.loads(trusted_root_bytes()),
        "signingConfig": {
            "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
            "caUrls": [],
            "oidcUrls": [],
            "rekorTlogUrls": [],
            "tsaUrls": [],
            "rekorTlogConfig": {"selector": "ANY"},
            "tsaConfig": {"selector": "ANY"},
        },
    }
    with tempfile.TemporaryDirectory(prefix="chainward-trust-") as tmp:
        path = Path(tmp) / "client_trust_config.json"
        path.write_text(json.dumps(config), "utf-8")
        yield path


def _hashing_config(model_signing: Any, serialization: Serialization, ignore: Sequence[str]) -> Any:
    hashing = model_signing.hashing
    config = hashing.Config()
    if serialization.method == "shards":
        config.use_shard_serialization(
            hashing_algorithm=serialization.hash_type,
            shard_size=serialization.shard_size or 1_000_000_000,
            allow_symlinks=serialization.allow_symlinks,
        )
    elif serialization.method == "files":
        config.use_file_serialization(
            hashing_algorithm=serialization.hash_type,
            allow_symlinks=serialization.allow_symlinks,
        )
    else:
        raise SignatureError(f"unknown serialization method {serialization.method!r}")
    paths = sorted({*serialization.ignore_paths, *ignore})
    config.set_ignored_paths(paths=paths, ignore_git_paths=True)
    return config


def _relative_inside(path: Path, directory: Path) -> str | None:
    try:
        return path.resolve().relative_to(directory.resolve()).as_posix()
    except ValueError:
        return None


def verify_model_signature(
    model_path: Path,
    bundle: Path,
    *,
    method: str,
    key: Path | None = None,
    certificate_chain: Sequence[Path] = (),
    identity: str | None = None,
    issuer: str | None = None,
    ignore: Sequence[str] = (),
    trust_config: Path | None = None,
) -> None:
    """Verify ``model_path`` (file or directory) against a model-signing ``bundle``.

    Raises SignatureError when the signature, the signer or any file does not match
    (tampered, missing or extra files), MissingExtraError without model-signing.
    Sigstore bundles verify offline against the shipped trusted root unless
    ``trust_config`` names a ClientTrustConfig file.
    """
    model_signing = _import_model_signing()
    serialization = read_serialization(bundle)
    extra_ignore = list(ignore)
    if model_path.is_dir() and (inside := _relative_inside(bundle, model_path)):
        extra_ignore.append(inside)
    config = model_signing.verifying.Config()
    try:
        if method == "key":
            if key is None:
                raise UsageError("signature method 'key' needs a public key")
            config.use_elliptic_key_verifier(public_key=key)
        elif method == "certificate":
            config.use_certificate_verifier(certificate_chain=list(certificate_chain))
        elif method == "sigstore":
            if not identity or not issuer:
                raise UsageError("signature method 'sigstore' needs an identity and an issuer")
            with shipped_trust_config() if trust_config is None else _given(trust_config) as trust:
                config.use_sigstore_verifier(
                    identity=identity, oidc_issuer=issuer, trust_config=trust
                )
        else:
            raise UsageError(f"unknown signature method {method!r}")
        config.set_hashing_config(_hashing_config(model_signing, serialization, extra_ignore))
        config.verify(model_path, bundle)
    except (UsageError, SignatureError):
        raise
    except Exception as exc:  # model-signing raises ValueError and sigstore's own errors
        message = str(exc).strip() or type(exc).__name__
        raise SignatureError(f"signature does not verify: {message}", where=str(bundle)) from None


@contextmanager
def _given(path: Path) -> Iterator[Path]:
    yield path


def sign_model_with_key(
    model_path: Path,
    bundle: Path,
    private_key: Path,
    *,
    ignore: Sequence[str] = (),
    password: str | None = None,
) -> None:
    """Sign ``model_path`` with a local elliptic-curve private key into ``bundle``."""
    model_signing = _import_model_signing()
    ignore_paths = list(ignore)
    if model_path.is_dir() and (inside := _relative_inside(bundle, model_path)):
        ignore_paths.append(inside)
    hashing = model_signing.hashing.Config().set_ignored_paths(
        paths=sorted(set(ignore_paths)), ignore_git_paths=True
    )
    try:
        config = model_signing.signing.Config().use_elliptic_key_signer(
            private_key=private_key, password=password
        )
        config.set_hashing_config(hashing)
        config.sign(model_path, bundle)
    except (OSError, ValueError, TypeError) as exc:
        raise UsageError(f"cannot sign the model: {exc}", where=str(private_key)) from None
