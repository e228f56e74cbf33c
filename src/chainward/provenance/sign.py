"""Signing an in-toto statement: keyless Sigstore (bundle v0.3, DSSE) or a local key.

Keyless signing is a thin call into sigstore-python: an ephemeral key, a Fulcio
certificate for the job's OIDC identity, a Rekor entry, and the bundle. It needs the
public Sigstore services (and the trust config from Sigstore's TUF repository), so it
runs only in CI; everything before it (statement, token request) is tested offline.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainward.core.atomic import write_atomic
from chainward.core.errors import Error, InputError
from chainward.provenance.keys import sign_envelope

if TYPE_CHECKING:
    from chainward.provenance.keys import PrivateKey

BUNDLE_SUFFIX = ".sigstore.json"
ENVELOPE_SUFFIX = ".intoto.jsonl"


class SigningError(Error):
    """Signing failed after the inputs were accepted (exit 1: nothing was attested)."""

    exit_code = 1


def statement_bytes(statement: Mapping[str, Any]) -> bytes:
    """The statement serialised once, compactly, with sorted keys (what gets signed)."""
    return json.dumps(statement, separators=(",", ":"), sort_keys=True).encode("utf-8")


def sign_with_key(statement: Mapping[str, Any], key: PrivateKey) -> str:
    """A DSSE envelope (one JSON line) over the statement."""
    return sign_envelope(key, statement_bytes(statement)).to_json() + "\n"


def sign_keyless(
    statement: Mapping[str, Any], identity_token: str, trust_config: Path | None = None
) -> str:
    """A Sigstore bundle (v0.3, DSSE) over the statement, signed with the OIDC identity.

    ``trust_config`` is a ClientTrustConfig file (trusted root + signing config) for a
    private Sigstore instance; by default the public-good instance's current one, from
    Sigstore's TUF repository.
    """
    from sigstore import dsse
    from sigstore.models import ClientTrustConfig
    from sigstore.oidc import IdentityToken
    from sigstore.sign import SigningContext

    try:
        if trust_config is not None:
            config = ClientTrustConfig.from_json(trust_config.read_text("utf-8"))
        else:
            config = ClientTrustConfig.production()
    except (OSError, ValueError) as exc:
        raise InputError(
            f"cannot use the trust config: {str(exc).splitlines()[0]}",
            where=str(trust_config or "Sigstore TUF repository"),
        ) from None
    try:
        context = SigningContext.from_trust_config(config)
        with context.signer(IdentityToken(identity_token), cache=True) as signer:
            bundle = signer.sign_dsse(dsse.Statement(statement_bytes(statement)))
    except Exception as exc:  # network, Fulcio or Rekor failures: nothing was signed
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SigningError(
            f"keyless signing failed: {detail}",
            hint="Sigstore's public services must be reachable from the job",
        ) from None
    return bundle.to_json()


def output_path(subject: Path, suffix: str, out_dir: Path | None = None) -> Path:
    """Where the attestation of ``subject`` goes: next to it, or in ``out_dir``."""
    name = subject.name + suffix
    return (out_dir / name) if out_dir is not None else subject.with_name(name)


def write_output(path: Path, text: str) -> None:
    """Write an attestation atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text)
