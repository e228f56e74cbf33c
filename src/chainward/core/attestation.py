"""What an attestation is verified against, and the verdict: shared by every domain that
verifies Sigstore material offline (provenance attestations, PEP 740 attestations of
dependencies), so it lives below them, beside :mod:`chainward.core.trust`.

Standard library and ``core`` only; sigstore is imported inside :func:`load_root`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainward.core.errors import InputError
from chainward.core.intoto import INTOTO_PAYLOAD_TYPE, SLSA_PROVENANCE_V1

# The type names live in core.intoto (light); re-exported here for the verifiers.
__all__ = ["INTOTO_PAYLOAD_TYPE", "SLSA_PROVENANCE_V1"]

if TYPE_CHECKING:
    from sigstore.models import TrustedRoot

DIGESTS = ("sha256", "sha384", "sha512")


@dataclass(frozen=True)
class Policy:
    """What a verified attestation must say.

    ``identity``/``identity_regexp`` + ``issuer`` apply to Sigstore certificates;
    ``repository`` to the certificate's source repository and to the statement;
    ``builder_id`` to the SLSA builder; ``predicate_types`` (None: any) to DSSE
    statements.
    """

    identity: str | None = None
    identity_regexp: str | None = None
    issuer: str | None = None
    repository: str | None = None
    signer_workflow: str | None = None
    builder_id: str | None = None
    predicate_types: tuple[str, ...] | None = (SLSA_PROVENANCE_V1,)

    @property
    def has_identity(self) -> bool:
        """Whether a certificate identity can be checked."""
        return bool((self.identity or self.identity_regexp) and self.issuer)


class Artifact:
    """An artifact's name and its digests (hex), each computed once, when first needed.

    A subject may use sha256, sha384 or sha512; a large model file is hashed only with
    the algorithms the attestation actually uses.
    """

    def __init__(self, name: str, *, path: Path | None = None, data: bytes | None = None):
        self.name = name
        self._path = path
        self._data = data
        self._digests: dict[str, str] = {}

    @classmethod
    def from_path(cls, path: Path) -> Artifact:
        """An artifact on disk (checked to be a readable file now, hashed later)."""
        if not path.is_file():
            raise InputError("no such file", where=str(path))
        return cls(path.name, path=path)

    @classmethod
    def from_bytes(cls, name: str, data: bytes) -> Artifact:
        """In-memory content."""
        return cls(name, data=data)

    @classmethod
    def from_digest(cls, name: str, sha256: str) -> Artifact:
        """A file known only by its name and SHA-256 (an index listing): no other digest."""
        artifact = cls(name)
        artifact._digests["sha256"] = sha256.lower()
        return artifact

    def digest(self, algorithm: str) -> str | None:
        """The hex digest for ``algorithm`` (one of :data:`DIGESTS`), else None."""
        if algorithm not in DIGESTS:
            return None
        if algorithm not in self._digests:
            if self._data is None and self._path is None:
                return None
            import hashlib  # not at import: provenance.meta (every check) reads this module

            hasher = hashlib.new(algorithm)
            if self._data is not None:
                hasher.update(self._data)
            elif self._path is not None:
                try:
                    with self._path.open("rb") as handle:
                        while chunk := handle.read(1 << 20):
                            hasher.update(chunk)
                except OSError as exc:
                    raise InputError(
                        f"cannot read artifact: {exc.strerror or exc}", where=str(self._path)
                    ) from None
            self._digests[algorithm] = hasher.hexdigest()
        return self._digests[algorithm]

    @property
    def sha256(self) -> str:
        """The SHA-256 hex digest."""
        return str(self.digest("sha256"))


@dataclass(frozen=True)
class Result:
    """The outcome of verifying one attestation."""

    verified: bool
    reason: str
    kind: str = ""
    signer: str | None = None
    statement: Mapping[str, Any] | None = None
    details: tuple[str, ...] = field(default_factory=tuple)


def failure(reason: str, kind: str = "") -> Result:
    """A result that did not verify, for ``reason``."""
    return Result(False, reason, kind)


def error_reason(exc: BaseException) -> str:
    """The first line of an exception's message (at most 300 characters): a reason."""
    text = str(exc).strip() or type(exc).__name__
    first = text.splitlines()[0]
    return first if len(first) <= 300 else first[:297] + "..."


def repository_url(repository: str) -> str:
    """``owner/repo`` as ``https://github.com/owner/repo``; URLs unchanged."""
    text = repository.strip().rstrip("/")
    if "://" in text:
        return text.removesuffix(".git")
    return f"https://github.com/{text}"


def load_root(path: Path | None) -> TrustedRoot:
    """The pinned trusted root, or the one at ``path``; InputError if it is invalid."""
    from chainward.core.trust import load_trusted_root

    try:
        return load_trusted_root(path)
    except OSError as exc:
        raise InputError(
            f"cannot read trusted root: {exc.strerror or exc}", where=str(path)
        ) from None
    except Exception as exc:  # pydantic/sigstore errors: the file is not a valid root
        raise InputError(
            f"invalid trusted root: {str(exc).splitlines()[0]}", where=str(path or "pinned root")
        ) from None
