"""Offline verification of attestations: Sigstore bundles, DSSE envelopes, PEP 740.

Everything is checked against a pinned trusted root (``chainward.core.trust``, or a
file the caller names), never a TUF cache, and never over the network:

1. the signature, certificate chain (valid at a verified time), SCT, transparency-log
   inclusion proof + checkpoint and signed entry timestamp: sigstore-python's verifier,
   extended in :mod:`chainward.provenance._verifier` for ``intoto/0.0.2`` entries;
   bundles signed with a managed key and local DSSE envelopes: the given public key,
   plus the log entry when there is one;
2. the identity policy (certificate SAN, issuer, source repository, signer workflow);
3. the content: for DSSE, the statement's subject digest equals the artifact's, the
   predicate type is expected, the builder and source repository match the policy;
   for a message signature, the artifact digest.

Outcomes: a :class:`Result` (verified or not, with the reason), or
:class:`~chainward.core.errors.InputError` for input that cannot be used at all
(malformed or truncated JSON, unknown media types, unsupported keys): exit 2.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainward.core.errors import InputError, UsageError
from chainward.core.jsonsafe import loads_json
from chainward.provenance.keys import INTOTO_PAYLOAD_TYPE, parse_envelope, verify_envelope

if TYPE_CHECKING:
    from sigstore.models import TrustedRoot

    from chainward.provenance.keys import PublicKey

SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1"
STATEMENT_TYPES = ("https://in-toto.io/Statement/v1", "https://in-toto.io/Statement/v0.1")
BUNDLE_MEDIA_TYPES = (
    "application/vnd.dev.sigstore.bundle+json;version=0.1",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
    "application/vnd.dev.sigstore.bundle.v0.3+json",
)
DIGESTS = ("sha256", "sha384", "sha512")
MAX_BUNDLE_BYTES = 32 * 1024 * 1024


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


def _fail(reason: str, kind: str = "") -> Result:
    return Result(False, reason, kind)


# --- reading -----------------------------------------------------------------------


def read_documents(path: Path) -> list[tuple[str, bytes]]:
    """The JSON documents of a bundle file: one JSON value, or JSON Lines (one per line).

    Returns ``(where, raw bytes)`` pairs; truncated or invalid JSON raises InputError.
    """
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BUNDLE_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read bundle: {exc.strerror or exc}", where=str(path)) from None
    if len(data) > MAX_BUNDLE_BYTES:
        raise InputError(f"bundle is over {MAX_BUNDLE_BYTES} bytes", where=str(path))
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


# --- statement content ---------------------------------------------------------------


def repository_url(repository: str) -> str:
    """``owner/repo`` as ``https://github.com/owner/repo``; URLs unchanged."""
    text = repository.strip().rstrip("/")
    if "://" in text:
        return text.removesuffix(".git")
    return f"https://github.com/{text}"


def _norm_repo(url: str) -> str:
    text = url.strip().lower().removeprefix("git+")
    if text.startswith("git@") and ":" in text:
        host, _, path = text[4:].partition(":")
        text = f"https://{host}/{path}"
    text = text.removeprefix("ssh://git@").removeprefix("ssh://")
    if "://" not in text:
        text = "https://" + text
    text = text.split("@", 1)[0] if text.count("@") and "://" in text else text
    return text.rstrip("/").removesuffix(".git")


def statement_repositories(predicate: Mapping[str, Any]) -> list[str]:
    """Source repositories a SLSA v1 (or v0.2) predicate names, normalised."""
    repos: list[str] = []
    build = predicate.get("buildDefinition")
    if isinstance(build, Mapping):
        external = build.get("externalParameters")
        if isinstance(external, Mapping):
            # GitHub's workflow parameters, or chainward's local build's source.
            for holder in (external.get("workflow"), external.get("source")):
                if isinstance(holder, Mapping) and isinstance(holder.get("repository"), str):
                    repos.append(_norm_repo(holder["repository"]))
                    break
        deps = build.get("resolvedDependencies")
        if not repos and isinstance(deps, list):
            for dep in deps:
                uri = dep.get("uri") if isinstance(dep, Mapping) else None
                if isinstance(uri, str) and uri.startswith("git+"):
                    repos.append(_norm_repo(uri.split("@", 1)[0] if "://" in uri else uri))
                    break
    invocation = predicate.get("invocation")  # SLSA v0.2
    if not repos and isinstance(invocation, Mapping):
        source = invocation.get("configSource")
        if isinstance(source, Mapping) and isinstance(source.get("uri"), str):
            repos.append(_norm_repo(source["uri"].split("@", 1)[0]))
    return repos


