"""Verify the working tree against chainward.lock: sizes, digests, missing, extra and
escaping paths, Git LFS pointers, and OpenSSF model signatures."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from chainward.core.findings import CheckId, Confidence, Finding, Severity
from chainward.inventory.model_lock import LockedModel, ModelLock
from chainward.inventory.model_lock import toml_string as _quote
from chainward.models.hashing import HashStats, Progress, StatCache, hash_files
from chainward.models.meta import (
    BAD_MODEL_SIGNATURE,
    MODEL_FILE_MISSING,
    MODEL_HASH_MISMATCH,
    MODEL_PATH_ESCAPE,
    UNLOCKED_MODEL_FILE,
)

LFS_HEADER = b"version https://git-lfs.github.com/spec/v1"
LFS_MAX_POINTER = 1024
_LFS_OID = re.compile(rb"^oid sha256:([0-9a-f]{64})$", re.MULTILINE)
_LFS_SIZE = re.compile(rb"^size (\d+)$", re.MULTILINE)
# Files a model directory may hold that are not part of the model.
IGNORED_NAMES = frozenset({".git", ".gitattributes", ".gitignore", ".github", ".DS_Store"})


@dataclass(frozen=True, slots=True)
class LfsPointer:
    """A Git LFS pointer file: the blob's sha256 and size."""

    sha256: str
    size: int


_LFS_POINTER = re.compile(
    rb"version https://git-lfs\.github\.com/spec/v1\n"
    rb"(?:[a-z0-9.-]+ [^\n]*\n)*"
)


def read_lfs_pointer(path: Path) -> LfsPointer | None:
    """The pointer in ``path`` if the whole file is exactly a Git LFS pointer (spec v1:
    at most 1 KiB, ``key value`` lines, one ``oid sha256:`` and one ``size``, nothing
    after). A file that merely begins like a pointer is content, not a pointer."""
    try:
        if path.stat().st_size > LFS_MAX_POINTER:
            return None
        with path.open("rb") as handle:
            data = handle.read(LFS_MAX_POINTER + 1)
    except OSError:
        return None
    if len(data) > LFS_MAX_POINTER or _LFS_POINTER.fullmatch(data) is None:
        return None
    oids = _LFS_OID.findall(data)
    sizes = _LFS_SIZE.findall(data)
    if len(oids) != 1 or len(sizes) != 1:
        return None
    keys = [line.split(b" ", 1)[0] for line in data.splitlines()[1:]]
    if keys != sorted(keys) or len(keys) != len(set(keys)):
        return None
    return LfsPointer(oids[0].decode(), int(sizes[0]))


def walk_model_files(
    root: Path, base_rel: str, *, skip: frozenset[str] = frozenset()
) -> Iterator[tuple[str, str | None]]:
    """Every file under the folder ``base_rel`` as ``(relative path, refusal)``.

    Symlinked subfolders that stay inside the repository are followed (their files are
    listed under the link's path, once per real folder, so a loop ends); a symlink
    (file or folder) that leaves it is yielded with the reason it is refused, never
    skipped. ``skip`` holds relative paths never listed (the lock itself).
    """
    real_root = root.resolve()
    seen: set[Path] = set()
    stack = ["" if base_rel in ("", ".", "./") else base_rel.rstrip("/")]
    while stack:
        rel_dir = stack.pop()
        folder = root / rel_dir if rel_dir else root
        try:
            real = folder.resolve()
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except (OSError, RuntimeError) as exc:
            yield rel_dir, f"the folder cannot be read: {exc}"
            continue
        if real in seen:
            continue
        seen.add(real)
        for entry in entries:
            if entry.name in IGNORED_NAMES:
                continue
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            if rel in skip:
                continue
            link = entry.is_symlink()
            if link:
                reason = escape_reason(root, rel)
                if reason is not None:
                    yield rel, reason
                    continue
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
                is_file = entry.is_file(follow_symlinks=True)
            except OSError:
                continue
            if is_dir:
                if link and (root / rel).resolve() == real_root:
                    continue
                stack.append(rel)
            elif is_file:
                yield rel, None


