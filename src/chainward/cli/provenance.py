"""``chainward attest`` and ``chainward verify-attestation``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainward.cli.commands import folder
from chainward.cli.common import emit, load
from chainward.cli.signing import (
    BUNDLE_SUFFIXES,
    add_path_options,
    attestation_beside,
    load_signing_key,
    model_lock_path,
    need,
    valid_bom,
    wants_keyless,
)
from chainward.core.errors import InputError, UsageError
from chainward.core.findings import Finding

if TYPE_CHECKING:
    from chainward.cli.commands import Commands
    from chainward.core.attestation import Artifact


def register(commands: Commands) -> None:
    """Add the attest and verify-attestation subcommands."""
    attest = commands.add("attest", cmd_attest)
    attest.add_argument("subjects", nargs="+", metavar="SUBJECT", help="files or globs")
    how = attest.add_mutually_exclusive_group()
    how.add_argument(
        "--key",
        type=Path,
        metavar="PRIVATE.pem",
        help="sign with this PEM private key (ECDSA P-256/P-384 or Ed25519); "
        "an encrypted key's passphrase comes from CHAINWARD_KEY_PASSWORD",
    )
    how.add_argument(
        "--sigstore",
        action="store_true",
        help="sign keylessly with Sigstore using the GitHub Actions OIDC token "
        "(the default inside GitHub Actions)",
    )
    how.add_argument(
        "--no-sign",
        action="store_true",
        help="only write the unsigned statement (see --statement)",
    )
    add_path_options(
        attest,
        (
            (
                "--trust-config",
                "FILE",
                "keyless signing against a private Sigstore instance: its ClientTrustConfig "
                "(trusted root and signing config) JSON",
            ),
            ("--statement", "FILE", "also write the unsigned statement (JSON) to FILE"),
            ("--out-dir", "DIR", "write attestations into DIR instead of next to each subject"),
        ),
    )
    attest.add_argument(
        "--bom",
        action="store_true",
        help="also attest the CycloneDX AI BOM (predicate https://cyclonedx.org/bom), "
        "signed the same way, as SUBJECT.cdx.intoto.jsonl or SUBJECT.cdx.sigstore.json",
    )
    add_path_options(
        attest,
        (
            (
                "--root",
                "DIR",
                "the repository whose source, dependencies and model lock are recorded "
                "(default: the git work tree of the current folder)",
            ),
        ),
    )

    verify = commands.add("verify-attestation", cmd_verify_attestation)
    verify.add_argument("artifacts", nargs="+", type=Path, metavar="ARTIFACT")
    add_path_options(
        verify,
        (
            (
                "--bundle",
                "FILE",
                "the bundle, DSSE envelope (.intoto.jsonl) or JSON Lines of bundles "
                "(default: ARTIFACT.sigstore.json or ARTIFACT.intoto.jsonl next to it)",
            ),
            ("--key", "PUBLIC.pem", "verify with this PEM public key"),
        ),
    )
    for flag, metavar, text in (
        ("--cert-identity", "SAN", "the signer's exact identity"),
        (
            "--cert-identity-regexp",
            "REGEX",
            "a regular expression the signer's identity must match as a whole",
        ),
        ("--cert-oidc-issuer", "URL", "the signer's exact OIDC issuer"),
        (
            "--repository",
            "OWNER/REPO",
            "the source repository the certificate and the provenance must name",
        ),
        (
            "--signer-workflow",
            "OWNER/REPO/PATH",
            "the workflow that must have signed, e.g. acme/app/.github/workflows/release.yml",
        ),
        ("--builder-id", "URI", "the SLSA builder id required"),
    ):
        verify.add_argument(flag, metavar=metavar, help=text)
    verify.add_argument(
        "--predicate-type",
        action="append",
        metavar="URI",
        help="accepted predicate type (repeatable; default: the policy's, SLSA provenance v1)",
    )
    verify.add_argument(
        "--any-predicate-type", action="store_true", help="accept any predicate type"
    )
    add_path_options(
        verify,
        (
            (
                "--trusted-root",
                "FILE",
                "a Sigstore trusted root to use instead of the pinned public-good root "
                "(for private Sigstore instances)",
            ),
            (
                "--pypi-provenance",
                "FILE",
                "a saved PyPI provenance response (PEP 740) for the wheel or sdist ARTIFACT",
            ),
            (
                "--verified-statements",
                "FILE",
                "write the statements that verified (JSON, by artifact), e.g. to read which "
                "models and AI dependencies went into a release",
            ),
            (
                "--bom-bundle",
                "FILE",
                "the BOM attestation to verify too (default: ARTIFACT.cdx.intoto.jsonl or "
                "ARTIFACT.cdx.sigstore.json when present)",
            ),
            (
                "--model-root",
                "DIR",
                "where the BOM's model files are hashed and compared (default: .)",
            ),
        ),
    )


# --- attest --------------------------------------------------------------------------


def _repo_root(given: Path | None) -> Path:
    if given is not None:
        return folder(given)
    from chainward.core.git import repo_toplevel

    return repo_toplevel(Path.cwd()) or Path.cwd()


def cmd_attest(args: argparse.Namespace) -> int:
    """Build the statement, sign it, and write one attestation per subject."""
    from chainward.provenance.environment import detect_environment
    from chainward.provenance.sign import (
        BUNDLE_SUFFIX,
        ENVELOPE_SUFFIX,
        output_path,
        sign_keyless,
        sign_with_key,
        statement_bytes,
        write_output,
    )
    from chainward.provenance.statement import (
        build_predicate,
        build_statement,
        collect_inputs,
        expand_subjects,
    )

    formats = {fmt for fmt, _ in getattr(args, "outputs", None) or [["text", None]]}
    if not formats <= {"text", "json"}:
        raise UsageError(f"attest writes text or json, not {', '.join(sorted(formats))}")
    root = _repo_root(args.root)
    loaded = load(args, root)
    keyless = wants_keyless(args.sigstore, args.key, args.no_sign)
    if not (args.key or keyless or args.no_sign):
        raise UsageError(
            "no way to sign here",
            hint="pass --key PRIVATE.pem, run in GitHub Actions with `id-token: write`, "
            "or use --no-sign --statement FILE",
        )
    if args.key:
        need("cryptography")
    if keyless:
        need("sigstore")
    private_key = load_signing_key(args.key) if args.key else None
    token = None
    if keyless and args.offline:
        raise UsageError(
            "keyless Sigstore signing needs the network (an OIDC token, Fulcio, Rekor), "
            "and --offline was given",
            hint="sign with --key PRIVATE.pem, use --no-sign, or drop --offline",
        )
    if keyless:
        from chainward.provenance.oidc import actions_id_token

        token = actions_id_token()

    subjects = expand_subjects(args.subjects, Path.cwd())
    lock = model_lock_path(root, loaded.policy)
    inputs = collect_inputs(root, loaded.policy, lock)
    claims = None
    if token is not None:
        from chainward.provenance.oidc import jwt_claims

        claims = jwt_claims(token)
    environment = detect_environment(root, claims=claims)
    statement = build_statement(subjects, build_predicate(environment, inputs))
    if not args.quiet:
        for note in inputs.notes:
            sys.stderr.write(f"chainward: note: {note}\n")
    if args.statement:
        write_output(args.statement, json.dumps(statement, indent=2, sort_keys=True) + "\n")
    written: list[str] = []
    if private_key is not None:
        text, suffix = sign_with_key(statement, private_key), ENVELOPE_SUFFIX
    elif token is not None:
        text, suffix = sign_keyless(statement, token, args.trust_config), BUNDLE_SUFFIX
    else:
        text, suffix = "", ""
    bom_text = ""
    if args.bom:
        from chainward.provenance.bom import build_bom
        from chainward.provenance.bom_inputs import collect_bom_inputs
        from chainward.provenance.release import bom_statement

        bom_inputs = collect_bom_inputs(root, loaded.policy, lock)
        bom = bom_statement(subjects, valid_bom(build_bom(bom_inputs)))
        if private_key is not None:
            bom_text = sign_with_key(bom, private_key)
        elif token is not None:
            bom_text = sign_keyless(bom, token, args.trust_config)
    if text:
        for subject in subjects:
            target = output_path(subject.path, suffix, args.out_dir)
            write_output(target, text)
            written.append(str(target))
            if bom_text:
                bom_target = output_path(subject.path, ".cdx" + suffix, args.out_dir)
                write_output(bom_target, bom_text)
                written.append(str(bom_target))
    _print_attest(args, statement, written, len(statement_bytes(statement)))
    return 0


def _print_attest(
    args: argparse.Namespace, statement: dict[str, Any], written: list[str], size: int
) -> None:
    """The written paths (text: one per line; json: paths and statement), per --format."""
    from chainward.core.atomic import write_atomic

    outputs = getattr(args, "outputs", None) or [["text", None]]
    for fmt, target in outputs:
        if fmt == "json":
            report = {"version": 1, "attestations": written, "statement": statement}
            text = json.dumps(report, indent=2) + "\n"
        else:
            text = "".join(path + "\n" for path in written)
        if target is None:
            sys.stdout.write(text)
        else:
            try:
                write_atomic(Path(target), text)
            except OSError as exc:
                raise UsageError(f"cannot write output: {exc.strerror}", where=target) from None
    if not args.quiet:
        deps = statement["predicate"]["buildDefinition"]["resolvedDependencies"]
        sys.stderr.write(
            f"chainward: attested {len(statement['subject'])} subject(s) with "
            f"{len(deps)} resolved dependencies ({size} bytes)\n"
        )


# --- verify-attestation --------------------------------------------------------------


def _bundle_for(artifact: Path, given: Path | None) -> Path:
    found = given or attestation_beside(artifact)
    if found is not None:
        return found
    raise InputError(
        "no attestation found next to the artifact",
        where=str(artifact),
        hint="pass --bundle FILE (looked for " + ", ".join(BUNDLE_SUFFIXES) + ")",
    )


def _policy(args: argparse.Namespace, table: Any) -> Any:
    from chainward.core.attestation import Policy

    identity_regexp = args.cert_identity_regexp
    if args.cert_identity and args.cert_identity_regexp:
        raise UsageError("give --cert-identity or --cert-identity-regexp, not both")
    if not args.cert_identity and not identity_regexp:
        identity_regexp = table.get("cert-identity-regexp") or None
    if identity_regexp:
        import re

        try:
            re.compile(identity_regexp)
        except re.error as exc:
            raise UsageError(f"--cert-identity-regexp is not a valid regex: {exc}") from None
    if args.any_predicate_type:
        predicate_types = None
    else:
        predicate_types = tuple(args.predicate_type or table.get("predicate-types") or ()) or None
    return Policy(
        identity=args.cert_identity,
        identity_regexp=identity_regexp,
        issuer=args.cert_oidc_issuer or table.get("cert-oidc-issuer") or None,
        repository=args.repository or table.get("repository") or None,
        signer_workflow=args.signer_workflow,
        builder_id=args.builder_id,
        predicate_types=predicate_types,
    )


def _verify_companions(
    args: argparse.Namespace,
    artifact: Path,
    subject: Artifact,
    policy: Any,
    key: Any,
    results: list[Any],
) -> Any:
    """A failed Result when the BOM beside the artifact, or a verified VSA, says no.

    The BOM attestation (``--bom-bundle``, or ``ARTIFACT.cdx.*`` beside it) must verify
    with the same signer policy, and its model files must match the files under
    ``--model-root``. A verified VSA must say PASSED. ``subject`` is the artifact as
    the provenance was verified against it: its digests are not computed again.
    """
    from chainward.core.attestation import Result
    from chainward.provenance.release import (
        BOM_INFIX,
        VSA_PREDICATE_TYPE,
        companion_path,
        verify_bom,
        vsa_problem,
    )

    for result in results:
        statement = result.statement
        if result.verified and statement and statement.get("predicateType") == VSA_PREDICATE_TYPE:
            problem = vsa_problem(statement)
            if problem:
                return Result(False, problem, "vsa", statement=statement)
    if args.bundle is not None and args.bom_bundle is None:
        return None
    bom_bundle = args.bom_bundle or companion_path(artifact, BOM_INFIX, BUNDLE_SUFFIXES)
    if bom_bundle is None:
        return None
    bom = verify_bom(
        bom_bundle,
        subject,
        policy,
        key=key,
        trusted_root_path=args.trusted_root,
        model_root=args.model_root or Path(),
    )
    if not args.quiet and bom.verified:
        sys.stderr.write(f"chainward: verified {bom_bundle}: {bom.reason}\n")
    return None if bom.verified else bom


def cmd_verify_attestation(args: argparse.Namespace) -> int:
    """Verify each artifact's attestation and report the ones that do not verify."""
    from chainward.core.attestation import Artifact, Result
    from chainward.core.files import to_relative
    from chainward.provenance.meta import UNVERIFIED_ATTESTATION_CHECK
    from chainward.provenance.verify import verify_file

    root = Path()
    loaded = load(args, root)
    policy = _policy(args, loaded.policy.domain("provenance"))
    need("cryptography", "sigstore", *(["pypi_attestations"] if args.pypi_provenance else []))
    key = None
    if args.key:
        from chainward.provenance.keys import load_public_key

        key = load_public_key(args.key)
        if args.cert_identity or args.cert_identity_regexp:
            raise UsageError("give --key or a certificate identity policy, not both")
    if args.pypi_provenance and (args.bundle or key):
        raise UsageError("--pypi-provenance replaces --bundle and --key")
    findings: list[Finding] = []
    verified: dict[str, list[Any]] = {}
    for artifact in args.artifacts:
        if not artifact.is_file():
            raise InputError("no such file", where=str(artifact))
        rel = to_relative(artifact, root)
        if args.pypi_provenance is not None:
            from chainward.provenance.pep740 import verify_pypi

            results: list[Result] = verify_pypi(
                artifact,
                args.pypi_provenance,
                repository=policy.repository,
                identity_policy=policy,
                trusted_root_path=args.trusted_root,
            )
            ok = all(r.verified for r in results)
            source = str(args.pypi_provenance)
        else:
            bundle = _bundle_for(artifact, args.bundle)
            subject = Artifact.from_path(artifact)  # hashed once, for its bundle and its BOM
            results = verify_file(
                bundle,
                subject,
                policy,
                key=key,
                trusted_root_path=args.trusted_root,
            )
            # JSON Lines may hold several attestations (e.g. provenance and SBOM): one
            # that verifies against the policy is enough.
            ok = any(r.verified for r in results)
            source = str(bundle)
            if ok:
                extra = _verify_companions(args, artifact, subject, policy, key, results)
                if extra is not None:
                    ok, results = False, [extra]
        if ok:
            verified[rel] = [r.statement for r in results if r.verified and r.statement]
            if not args.quiet:
                good = [r for r in results if r.verified]
                signer = next((r.signer for r in good if r.signer), None)
                by = f" (signed by {signer})" if signer else ""
                sys.stderr.write(f"chainward: verified {rel}: {good[0].reason}{by}\n")
            continue
        reasons = "; ".join(dict.fromkeys(r.reason for r in results if not r.verified))
        findings.append(
            UNVERIFIED_ATTESTATION_CHECK.finding(
                f"attestation {source} does not verify: {reasons}",
                path=rel,
                fix="do not use this artifact; check that the attestation belongs to it and "
                "that the signer, repository and builder in the policy are right",
                properties={"bundle": source},
            )
        )
    if args.verified_statements is not None:
        from chainward.core.atomic import write_atomic

        report = {"version": 1, "statements": verified}
        try:
            write_atomic(args.verified_statements, json.dumps(report, indent=2) + "\n")
        except OSError as exc:
            raise UsageError(
                f"cannot write: {exc.strerror}", where=str(args.verified_statements)
            ) from None
    return emit(findings, args, loaded, scanned=len(args.artifacts))