def statement_builder(predicate: Mapping[str, Any]) -> str | None:
    """The builder id of a SLSA v1 (or v0.2) predicate."""
    run = predicate.get("runDetails")
    holder = run if isinstance(run, Mapping) else predicate
    builder = holder.get("builder")
    if isinstance(builder, Mapping) and isinstance(builder.get("id"), str):
        return str(builder["id"])
    return None


def check_statement(
    payload_type: str, payload: bytes, artifact: Artifact, policy: Policy
) -> tuple[str | None, Mapping[str, Any] | None]:
    """Check a DSSE payload: ``(reason it fails or None, the statement)``."""
    if payload_type != INTOTO_PAYLOAD_TYPE:
        return f"payload type is {payload_type!r}, not an in-toto statement", None
    try:
        statement = loads_json(payload)
    except (ValueError, UnicodeDecodeError):
        return "the signed payload is not JSON", None
    if not isinstance(statement, dict) or statement.get("_type") not in STATEMENT_TYPES:
        return "the signed payload is not an in-toto Statement", None
    subjects = statement.get("subject")
    if not isinstance(subjects, list) or not subjects:
        return "the statement has no subjects", statement
    matched = False
    for subject in subjects:
        digest = subject.get("digest") if isinstance(subject, Mapping) else None
        if not isinstance(digest, Mapping):
            continue
        for name, value in digest.items():
            if isinstance(value, str) and value.lower() == artifact.digest(str(name)):
                matched = True
    if not matched:
        names = ", ".join(str(s.get("name")) for s in subjects if isinstance(s, Mapping))
        return (
            f"no subject digest matches {artifact.name} (subjects: {names or '(unnamed)'})",
            statement,
        )
    predicate_type = statement.get("predicateType")
    if policy.predicate_types is not None and predicate_type not in policy.predicate_types:
        return (
            f"predicate type is {predicate_type!r}, expected "
            + " or ".join(policy.predicate_types),
            statement,
        )
    predicate = statement.get("predicate")
    predicate = predicate if isinstance(predicate, Mapping) else {}
    if policy.builder_id is not None:
        builder = statement_builder(predicate)
        if builder != policy.builder_id:
            return f"builder is {builder or '(none)'}, expected {policy.builder_id}", statement
    # The repository is a provenance fact; a VSA (also under slsa.dev) names none.
    if policy.repository is not None and str(predicate_type).startswith(
        "https://slsa.dev/provenance/"
    ):
        want = _norm_repo(repository_url(policy.repository))
        repos = statement_repositories(predicate)
        if not repos:
            return "the provenance names no source repository", statement
        if repos[0] != want:
            return f"provenance source repository is {repos[0]}, expected {want}", statement
    return None, statement


# --- local DSSE envelopes ------------------------------------------------------------


def verify_envelope_with_key(
    doc: Any, where: str, artifact: Artifact, key: PublicKey, policy: Policy
) -> Result:
    """Verify a plain DSSE envelope (``.intoto.jsonl``) with a public key, then its content."""
    envelope = parse_envelope(doc, where)
    if not verify_envelope(envelope, key):
        return _fail("the envelope signature does not verify with the given key", "dsse")
    reason, statement = check_statement(envelope.payload_type, envelope.payload, artifact, policy)
    if reason:
        return Result(False, reason, "dsse", statement=statement)
    return Result(True, "signature and statement verified", "dsse", statement=statement)


# --- Sigstore bundles ----------------------------------------------------------------


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


def _check_log_ids(inner: Any, root: TrustedRoot) -> str | None:
    """Log entries must come from a log of the trusted root and be self-consistent.

    A Rekor v1 entry's log id and index are covered by its signed entry timestamp; a
    Rekor v2 entry has none, so its log id and index are checked against the trusted
    root and its inclusion proof here (as sigstore-go does) rather than left unread.
    """
    known = {tlog.log_id.key_id for tlog in root._inner.tlogs}
    for entry in inner.verification_material.tlog_entries:
        if entry.log_id.key_id not in known:
            return "the log entry comes from a transparency log that the trusted root does not list"
        proof = entry.inclusion_proof
        if not entry.integrated_time and proof is not None and proof.log_index != entry.log_index:
            return "the log entry's index differs from its inclusion proof's"
    return None


