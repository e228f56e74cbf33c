"""Reading attestation documents: bundle files (one JSON value or JSON Lines), which kind
each document is (Sigstore bundle, DSSE envelope, PEP 740 attestation), and the Sigstore
bundle's protobuf-JSON model.

Malformed input that cannot be used at all (truncated JSON, unknown media types) raises
:class:`~chainward.core.errors.InputError` (exit 2); it is never a verdict.
sigstore-models and pypi-attestations are imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import Any

from chainward.core.attestation import error_reason
from chainward.core.bounded import read_bounded
from chainward.core.errors import InputError
from chainward.core.jsonsafe import loads_json

BUNDLE_MEDIA_TYPES = (
    "application/vnd.dev.sigstore.bundle+json;version=0.1",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
    "application/vnd.dev.sigstore.bundle.v0.3+json",
)
MAX_BUNDLE_BYTES = 32 * 1024 * 1024


class DocumentKind(Enum):
    """What one JSON document of a bundle file is."""

    SIGSTORE_BUNDLE = "sigstore-bundle"
    DSSE_ENVELOPE = "dsse-envelope"
    PEP740_ATTESTATION = "pep740-attestation"


class NoLogEntry(Exception):
    """A well-formed bundle without a transparency log entry."""


def read_documents(path: Path) -> list[tuple[str, bytes]]:
    """The JSON documents of a bundle file: one JSON value, or JSON Lines (one per line).

    Returns ``(where, raw bytes)`` pairs; truncated or invalid JSON raises InputError.
    """
    data = read_bounded(
        path, MAX_BUNDLE_BYTES, what="bundle", too_large=f"bundle is over {MAX_BUNDLE_BYTES} bytes"
    )
    return split_documents(data, str(path))


def split_documents(data: bytes, where: str) -> list[tuple[str, bytes]]:
    """Split bytes into JSON documents (a whole-file value, or JSON Lines)."""
    try:
        loads_json(data)
    except (ValueError, UnicodeDecodeError) as whole_error:
        lines = [line for line in data.splitlines() if line.strip()]
        if len(lines) < 2:
            raise InputError(
                f"not valid JSON ({whole_error}); the file may be truncated", where=where
            ) from None
        docs: list[tuple[str, bytes]] = []
        for number, line in enumerate(data.splitlines(), 1):
            if not line.strip():
                continue
            try:
                loads_json(line)
            except (ValueError, UnicodeDecodeError) as exc:
                raise InputError(
                    f"line {number} is not valid JSON ({exc}); the file may be truncated",
                    where=where,
                ) from None
            docs.append((f"{where}:{number}", line))
        return docs
    else:
        return [(where, data)]


def needs_trusted_root(documents: Sequence[tuple[str, bytes]]) -> bool:
    """Whether any document is Sigstore material (checked against a trusted root)."""
    return any(b"mediaType" in raw or b"verification_material" in raw for _, raw in documents)


def document_object(raw: bytes, where: str) -> dict[str, Any]:
    """One document's JSON object; InputError if it is not JSON or not an object."""
    try:
        doc = loads_json(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(
            f"not valid JSON ({exc}); the file may be truncated", where=where
        ) from None
    if not isinstance(doc, dict):
        raise InputError("an attestation must be a JSON object", where=where)
    return doc


def document_kind(doc: dict[str, Any], where: str) -> DocumentKind:
    """Which kind of attestation a document is; InputError if none."""
    if "mediaType" in doc:
        return DocumentKind.SIGSTORE_BUNDLE
    if "payloadType" in doc and "signatures" in doc:
        return DocumentKind.DSSE_ENVELOPE
    if "envelope" in doc and "verification_material" in doc:
        return DocumentKind.PEP740_ATTESTATION
    raise InputError(
        "not a Sigstore bundle, DSSE envelope or PEP 740 attestation",
        where=where,
        hint="expected a JSON object with mediaType "
        "'application/vnd.dev.sigstore.bundle...' or a DSSE envelope",
    )


def parse_bundle(raw: bytes, where: str) -> Any:
    """The sigstore-models ``Bundle`` of a Sigstore bundle document.

    InputError for unknown media types and malformed bundles; :class:`NoLogEntry` for a
    well-formed bundle that carries no transparency log entry.
    """
    from sigstore_models.bundle.v1 import Bundle as InnerBundle

    try:
        doc = loads_json(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid JSON ({exc})", where=where) from None
    media_type = doc.get("mediaType") if isinstance(doc, dict) else None
    if media_type not in BUNDLE_MEDIA_TYPES:
        raise InputError(
            f"unknown bundle media type {media_type!r}",
            where=where,
            hint="supported: " + ", ".join(BUNDLE_MEDIA_TYPES),
        )
    material = doc.get("verificationMaterial")
    if isinstance(material, dict) and not material.get("tlogEntries"):
        raise NoLogEntry
    try:
        return InnerBundle.from_json(raw)
    except ValueError as exc:
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        detail = "; ".join(lines[1:3]) if len(lines) > 1 else (lines[0] if lines else "")
        raise InputError(f"malformed Sigstore bundle: {detail}", where=where) from None


def pep740_attestation_bundle(raw: bytes, where: str) -> bytes:
    """Convert a PEP 740 attestation into the Sigstore bundle it was made from."""
    from pypi_attestations import Attestation

    try:
        attestation = Attestation.model_validate_json(raw)
        return attestation.to_bundle().to_json().encode("utf-8")
    except Exception as exc:
        raise InputError(
            f"malformed PEP 740 attestation: {error_reason(exc)}", where=where
        ) from None
