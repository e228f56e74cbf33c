"""What the attestation commands share: ``attest`` and ``verify-attestation``
(:mod:`chainward.cli.provenance`), ``bom`` and ``verify-release``
(:mod:`chainward.cli.release`): optional libraries, signing keys and tokens, where
attestations sit beside an artifact, the schema-checked BOM, path options.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainward.core.errors import UsageError

if TYPE_CHECKING:
    from chainward.core.policy import Policy
    from chainward.provenance.keys import PrivateKey

BUNDLE_SUFFIXES = (".sigstore.json", ".intoto.jsonl", ".sigstore")
"""Attestation files beside an artifact, ``ARTIFACT<suffix>``, in the order looked for."""


def need(*modules: str) -> None:
    """Fail with install instructions when an optional library is missing."""
    import importlib

    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            raise UsageError(
                f"this command needs the {name!r} library, from chainward's sigstore extra",
                hint="pip install 'chainward[sigstore]'",
            ) from None


def add_path_options(
    parser: argparse.ArgumentParser, options: Sequence[tuple[str, str, str]]
) -> None:
    """Add ``(flag, metavar, help)`` options whose value is a path."""
    for flag, metavar, text in options:
        parser.add_argument(flag, type=Path, metavar=metavar, help=text)


def wants_keyless(sigstore: bool, key: Path | None, no_sign: bool) -> bool:
    """Keyless signing: asked for, or the default inside GitHub Actions."""
    in_actions = os.environ.get("GITHUB_ACTIONS") == "true"
    return sigstore or (not key and not no_sign and in_actions)


def load_signing_key(path: Path) -> PrivateKey:
    """A PEM private key; an encrypted key's passphrase comes from CHAINWARD_KEY_PASSWORD."""
    from chainward.provenance.keys import load_private_key

    password = os.environ.get("CHAINWARD_KEY_PASSWORD")
    return load_private_key(path, password.encode() if password else None)


def attestation_beside(artifact: Path) -> Path | None:
    """The first ``ARTIFACT<suffix>`` of :data:`BUNDLE_SUFFIXES` that exists."""
    return next(
        (
            artifact.with_name(artifact.name + suffix)
            for suffix in BUNDLE_SUFFIXES
            if artifact.with_name(artifact.name + suffix).is_file()
        ),
        None,
    )


def model_lock_path(root: Path, policy: Policy) -> Path:
    """The model lock the provenance table names (``model-lock``), under ``root``."""
    return root / str(policy.domain("provenance").get("model-lock") or "chainward.lock")


def valid_bom(document: dict[str, Any]) -> dict[str, Any]:
    """The document, after checking it against the CycloneDX schema (exit 3 if invalid)."""
    from chainward.provenance.bom import BomError, validate_cyclonedx

    errors = validate_cyclonedx(document)
    if errors:
        raise BomError("the BOM does not validate against the CycloneDX schema: " + errors[0])
    return document