class _NoLogEntry(Exception):
    """A well-formed bundle without a transparency log entry."""


def _parse_inner(raw: bytes, where: str) -> Any:
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
        raise _NoLogEntry
    try:
        return InnerBundle.from_json(raw)
    except ValueError as exc:
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        detail = "; ".join(lines[1:3]) if len(lines) > 1 else (lines[0] if lines else "")
        raise InputError(f"malformed Sigstore bundle: {detail}", where=where) from None


def verify_bundle(
    raw: bytes,
    where: str,
    artifact: Artifact,
    policy: Policy,
    *,
    key: PublicKey | None = None,
    trusted_root: TrustedRoot | None = None,
) -> Result:
    """Verify one Sigstore bundle (any version) against the artifact and the policy."""
    try:
        inner = _parse_inner(raw, where)
    except _NoLogEntry:
        return _fail(
            "the bundle has no transparency log entry: it comes from a private Sigstore "
            "instance (GitHub's, for private repositories, uses RFC 3161 timestamps only), "
            "which the pinned public-good trusted root cannot verify",
            "sigstore",
        )
    root = trusted_root if trusted_root is not None else load_root(None)
    problem = _check_log_ids(inner, root)
    if problem:
        return _fail(problem, "sigstore")
    if inner.verification_material.public_key is not None:
        if key is None:
            return _fail(
                "the bundle is signed with a managed key: pass the public key with --key",
                "key",
            )
        return _verify_keyed_bundle(inner, artifact, key, root, policy)
    if key is not None:
        raise UsageError(
            "--key was given but the bundle is signed with a Sigstore certificate",
            where=where,
            hint="verify it with --cert-identity (or --cert-identity-regexp) and "
            "--cert-oidc-issuer",
        )
    if not policy.has_identity:
        raise UsageError(
            "a Sigstore bundle needs an identity policy",
            where=where,
            hint="give --cert-identity or --cert-identity-regexp, and --cert-oidc-issuer",
        )
    return _verify_certificate_bundle(inner, artifact, policy, root)


def _verify_certificate_bundle(
    inner: Any, artifact: Artifact, policy: Policy, root: TrustedRoot
) -> Result:
    from sigstore.errors import Error as SigstoreError
    from sigstore.hashes import Hashed
    from sigstore.models import Bundle
    from sigstore_models.common.v1 import HashAlgorithm

    from chainward.provenance._verifier import ChainwardVerifier, IdentityPolicy

    try:
        bundle = Bundle(inner)
    except SigstoreError as exc:
        return _fail(f"invalid bundle: {exc}", "sigstore")
    except Exception as exc:  # e.g. certificate bytes that are not a valid certificate
        return _fail(f"invalid bundle: {_reason(exc)}", "sigstore")
    identity = IdentityPolicy(
        identity=policy.identity,
        identity_regexp=policy.identity_regexp,
        issuer=str(policy.issuer),
        repository=policy.repository,
        signer_workflow=policy.signer_workflow,
    )
    signer = _describe_signer(bundle)
    try:
        verifier = ChainwardVerifier(trusted_root=root)
        if bundle._dsse_envelope is not None:
            payload_type, payload = verifier.verify_dsse(bundle, identity)
        else:
            digest = bytes.fromhex(artifact.sha256)
            hashed = Hashed(algorithm=HashAlgorithm.SHA2_256, digest=digest)
            verifier.verify_artifact(hashed, bundle, identity)
            return Result(
                True,
                "signature, certificate and log entry verified",
                "message-signature",
                signer=signer,
            )
    except Exception as exc:  # any failure inside verification means "not verified"
        return Result(False, _reason(exc), "sigstore", signer=signer)
    reason, statement = check_statement(payload_type, payload, artifact, policy)
    if reason:
        return Result(False, reason, "dsse", signer=signer, statement=statement)
    return Result(
        True,
        "signature, certificate, log entry and statement verified",
        "dsse",
        signer=signer,
        statement=statement,
    )


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    first = text.splitlines()[0]
    return first if len(first) <= 300 else first[:297] + "..."