def escape_reason(root: Path, rel: str) -> str | None:
    """Why ``rel`` may not be used as a path inside ``root`` (None when it is safe)."""
    if not rel:
        return "the path is empty"
    if rel.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", rel):
        return "the path is absolute"
    if "\\" in rel:
        return "the path uses backslashes; use '/'"
    if ".." in PurePosixPath(rel).parts:
        return "the path contains '..'"
    if "\0" in rel:
        return "the path contains a NUL byte"
    if len(rel) > 4096 or any(len(part.encode()) > 255 for part in PurePosixPath(rel).parts):
        return "the path is too long for the file system"
    target = root / rel
    try:
        resolved = target.resolve()
        resolved.relative_to(root.resolve())
    except ValueError:
        return "a symlink on the path points outside the repository"
    except RuntimeError:  # Python < 3.13 reports a symlink loop this way
        return "the path runs into a symlink loop"
    except OSError as exc:
        return f"the path cannot be resolved: {exc.strerror}"
    return None


def lock_lines(text: str | None) -> dict[str, int]:
    """Line numbers of ``path = "..."`` and ``name = "..."`` entries in the lock text."""
    out: dict[str, int] = {}
    if not text:
        return out
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        for key in ("path", "name", "bundle"):
            prefix = f"{key} = "
            if stripped.startswith(prefix):
                out.setdefault(f"{key}:{stripped[len(prefix) :]}", number)
    return out


@dataclass
class VerifyResult:
    """Findings of a verification and what hashing it took."""

    findings: list[Finding] = field(default_factory=list)
    stats: HashStats = field(default_factory=HashStats)
    checked_files: int = 0


SignatureVerifier = Callable[[Path, LockedModel], str | None]


def verify_lock(
    root: Path,
    lock: ModelLock,
    *,
    lock_rel: str = "chainward.lock",
    lock_text: str | None = None,
    cache: StatCache | None = None,
    progress: Progress | None = None,
    verify_signature: SignatureVerifier | None = None,
) -> VerifyResult:
    """Check every locked model file against the tree at ``root``.

    Missing, changed and unlocked (extra) files are separate findings; paths that
    escape the repository are refused and never read. ``verify_signature(root, model)``
    returns an error message for a model whose signature does not verify.
    """
    result = VerifyResult()
    lines = lock_lines(lock_text)

    def finding(
        check: CheckId, severity: Severity, message: str, key: str, fix: str, **props: str
    ) -> Finding:
        return Finding(
            check,
            severity,
            message,
            path=lock_rel,
            line=lines.get(key),
            fix=fix,
            properties=props,
        )

    to_hash: dict[Path, tuple[LockedModel, str, int, str]] = {}
    for model in lock.models:
        for item in model.files:
            key = f"path:{_quote(item.path)}"
            reason = escape_reason(root, item.path)
            if reason is not None:
                result.findings.append(
                    finding(
                        MODEL_PATH_ESCAPE,
                        Severity.HIGH,
                        f"model {model.name!r}: file {item.path!r} is refused: {reason}",
                        key,
                        "lock only files inside the repository, by root-relative paths",
                        file=item.path,
                    )
                )
                continue
            path = root / item.path
            if not path.is_file():
                result.findings.append(
                    finding(
                        MODEL_FILE_MISSING,
                        Severity.HIGH,
                        f"model {model.name!r}: locked file {item.path!r} is missing",
                        key,
                        "restore the file (git lfs pull, or download the locked revision), "
                        "or re-run `chainward models lock`",
                        file=item.path,
                    )
                )
                continue
            result.checked_files += 1
            pointer = read_lfs_pointer(path)
            if pointer is not None:
                if pointer.sha256 != item.sha256 or pointer.size != item.size:
                    result.findings.append(
                        finding(
                            MODEL_HASH_MISMATCH,
                            Severity.HIGH,
                            f"model {model.name!r}: Git LFS pointer {item.path!r} names "
                            f"sha256 {pointer.sha256[:16]}… ({pointer.size} bytes), the lock "
                            f"{item.sha256[:16]}… ({item.size} bytes)",
                            key,
                            "if the change is intended, re-run `chainward models lock`; "
                            "otherwise restore the file",
                            file=item.path,
                        )
                    )
                continue
            to_hash[path] = (model, item.sha256, item.size, key)
        for rel, reason in _extra_files(root, model, lock_rel):
            if reason is None:
                result.findings.append(
                    finding(
                        UNLOCKED_MODEL_FILE,
                        Severity.MEDIUM,
                        f"model {model.name!r}: {rel!r} is in the model directory but not in "
                        "chainward.lock",
                        f"name:{_quote(model.name)}",
                        "lock it with `chainward models lock` or remove it",
                        file=rel,
                    )
                )
            else:
                result.findings.append(
                    finding(
                        MODEL_PATH_ESCAPE,
                        Severity.HIGH,
                        f"model {model.name!r}: {rel!r} is refused: {reason}",
                        f"name:{_quote(model.name)}",
                        "replace the symlink with the file itself",
                        file=rel,
                    )
                )
    digests = hash_files(list(to_hash), cache=cache, progress=progress, stats=result.stats)
    for path, (model, sha256, size, key) in to_hash.items():
        got = digests[path]
        rel = path.relative_to(root).as_posix()
        if got.size != size:
            detail = f"is {got.size} bytes, the lock says {size}"
        elif got.sha256 != sha256:
            detail = f"has sha256 {got.sha256[:16]}…, the lock says {sha256[:16]}…"
        else:
            continue
        result.findings.append(
            finding(
                MODEL_HASH_MISMATCH,
                Severity.HIGH,
                f"model {model.name!r}: {rel!r} {detail}",
                key,
                "if the change is intended, re-run `chainward models lock`; otherwise "
                "restore the file from a trusted source",
                file=rel,
            )
        )
    if verify_signature is not None:
        for model in lock.models:
            if model.signature is None:
                continue
            error = verify_signature(root, model)
            if error is not None:
                result.findings.append(
                    Finding(
                        BAD_MODEL_SIGNATURE,
                        Severity.HIGH,
                        f"model {model.name!r}: {error}",
                        path=lock_rel,
                        line=lines.get(f"bundle:{_quote(model.signature.bundle)}"),
                        fix="restore the signed files, or re-sign the model and update the bundle",
                        confidence=Confidence.HIGH,
                        properties={"model": model.name},
                    )
                )
    return result


