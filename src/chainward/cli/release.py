"""``chainward bom`` and ``chainward verify-release``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainward.cli import signing
from chainward.cli.commands import folder
from chainward.cli.common import emit, load
from chainward.core.errors import InputError, UsageError
from chainward.core.findings import Finding

if TYPE_CHECKING:
    from chainward.cli.commands import Commands

Signer = Callable[[Mapping[str, Any]], tuple[str, str]]


def register(commands: Commands) -> None:
    """Add the bom and verify-release subcommands."""
    bom = commands.add("bom", cmd_bom, common=False)
    bom.add_argument(
        "--format",
        choices=("cyclonedx", "spdx"),
        default="cyclonedx",
        help="cyclonedx (JSON, spec 1.7); spdx (3.0.1 JSON-LD) is not available yet",
    )
    bom.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE")
    bom.add_argument("--root", type=Path, metavar="DIR", help="the repository (default: .)")
    bom.add_argument("--config", type=Path, metavar="FILE", help="policy file")
    bom.add_argument("-q", "--quiet", action="store_true", help="no notes on standard error")
    bom.add_argument("-v", "--verbose", action="store_true", help="show tracebacks")

    release = commands.add("verify-release", cmd_verify_release)
    release.add_argument("artifacts", nargs="+", type=Path, metavar="ARTIFACT")
    signing.add_path_options(
        release,
        (
            ("--bundle", "FILE", "the provenance attestation (default: beside)"),
            (
                "--bom-bundle",
                "FILE",
                "the BOM attestation (default: ARTIFACT.cdx.intoto.jsonl or .cdx.sigstore.json)",
            ),
            (
                "--key",
                "PUBLIC.pem",
                "verify the attestations with this public key (default: the policy's key)",
            ),
            ("--trusted-root", "FILE", "Sigstore trusted root"),
            (
                "--model-root",
                "DIR",
                "where the BOM's model files are checked (default: the current folder)",
            ),
        ),
    )
    how = release.add_mutually_exclusive_group()
    how.add_argument(
        "--sign-key", type=Path, metavar="PRIVATE.pem", help="sign the VSA with this key"
    )
    how.add_argument(
        "--sigstore", action="store_true", help="sign the VSA keylessly (GitHub Actions)"
    )
    how.add_argument("--no-sign", action="store_true", help="write the VSA unsigned")
    signing.add_path_options(
        release,
        (
            ("--trust-config", "FILE", "ClientTrustConfig for keyless signing"),
            ("--vsa-dir", "DIR", "write the VSAs into DIR (default: beside)"),
        ),
    )
    release.add_argument(
        "--resource-uri",
        metavar="URI",
        help="the VSA's resourceUri (default: the artifact's file name)",
    )


# --- bom -------------------------------------------------------------------------------


def cmd_bom(args: argparse.Namespace) -> int:
    """Write the CycloneDX BOM of the repository."""
    from chainward.core.atomic import write_atomic
    from chainward.provenance.bom import bom_json, build_bom
    from chainward.provenance.bom_inputs import collect_bom_inputs

    if args.format == "spdx":
        raise UsageError(
            "SPDX 3.0.1 output is not available: chainward validates every BOM against its "
            "official schema, and no copy of the SPDX 3.0.1 JSON schema ships in a package "
            "chainward can depend on",
            hint="use --format cyclonedx (CycloneDX 1.7)",
        )
    try:
        import cyclonedx  # noqa: F401  (only to check that it is installed)
    except ImportError:
        raise UsageError(
            "chainward bom needs cyclonedx-python-lib, from chainward's bom extra",
            hint="pip install 'chainward[bom]'",
        ) from None
    root = folder(args.root or Path())
    loaded = load(args, root)
    lock = signing.model_lock_path(root, loaded.policy)
    document = signing.valid_bom(build_bom(collect_bom_inputs(root, loaded.policy, lock)))
    text = bom_json(document)
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            write_atomic(args.output, text)
        except OSError as exc:
            raise UsageError(f"cannot write: {exc.strerror}", where=str(args.output)) from None
    if not args.quiet:
        kinds: dict[str, int] = {}
        for component in document.get("components", []):
            kinds[component["type"]] = kinds.get(component["type"], 0) + 1
        summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "no components"
        sys.stderr.write(f"chainward: CycloneDX {document['specVersion']} BOM: {summary}\n")
    return 0


# --- verify-release -------------------------------------------------------------------


def _make_signer(args: argparse.Namespace) -> tuple[Signer | None, str]:
    """How the VSA is signed: (sign function or None for unsigned, how)."""
    from chainward.provenance.sign import (
        BUNDLE_SUFFIX,
        ENVELOPE_SUFFIX,
        sign_keyless,
        sign_with_key,
    )

    keyless = signing.wants_keyless(args.sigstore, args.sign_key, args.no_sign)
    if args.sign_key:
        key = signing.load_signing_key(args.sign_key)
        return (lambda statement: (sign_with_key(statement, key), ENVELOPE_SUFFIX)), "key"
    if keyless:
        if args.offline:
            raise UsageError(
                "keyless signing needs the network and --offline was given",
                hint="sign the VSA with --sign-key PRIVATE.pem or use --no-sign",
            )
        from chainward.provenance.oidc import actions_id_token

        token = actions_id_token()
        trust = args.trust_config
        return (lambda statement: (sign_keyless(statement, token, trust), BUNDLE_SUFFIX)), "keyless"
    if args.no_sign:
        return None, "unsigned"
    raise UsageError(
        "no way to sign the VSA here",
        hint="pass --sign-key PRIVATE.pem, run in GitHub Actions with `id-token: write`, "
        "or use --no-sign",
    )


def _sha256_file(path: Path) -> str:
    from chainward.provenance.statement import sha256_file

    try:
        return sha256_file(path)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", where=str(path)) from None


def cmd_verify_release(args: argparse.Namespace) -> int:
    """Check each artifact against the release policy and write its VSA."""
    from chainward.core.attestation import SLSA_PROVENANCE_V1, Artifact, Policy, Result
    from chainward.core.files import to_relative
    from chainward.provenance.release import (
        BOM_INFIX,
        VSA_INFIX,
        Evidence,
        ReleasePolicy,
        build_vsa,
        companion_path,
        evaluate_release,
        verify_bom,
    )
    from chainward.provenance.release_meta import RELEASE_POLICY_VIOLATION_CHECK
    from chainward.provenance.sign import write_output
    from chainward.provenance.statement import Subject
    from chainward.provenance.verify import verify_file

    root = Path()
    loaded = load(args, root)
    release = ReleasePolicy.from_table(loaded.policy.domain("release"))
    signing.need("cryptography", "sigstore")
    key_path = args.key or (Path(release.key) if release.key else None)
    identity = release.identity_regexp()
    if key_path is None and identity is None:
        raise UsageError(
            "the release policy names no builder",
            hint="set repository (and workflow, ref) in [tool.chainward.release] for "
            "keyless releases, or key = 'PUBLIC.pem' for key-signed ones",
        )
    key = None
    if key_path is not None:
        from chainward.provenance.keys import load_public_key

        key = load_public_key(key_path)
    policy = Policy(
        identity_regexp=None if key else identity,
        issuer=None if key else release.issuer,
        repository=release.repository or None,
        predicate_types=(SLSA_PROVENANCE_V1,),
    )
    signer, how = _make_signer(args)
    policy_source = loaded.policy.source
    policy_uri = (
        f"{to_relative(policy_source, root)}#release"
        if policy_source is not None
        else "chainward:default-release-policy"
    )
    model_root = args.model_root or root
    findings: list[Finding] = []
    for path in args.artifacts:
        artifact = Artifact.from_path(path)
        rel = to_relative(path, root)
        inputs: list[tuple[str, str]] = []
        provenance: Result | None = None
        bundle = args.bundle or signing.attestation_beside(path)
        if bundle is not None:
            inputs.append((to_relative(bundle, root), _sha256_file(bundle)))
            results = verify_file(
                bundle, artifact, policy, key=key, trusted_root_path=args.trusted_root
            )
            provenance = next((r for r in results if r.verified), None) or results[0]
        bom_bundle = args.bom_bundle or companion_path(path, BOM_INFIX, signing.BUNDLE_SUFFIXES)
        bom: Result | None = None
        if bom_bundle is not None:
            inputs.append((to_relative(bom_bundle, root), _sha256_file(bom_bundle)))
            bom = verify_bom(
                bom_bundle,
                artifact,
                policy,
                key=key,
                trusted_root_path=args.trusted_root,
                model_root=model_root,
            )
        evidence = Evidence(provenance, bom, keyless=key is None, inputs=tuple(inputs))
        verdict = evaluate_release(evidence, release)
        subject = Subject(path.name, artifact.sha256, path.resolve())
        vsa = build_vsa(
            subject,
            verdict,
            release,
            evidence,
            policy_uri=policy_uri,
            resource_uri=args.resource_uri or path.name,
        )
        if signer is not None:
            text, suffix = signer(vsa)
        else:
            text, suffix = json.dumps(vsa, indent=2) + "\n", ".json"
        target_dir = args.vsa_dir or path.parent
        target = target_dir / (path.name + VSA_INFIX + suffix)
        write_output(target, text)
        if not args.quiet:
            result = vsa["predicate"]["verificationResult"]
            levels = ", ".join(vsa["predicate"]["verifiedLevels"])
            sys.stderr.write(f"chainward: {rel}: {result} ({levels}); {how} VSA {target}\n")
        findings.extend(
            RELEASE_POLICY_VIOLATION_CHECK.finding(
                f"release policy not met: {violation}",
                path=rel,
                fix="do not publish this artifact; rebuild it with the builder, models and "
                "attestations [tool.chainward.release] requires, or change the policy",
                properties={"vsa": str(target)},
            )
            for violation in verdict.violations
        )
    return emit(findings, args, loaded, scanned=len(args.artifacts))