def _describe_signer(bundle: Any) -> str | None:
    from chainward.provenance._verifier import certificate_claims

    try:
        claims = certificate_claims(bundle.signing_certificate)
    except Exception:
        return None
    sans = claims.get("sans") or []
    return ", ".join(sans) if isinstance(sans, list) else str(sans)


def _pem_key_der(pem_b64: object) -> bytes | None:
    from cryptography.hazmat.primitives import serialization

    if not isinstance(pem_b64, str):
        return None
    try:
        pem = base64.b64decode(pem_b64, validate=True)
        loaded = serialization.load_pem_public_key(pem)
    except (binascii.Error, ValueError, TypeError):
        return None
    return loaded.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _verify_keyed_bundle(
    inner: Any, artifact: Artifact, key: PublicKey, root: TrustedRoot, policy: Policy
) -> Result:
    """A bundle signed with a managed key: the key, the log entry, and the content."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
    from sigstore._internal.trust import KeyringPurpose
    from sigstore.errors import Error as SigstoreError
    from sigstore.models import TransparencyLogEntry

    from chainward.provenance.keys import pae, verify_bytes

    entries = inner.verification_material.tlog_entries
    if len(entries) != 1:
        return _fail("expected exactly one transparency log entry", "key")
    try:
        entry = TransparencyLogEntry(entries[0])
    except (SigstoreError, ValueError) as exc:
        return _fail(f"invalid log entry: {_reason(exc)}", "key")
    rekor_v2 = entry._inner.kind_version.version == "0.0.2"
    if rekor_v2:
        # Rekor v2 entries carry no signed entry timestamp: the verified time comes from
        # RFC 3161 timestamps, and at least one must be there (each is verified below).
        stamps = inner.verification_material.timestamp_verification_data
        if stamps is None or not stamps.rfc3161_timestamps:
            return _fail(
                "the Rekor v2 log entry comes without a signed timestamp, so there is no "
                "verified signing time",
                "key",
            )
    elif not (entry._inner.inclusion_promise and entry._inner.integrated_time):
        # Without a signed entry timestamp there is no verified time for a key bundle.
        return _fail("the log entry has no signed entry timestamp", "key")
    try:
        entry._verify(root.rekor_keyring(KeyringPurpose.VERIFY))
    except Exception as exc:
        return _fail(f"invalid log entry: {_reason(exc)}", "key")
    try:
        body = loads_json(entry._inner.canonicalized_body)
        spec = body["spec"]
        kind = (body["kind"], body["apiVersion"])
    except (ValueError, KeyError, TypeError):
        return _fail("the log entry body is malformed", "key")
    kind_version = entry._inner.kind_version
    if (kind_version.kind, kind_version.version) != kind:
        return _fail("the log entry's kind and version do not match its body", "key")
    signature_bytes = (
        inner.message_signature.signature
        if inner.message_signature is not None
        else (inner.dsse_envelope.signatures[0].sig if inner.dsse_envelope else b"")
    )
    timestamp_problem = _check_timestamps(inner, signature_bytes, root)
    if timestamp_problem:
        return _fail(timestamp_problem, "key")
    key_der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    if inner.message_signature is not None:
        signature = inner.message_signature.signature
        digest = artifact.sha256
        message_digest = inner.message_signature.message_digest
        if message_digest is not None and message_digest.digest.hex() != digest:
            return _fail("the bundle's message digest does not match the artifact", "key")
        if not isinstance(key, ec.EllipticCurvePublicKey):
            return _fail("only ECDSA keys sign Sigstore message-signature bundles", "key")
        from cryptography.exceptions import InvalidSignature

        try:
            key.verify(signature, bytes.fromhex(digest), ec.ECDSA(Prehashed(hashes.SHA256())))
        except InvalidSignature:
            return _fail("the signature does not verify with the given key", "key")
        if rekor_v2:
            ok = _v2_entry_matches(spec, kind, bytes.fromhex(digest), signature, key_der)
            if not ok:
                return _fail(
                    "the Rekor v2 log entry does not match the artifact, signature and key",
                    "key",
                )
            return Result(
                True, "signature and Rekor v2 log entry verified with the key", "message-signature"
            )
        try:
            ok = (
                kind == ("hashedrekord", "0.0.1")
                and spec["data"]["hash"]["algorithm"] == "sha256"
                and spec["data"]["hash"]["value"] == digest
                and base64.b64decode(spec["signature"]["content"]) == signature
                and _pem_key_der(spec["signature"]["publicKey"]["content"]) == key_der
            )
        except (KeyError, TypeError, binascii.Error):
            ok = False
        if not ok:
            return _fail("the log entry does not match the artifact, signature and key", "key")
        return Result(True, "signature and log entry verified with the key", "message-signature")

    envelope = inner.dsse_envelope
    if envelope is None or len(envelope.signatures) != 1:
        return _fail("the bundle has neither a message signature nor a DSSE envelope", "key")
    signature = envelope.signatures[0].sig
    if not verify_bytes(key, signature, pae(envelope.payload_type, envelope.payload)):
        return _fail("the envelope signature does not verify with the given key", "key")
    if rekor_v2:
        message = pae(envelope.payload_type, envelope.payload)
        if kind == ("hashedrekord", "0.0.2"):
            # Rekor v2 logs a DSSE envelope as a hashedrekord of its PAE (spec §6.1.4).
            ok = _v2_entry_matches(spec, kind, hashlib.sha256(message).digest(), signature, key_der)
        else:
            ok = _v2_dsse_entry_matches(spec, kind, envelope.payload, signature, key_der)
        if not ok:
            return _fail("the Rekor v2 log entry does not match the envelope and key", "key")
        reason, statement = check_statement(
            envelope.payload_type, envelope.payload, artifact, policy
        )
        if reason:
            return Result(False, reason, "dsse", statement=statement)
        return Result(
            True,
            "signature, Rekor v2 log entry and statement verified with the key",
            "dsse",
            statement=statement,
        )
    try:
        if kind != ("dsse", "0.0.1"):
            raise KeyError(kind)
        ok = spec["payloadHash"]["value"] == hashlib.sha256(envelope.payload).hexdigest()
        logged = spec["signatures"]
        ok = ok and len(logged) == 1
        ok = ok and base64.b64decode(logged[0]["signature"]) == signature
        ok = ok and _pem_key_der(logged[0]["verifier"]) == key_der
    except (KeyError, TypeError, binascii.Error, IndexError):
        ok = False
    if not ok:
        return _fail("the log entry does not match the envelope and key", "key")
    reason, statement = check_statement(envelope.payload_type, envelope.payload, artifact, policy)
    if reason:
        return Result(False, reason, "dsse", statement=statement)
    return Result(
        True,
        "signature, log entry and statement verified with the key",
        "dsse",
        statement=statement,
    )


def _v2_verifier_der(verifier: Any) -> bytes | None:
    """The DER public key a Rekor v2 ``Verifier`` names: a key, or a certificate's key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    if not isinstance(verifier, Mapping):
        return None
    try:
        if isinstance(verifier.get("publicKey"), Mapping):
            raw = base64.b64decode(verifier["publicKey"]["rawBytes"], validate=True)
            loaded = serialization.load_der_public_key(raw)
        elif isinstance(verifier.get("x509Certificate"), Mapping):
            raw = base64.b64decode(verifier["x509Certificate"]["rawBytes"], validate=True)
            loaded = x509.load_der_x509_certificate(raw).public_key()
        else:
            return None
    except (KeyError, TypeError, ValueError, binascii.Error):
        return None
    return loaded.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _v2_entry_matches(
    spec: Any, kind: tuple[str, str], digest: bytes, signature: bytes, key_der: bytes
) -> bool:
    """A Rekor v2 ``hashedrekord`` 0.0.2 body records this SHA-256 digest, signature, key."""
    if kind != ("hashedrekord", "0.0.2"):
        return False
    try:
        body = spec["hashedRekordV002"]
        data, logged = body["data"], body["signature"]
        return bool(
            data["algorithm"] == "SHA2_256"
            and base64.b64decode(data["digest"], validate=True) == digest
            and base64.b64decode(logged["content"], validate=True) == signature
            and _v2_verifier_der(logged["verifier"]) == key_der
        )
    except (KeyError, TypeError, binascii.Error):
        return False


