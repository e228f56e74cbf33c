"""The model lock file format ``chainward.lock``: schema, records, loading, and a
deterministic writer.

A record read from a file that several domains share (``models`` writes and verifies the
lock, ``provenance`` records its files, ``dependencies`` checks its revisions' age), so it
lives in the inventory floor; building a lock (hashing the files) stays in ``models``.

Schema (TOML, version 1)::

    version = 1

    [[model]]
    name = "bert-tiny"                      # unique, sorted by name
    source = "hf://org/name"                # hf://ORG/NAME, an https URL, or a local path
    revision = "<40-hex commit>"            # immutable revision (required for hf:// sources)
    path = "models/bert-tiny"               # the locked file or directory, root-relative

    [model.signature]                       # optional: an OpenSSF model-signing bundle
    bundle = "models/bert-tiny.sig"         # root-relative path of the bundle
    method = "key"                          # "key" | "certificate" | "sigstore"
    key = "keys/model.pub.pem"              # method = "key"
    certificate-chain = ["keys/ca.pem"]     # method = "certificate"
    identity = "release@example.com"        # method = "sigstore"
    issuer = "https://accounts.google.com"  # method = "sigstore"
    ignore = ["README.md"]                  # paths under `path` the signature does not cover

    [[model.file]]                          # sorted by path
    path = "models/bert-tiny/config.json"   # root-relative, "/" separators
    size = 570
    sha256 = "<64-hex>"

Models are sorted by name and files by path, and every value is written the same way
each time, so diffs of the lock are readable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chainward.core.bounded import read_bounded
from chainward.core.errors import InputError
from chainward.core.tomlread import TOMLDecodeError, loads_toml

LOCK_VERSION = 1
MAX_LOCK_BYTES = 32 << 20

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")
SIGNATURE_METHODS = ("key", "certificate", "sigstore")


@dataclass(frozen=True, slots=True)
class LockedFile:
    """One file of a locked model: root-relative path, size in bytes, sha256 hex digest."""

    path: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class ModelSignature:
    """Where a model's OpenSSF model-signing bundle is and who must have signed it."""

    bundle: str
    method: str
    key: str | None = None
    certificate_chain: tuple[str, ...] = ()
    identity: str | None = None
    issuer: str | None = None
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LockedModel:
    """One model of the lock. ``path`` is the locked file or directory (root-relative)."""

    name: str
    source: str
    revision: str | None
    files: tuple[LockedFile, ...]
    signature: ModelSignature | None = None
    path: str = ""

    @property
    def hf_id(self) -> str | None:
        """The Hugging Face id ("org/name") when the source is ``hf://...``."""
        if self.source.startswith("hf://"):
            return self.source[len("hf://") :].strip("/") or None
        return None


@dataclass(frozen=True, slots=True)
class ModelLock:
    """The whole lock: models sorted by name."""

    models: tuple[LockedModel, ...] = field(default_factory=tuple)

    def by_hf_id(self) -> dict[str, LockedModel]:
        """Locked models keyed by their Hugging Face id (lower-cased)."""
        return {m.hf_id.lower(): m for m in self.models if m.hf_id}


class LockError(InputError):
    """chainward.lock is unreadable or does not follow the schema (exit 2 from the CLI)."""

    def __init__(self, message: str, *, where: str, line: int | None = None) -> None:
        super().__init__(
            message, where=where, hint="see the schema in `chainward explain invalid-model-lock`"
        )
        self.line = line


