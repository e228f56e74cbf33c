"""``chainward models lock|verify|sign``: the model lock and OpenSSF model signatures."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from chainward.cli.commands import add_switches, folder
from chainward.cli.common import emit, load
from chainward.core.atomic import write_atomic
from chainward.core.bounded import read_bounded
from chainward.core.errors import InputError, UsageError
from chainward.core.files import to_relative

if TYPE_CHECKING:
    from chainward.cli.commands import Commands
    from chainward.inventory.model_lock import ModelSignature


def register(commands: Commands) -> None:
    """Add ``models`` with its ``lock``, ``verify`` and ``sign`` subcommands."""
    verbs = commands.group("models", dest="models_command")

    lock = verbs.add("lock", cmd_lock)
    lock.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="model file or folder")
    lock.add_argument("--root", type=Path, default=Path(), help="repository root (default: .)")
    lock.add_argument("--name", help="model name (default: the folder or file name)")
    lock.add_argument(
        "--source", help="where the model comes from: hf://org/name, an https URL or a path"
    )
    lock.add_argument("--revision", help="immutable revision (a 40-hex commit for hf://)")
    lock.add_argument(
        "--signature", type=Path, metavar="BUNDLE", help="an OpenSSF model-signing bundle"
    )
    lock.add_argument(
        "--signature-key", type=Path, metavar="PEM", help="public key that signed BUNDLE"
    )
    lock.add_argument(
        "--signature-certificate-chain",
        type=Path,
        metavar="PEM",
        action="append",
        default=[],
        help="certificate chain that signed BUNDLE (repeatable)",
    )
    lock.add_argument("--signature-identity", help="Sigstore identity that signed BUNDLE")
    lock.add_argument("--signature-issuer", help="OIDC issuer of that identity")
    lock.add_argument("--no-cache", action="store_true", help="hash every file again")

    verify = verbs.add("verify", cmd_verify)
    verify.add_argument("--root", type=Path, default=Path(), help="repository root (default: .)")
    add_switches(
        verify,
        (
            ("--no-cache", "hash every file again"),
            (
                "--missing-ok",
                "exit 0 when there is no lock (for hooks in repositories without models)",
            ),
            ("--no-signatures", "skip OpenSSF model signature checks"),
        ),
    )
    verify.add_argument(
        "--trust-config",
        type=Path,
        metavar="FILE",
        help="a Sigstore ClientTrustConfig to use instead of the trusted root shipped in chainward",
    )

    sign = verbs.add("sign", cmd_sign)
    sign.add_argument("path", type=Path, metavar="MODEL", help="model file or folder")
    sign.add_argument("--key", type=Path, required=True, help="PEM elliptic-curve private key")
    sign.add_argument(
        "--bundle", type=Path, help="where to write the signature (default: MODEL.sig)"
    )
    sign.add_argument("--ignore", action="append", default=[], help="path inside MODEL not to sign")


def _lock_path(args: argparse.Namespace, root: Path) -> tuple[Path, str]:
    loaded = load(args, root)
    rel = str(loaded.policy.domain("models").get("lock", "chainward.lock"))
    return root / rel, rel


def _collect(root: Path, target: Path, lock_file: Path) -> dict[Path, str]:
    """Every regular file of a model with its path relative to the root (a file, or a
    folder whose symlinked subfolders inside the repository are followed; a symlink
    leaving it is refused). The lock itself is never part of a model."""
    from chainward.models.verify import escape_reason, walk_model_files

    rel = to_relative(target, root)
    reason = escape_reason(root, rel)
    if reason is not None:
        raise InputError(f"refused: {reason}", where=str(target))
    lock_rel = to_relative(lock_file, root)
    if target.is_file():
        if rel == lock_rel:
            raise InputError("refused: this is the model lock itself", where=str(target))
        return {target: rel}
    if not target.is_dir():
        raise InputError("no such file or directory", where=str(target))
    out: dict[Path, str] = {}
    base = "" if rel in ("", ".") else rel
    for path, refusal in walk_model_files(root, base, skip=frozenset({lock_rel})):
        if refusal is not None:
            raise InputError(f"refused: {refusal}", where=path)
        out[root / path] = path
    return out


def cmd_lock(args: argparse.Namespace) -> int:
    """Hash the given models into the lock (other models in it are kept)."""
    from chainward.inventory.model_lock import (
        COMMIT_RE,
        LockedFile,
        LockedModel,
        ModelLock,
        dump_lock,
        load_lock,
    )
    from chainward.models.hashing import (
        HashStats,
        StatCache,
        default_cache_path,
        hash_files,
        tty_progress,
    )
    from chainward.models.lock import merge_models

    root = folder(args.root)
    lock_file, _ = _lock_path(args, root)
    if args.name and len(args.paths) > 1:
        raise UsageError("--name needs exactly one PATH")
    hf_source = bool(args.source and args.source.startswith("hf://"))
    if args.revision and hf_source and not COMMIT_RE.match(args.revision):
        raise UsageError(
            f"revision {args.revision!r} is not a full 40-hex commit",
            hint="copy the commit from the hub's 'Files and versions' history",
        )
    existing = load_lock(lock_file) if lock_file.is_file() else ModelLock()
    by_name = {m.name: m for m in existing.models}
    cache = None if args.no_cache else StatCache.load(default_cache_path(root))
    stats = HashStats()
    started = time.perf_counter()
    models: list[LockedModel] = []
    names = [args.name or (Path(to_relative(t, root)).name or "model") for t in args.paths]
    if len(set(names)) != len(names):
        raise UsageError(
            "two paths would get the same model name",
            hint="lock them one at a time with --name",
        )
    for target in args.paths:
        files = _collect(root, target, lock_file)
        rel_dir = to_relative(target, root)
        name = args.name or (Path(rel_dir).name or "model")
        digests = hash_files(
            list(files), cache=cache, progress=tty_progress(sys.stderr), stats=stats
        )
        locked_files = tuple(
            sorted(
                (LockedFile(files[p], d.size, d.sha256) for p, d in digests.items()),
                key=lambda f: f.path,
            )
        )
        previous = by_name.get(name)
        signature = previous.signature if previous else None
        if args.signature:
            signature = _signature_from_args(args, root)
        models.append(
            LockedModel(
                name=name,
                source=args.source or (previous.source if previous else rel_dir),
                revision=args.revision or (previous.revision if previous else None),
                files=locked_files,
                signature=signature,
                path=rel_dir,
            )
        )
    merged = merge_models(existing, models)
    write_atomic(lock_file, dump_lock(merged))
    if cache is not None:
        cache.save()
    if not args.quiet:
        elapsed = time.perf_counter() - started
        count = sum(len(m.files) for m in models)
        sys.stderr.write(
            f"locked {count} files of {len(models)} model(s) into {lock_file} "
            f"({stats.hashed_bytes / 2**20:.1f} MiB hashed, {stats.cached_files} from the "
            f"cache, {elapsed:.2f}s)\n"
        )
    return 0


def _signature_from_args(args: argparse.Namespace, root: Path) -> ModelSignature:
    from chainward.inventory.model_lock import ModelSignature

    if args.signature_identity or args.signature_issuer:
        method = "sigstore"
    elif args.signature_certificate_chain:
        method = "certificate"
    elif args.signature_key:
        method = "key"
    else:
        raise UsageError(
            "--signature needs --signature-key, --signature-certificate-chain, or "
            "--signature-identity with --signature-issuer"
        )
    if method == "sigstore" and not (args.signature_identity and args.signature_issuer):
        raise UsageError("--signature-identity and --signature-issuer go together")
    return ModelSignature(
        bundle=to_relative(args.signature, root),
        method=method,
        key=to_relative(args.signature_key, root) if args.signature_key else None,
        certificate_chain=tuple(to_relative(c, root) for c in args.signature_certificate_chain),
        identity=args.signature_identity,
        issuer=args.signature_issuer,
    )


def cmd_verify(args: argparse.Namespace) -> int:
    """Verify the tree against the lock and report findings."""
    from chainward.engine import apply_policy
    from chainward.inventory.model_lock import LockError, parse_lock
    from chainward.models.hashing import StatCache, default_cache_path, tty_progress
    from chainward.models.verify import signature_verifier, verify_lock

    root = folder(args.root)
    loaded = load(args, root)
    lock_file, lock_rel = _lock_path(args, root)
    if not lock_file.is_file():
        if args.missing_ok:
            return emit([], args, loaded, scanned=0)
        raise InputError(
            "no model lock here",
            where=str(lock_file),
            hint="create it with `chainward models lock PATH`",
        )
    from chainward.inventory.model_lock import MAX_LOCK_BYTES

    data = read_bounded(lock_file, MAX_LOCK_BYTES, what="the model lock", limit_text="32 MiB")
    text = data.decode("utf-8", "replace")
    try:
        lock = parse_lock(text, str(lock_file))
    except LockError as exc:
        raise InputError(exc.message, where=str(lock_file), hint=exc.hint) from None
    cache = None if args.no_cache else StatCache.load(default_cache_path(root))
    verify_signatures = not args.no_signatures and bool(
        loaded.policy.domain("models").get("verify-signatures", True)
    )
    result = verify_lock(
        root,
        lock,
        lock_rel=lock_rel,
        lock_text=text,
        cache=cache,
        progress=tty_progress(sys.stderr),
        verify_signature=signature_verifier(args.trust_config) if verify_signatures else None,
    )
    if cache is not None:
        cache.save()
    findings = apply_policy(result.findings, loaded.policy, root)
    return emit(findings, args, loaded, scanned=result.checked_files)


def cmd_sign(args: argparse.Namespace) -> int:
    """Sign a model with a local private key."""
    from chainward.models.signatures import sign_model_with_key

    model: Path = args.path
    if not model.exists():
        raise InputError("no such file or directory", where=str(model))
    if not args.key.is_file():
        raise InputError("no such key file", where=str(args.key))
    bundle: Path = args.bundle or model.with_name(model.name + ".sig")
    sign_model_with_key(model, bundle, args.key, ignore=args.ignore)
    if not args.quiet:
        sys.stderr.write(
            f"signed {model} into {bundle}\n"
            f"  record it: chainward models lock {model} --signature {bundle} "
            "--signature-key <public key>\n"
        )
    return 0