def _v2_dsse_entry_matches(
    spec: Any, kind: tuple[str, str], payload: bytes, signature: bytes, key_der: bytes
) -> bool:
    """A Rekor v2 ``dsse`` 0.0.2 body records this payload hash, one signature, the key."""
    if kind != ("dsse", "0.0.2"):
        return False
    try:
        body = spec["dsseV002"]
        logged = body["signatures"]
        return bool(
            body["payloadHash"]["algorithm"] == "SHA2_256"
            and base64.b64decode(body["payloadHash"]["digest"], validate=True)
            == hashlib.sha256(payload).digest()
            and len(logged) == 1
            and base64.b64decode(logged[0]["content"], validate=True) == signature
            and _v2_verifier_der(logged[0]["verifier"]) == key_der
        )
    except (KeyError, TypeError, binascii.Error, IndexError):
        return False


def _check_timestamps(inner: Any, signature: bytes, root: TrustedRoot) -> str | None:
    """Every RFC 3161 timestamp a key bundle carries must verify (None when they do)."""
    from sigstore.models import TimestampVerificationData

    from chainward.provenance._verifier import ChainwardVerifier

    data = inner.verification_material.timestamp_verification_data
    if data is None or not data.rfc3161_timestamps:
        return None
    try:
        responses = TimestampVerificationData(data).rfc3161_timestamps
        verifier = ChainwardVerifier(trusted_root=root)
        if not all(verifier._verify_signed_timestamp(r, signature) for r in responses):
            return "a signed timestamp in the bundle does not verify"
    except Exception as exc:  # malformed timestamps: not verified
        return f"invalid signed timestamp: {_reason(exc)}"
    return None