def _extra_files(
    root: Path, model: LockedModel, lock_rel: str = "chainward.lock"
) -> Iterator[tuple[str, str | None]]:
    """Files under the model's directory that the lock does not list (with a refusal
    reason for symlinks that point outside). Symlinked subfolders inside the repository
    are followed, so they cannot hide files."""
    if not model.path or escape_reason(root, model.path) is not None:
        return
    base = root / model.path
    if not base.is_dir():
        return
    locked = {f.path for f in model.files}
    skipped: set[str] = {lock_rel}
    if model.signature is not None:
        skipped.add(model.signature.bundle)
        skipped.update(f"{model.path.rstrip('/')}/{p}" for p in model.signature.ignore)
    for rel, reason in walk_model_files(root, model.path, skip=frozenset({lock_rel})):
        if reason is None and (rel in locked or rel in skipped):
            continue
        if reason is None and any(rel.startswith(s.rstrip("/") + "/") for s in skipped):
            continue
        yield rel, reason


def signature_verifier(trust_config: Path | None = None) -> SignatureVerifier:
    """A verifier for ``verify_lock`` that uses model-signing (imported when called)."""

    def verify(root: Path, model: LockedModel) -> str | None:
        from chainward.models.signatures import (
            MissingExtraError,
            SignatureError,
            verify_model_signature,
        )

        sig = model.signature
        if sig is None:
            return None
        for rel in (sig.bundle, model.path, sig.key or "", *sig.certificate_chain):
            if rel and (reason := escape_reason(root, rel)) is not None:
                return f"signature path {rel!r} is refused: {reason}"
        if not model.path:
            return "the lock gives no model `path` to verify the signature over"
        try:
            verify_model_signature(
                root / model.path,
                root / sig.bundle,
                method=sig.method,
                key=root / sig.key if sig.key else None,
                certificate_chain=[root / c for c in sig.certificate_chain],
                identity=sig.identity,
                issuer=sig.issuer,
                ignore=sig.ignore,
                trust_config=trust_config,
            )
        except SignatureError as exc:
            return exc.message
        except MissingExtraError as exc:
            return f"not verified: {exc.message} ({exc.hint})"
        return None

    return verify