def _str(table: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str | None:
    value = table.get(key)
    if value is None:
        if required:
            raise LockError(f"missing key {key!r}", where=where)
        return None
    if not isinstance(value, str):
        raise LockError(f"{key!r} must be a string", where=where)
    return value


def _str_list(table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LockError(f"{key!r} must be a list of strings", where=where)
    return tuple(value)


def _parse_signature(table: Any, where: str) -> ModelSignature:
    if not isinstance(table, dict):
        raise LockError("'signature' must be a table", where=where)
    known = {"bundle", "method", "key", "certificate-chain", "identity", "issuer", "ignore"}
    for key in table:
        if key not in known:
            raise LockError(f"unknown key {key!r} in signature", where=where)
    method = _str(table, "method", where) or ""
    if method not in SIGNATURE_METHODS:
        raise LockError(
            f"signature method {method!r} is not one of {', '.join(SIGNATURE_METHODS)}",
            where=where,
        )
    sig = ModelSignature(
        bundle=_str(table, "bundle", where) or "",
        method=method,
        key=_str(table, "key", where, required=method == "key"),
        certificate_chain=_str_list(table, "certificate-chain", where),
        identity=_str(table, "identity", where, required=method == "sigstore"),
        issuer=_str(table, "issuer", where, required=method == "sigstore"),
        ignore=_str_list(table, "ignore", where),
    )
    if method == "certificate" and not sig.certificate_chain:
        raise LockError("signature method 'certificate' needs 'certificate-chain'", where=where)
    return sig


def _parse_file(table: Any, where: str) -> LockedFile:
    if not isinstance(table, dict):
        raise LockError("each [[model.file]] must be a table", where=where)
    path = _str(table, "path", where) or ""
    size = table.get("size")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise LockError(f"file {path!r}: 'size' must be a non-negative integer", where=where)
    digest = (_str(table, "sha256", where) or "").lower()
    if not SHA256_RE.match(digest):
        raise LockError(f"file {path!r}: 'sha256' must be 64 hex digits", where=where)
    return LockedFile(path=path, size=size, sha256=digest)


def parse_lock(text: str, where: str = "chainward.lock") -> ModelLock:
    """Parse the lock's TOML text into a :class:`ModelLock`; raise LockError if invalid."""
    try:
        document = loads_toml(text)
    except TOMLDecodeError as exc:
        raise LockError(f"invalid TOML: {exc}", where=where) from None
    version = document.get("version", LOCK_VERSION)
    if version != LOCK_VERSION:
        raise LockError(f"unsupported lock version {version!r} (expected 1)", where=where)
    raw_models = document.get("model", [])
    if not isinstance(raw_models, list):
        raise LockError("'model' must be an array of tables ([[model]])", where=where)
    models: list[LockedModel] = []
    names: set[str] = set()
    for raw in raw_models:
        if not isinstance(raw, dict):
            raise LockError("each [[model]] must be a table", where=where)
        name = _str(raw, "name", where) or ""
        if name in names:
            raise LockError(f"model {name!r} is listed twice", where=where)
        names.add(name)
        source = _str(raw, "source", where) or ""
        revision = _str(raw, "revision", where, required=False)
        if source.startswith("hf://") and revision is not None and not COMMIT_RE.match(revision):
            raise LockError(
                f"model {name!r}: revision {revision!r} is not a 40-hex commit", where=where
            )
        raw_files = raw.get("file", [])
        if not isinstance(raw_files, list):
            raise LockError(f"model {name!r}: 'file' must be an array of tables", where=where)
        files = tuple(sorted((_parse_file(f, where) for f in raw_files), key=lambda f: f.path))
        signature = _parse_signature(raw["signature"], where) if "signature" in raw else None
        models.append(
            LockedModel(
                name=name,
                source=source,
                revision=revision,
                files=files,
                signature=signature,
                path=_str(raw, "path", where, required=False) or "",
            )
        )
    return ModelLock(tuple(sorted(models, key=lambda m: m.name)))


def load_lock(path: Path) -> ModelLock:
    """Read and parse ``chainward.lock`` at ``path`` (bounded read); LockError if invalid."""
    data = read_bounded(
        path,
        MAX_LOCK_BYTES,
        what="the model lock",
        too_large="the model lock is larger than 32 MiB",
        error=LockError,
    )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise LockError("the model lock is not valid UTF-8", where=str(path)) from None
    return parse_lock(text, str(path))


def toml_string(value: str) -> str:
    """A TOML basic string (escapes quotes, backslashes and control characters)."""
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _toml_string_list(values: Iterable[str]) -> str:
    return "[" + ", ".join(toml_string(v) for v in values) + "]"


def _table(header: str, *pairs: tuple[str, str | None]) -> list[str]:
    """A blank line, the table's ``header`` and a ``key = value`` line for each pair whose
    (already TOML-encoded) value is set."""
    return ["", header, *(f"{key} = {value}" for key, value in pairs if value is not None)]


def _optional(value: str | None) -> str | None:
    return None if value is None else toml_string(value)


def dump_lock(lock: ModelLock) -> str:
    """The lock as TOML text: models by name, files by path, a fixed key order."""
    lines = [
        "# chainward model lock: written by `chainward models lock`, checked by",
        "# `chainward models verify`. Schema: `chainward explain invalid-model-lock`.",
        f"version = {LOCK_VERSION}",
    ]
    for model in sorted(lock.models, key=lambda m: m.name):
        lines += _table(
            "[[model]]",
            ("name", toml_string(model.name)),
            ("source", toml_string(model.source)),
            ("revision", _optional(model.revision)),
            ("path", _optional(model.path or None)),
        )
        sig = model.signature
        if sig is not None:
            lines += _table(
                "[model.signature]",
                ("bundle", toml_string(sig.bundle)),
                ("method", toml_string(sig.method)),
                ("key", _optional(sig.key)),
                (
                    "certificate-chain",
                    _toml_string_list(sig.certificate_chain) if sig.certificate_chain else None,
                ),
                ("identity", _optional(sig.identity)),
                ("issuer", _optional(sig.issuer)),
                ("ignore", _toml_string_list(sorted(sig.ignore)) if sig.ignore else None),
            )
        for item in sorted(model.files, key=lambda f: f.path):
            lines += _table(
                "[[model.file]]",
                ("path", toml_string(item.path)),
                ("size", str(item.size)),
                ("sha256", toml_string(item.sha256)),
            )
    return "\n".join(lines) + "\n"