# --- entry point ---------------------------------------------------------------------


def verify_document(
    raw: bytes,
    where: str,
    artifact: Artifact,
    policy: Policy,
    *,
    key: PublicKey | None = None,
    trusted_root: TrustedRoot | None = None,
) -> Result:
    """Verify one JSON document: a Sigstore bundle, a DSSE envelope or a PEP 740 attestation."""
    try:
        doc = loads_json(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(
            f"not valid JSON ({exc}); the file may be truncated", where=where
        ) from None
    if not isinstance(doc, dict):
        raise InputError("an attestation must be a JSON object", where=where)
    if "mediaType" in doc:
        return verify_bundle(raw, where, artifact, policy, key=key, trusted_root=trusted_root)
    if "payloadType" in doc and "signatures" in doc:
        if key is None:
            raise UsageError(
                "a bare DSSE envelope carries no certificate: verify it with --key PUBLIC.pem",
                where=where,
            )
        return verify_envelope_with_key(doc, where, artifact, key, policy)
    if "envelope" in doc and "verification_material" in doc:
        raw_bundle = pep740_attestation_bundle(raw, where)
        return verify_bundle(
            raw_bundle, where, artifact, policy, key=key, trusted_root=trusted_root
        )
    raise InputError(
        "not a Sigstore bundle, DSSE envelope or PEP 740 attestation",
        where=where,
        hint="expected a JSON object with mediaType "
        "'application/vnd.dev.sigstore.bundle...' or a DSSE envelope",
    )


def verify_file(
    bundle_path: Path,
    artifact: Artifact,
    policy: Policy,
    *,
    key: PublicKey | None = None,
    trusted_root_path: Path | None = None,
) -> list[Result]:
    """Verify every document of a bundle file (JSON, or JSON Lines); one result each."""
    documents = read_documents(bundle_path)
    root = load_root(trusted_root_path) if _needs_root(documents) else None
    return [
        verify_document(raw, where, artifact, policy, key=key, trusted_root=root)
        for where, raw in documents
    ]


def _needs_root(documents: Sequence[tuple[str, bytes]]) -> bool:
    return any(b"mediaType" in raw or b"verification_material" in raw for _, raw in documents)


def pep740_attestation_bundle(raw: bytes, where: str) -> bytes:
    """Convert a PEP 740 attestation into the Sigstore bundle it was made from."""
    from pypi_attestations import Attestation

    try:
        attestation = Attestation.model_validate_json(raw)
        return attestation.to_bundle().to_json().encode("utf-8")
    except Exception as exc:
        raise InputError(f"malformed PEP 740 attestation: {_reason(exc)}", where=where) from None
