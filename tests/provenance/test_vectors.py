"""Every vector of MANIFEST.json gives the expected verdict, through the CLI, offline.

The expectations are sigstore-python's except where chainward does better: the npm
bundle with a Rekor ``intoto/0.0.2`` entry (``sigstore-js-2.1.0-bundle.json``) verifies.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parent.parent / "data" / "provenance"
MANIFEST = json.loads((DATA / "MANIFEST.json").read_text())
GH = "https://token.actions.githubusercontent.com"
ANY = "--any-predicate-type"

# chainward's verdicts (True = verified) for the five real-world bundles.
EXPECTED = {
    "rfc8785-0.1.2-py3-none-any.whl.sigstore.json": True,
    "reusable-workflow-attestation.sigstore.json": True,
    "custom-issuer.sigstore.json": True,
    "sigstore-js-2.1.0-bundle.json": True,  # sigstore-python: fails (intoto/0.0.2)
    "github_provenance_demo-0.0.12-py3-none-any-bundle.jsonl": False,  # GitHub's private root
}


def _bundle_cases() -> list[dict[str, Any]]:
    return list(MANIFEST["sigstore_bundles"])


@pytest.mark.parametrize("case", _bundle_cases(), ids=lambda c: Path(c["bundle"]).name)
def test_sigstore_bundle_verdict(case: dict[str, Any], cli: Any) -> None:
    result = cli(
        "verify-attestation",
        str(DATA / case["artifact"]),
        "--bundle",
        str(DATA / case["bundle"]),
        "--cert-identity",
        case["identity"],
        "--cert-oidc-issuer",
        case["issuer"],
        ANY,
    )
    want = EXPECTED[Path(case["bundle"]).name]
    assert result.code == (0 if want else 1), result.out + result.err
    if not want:
        assert "private Sigstore instance" in result.out


@pytest.mark.parametrize(
    "case",
    [c for c in _bundle_cases() if EXPECTED[Path(c["bundle"]).name]],
    ids=lambda c: Path(c["bundle"]).name,
)
@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"--repository": "evil/repository"}, "source repository"),
        ({"--cert-oidc-issuer": GH + "/evil"}, "OIDC issuer"),
        (
            {
                "--cert-identity": "https://github.com/evil/x/.github/workflows/r.yml@refs/heads/main"
            },
            "certificate identity",
        ),
        ({"artifact": "other"}, "digest"),
    ],
    ids=["wrong-repository", "wrong-issuer", "wrong-identity", "wrong-artifact"],
)
def test_negative_policies_fail(
    case: dict[str, Any], change: dict[str, str], reason: str, cli: Any, tmp_path: Path
) -> None:
    options = {"--cert-identity": case["identity"], "--cert-oidc-issuer": case["issuer"]}
    artifact = DATA / case["artifact"]
    if "artifact" in change:
        artifact = tmp_path / artifact.name
        data = bytearray((DATA / case["artifact"]).read_bytes())
        data[len(data) // 2] ^= 0x01  # one changed byte
        artifact.write_bytes(bytes(data))
    options.update({k: v for k, v in change.items() if k.startswith("--")})
    argv = ["verify-attestation", str(artifact), "--bundle", str(DATA / case["bundle"]), ANY]
    for key, value in options.items():
        argv += [key, value]
    result = cli(*argv)
    assert result.code == 1, result.out + result.err
    assert reason in result.out


def test_custom_issuer_rejects_the_plain_github_issuer(cli: Any) -> None:
    base = DATA / "github-attestations"
    result = cli(
        "verify-attestation",
        str(base / "custom-issuer-artifact"),
        "--bundle",
        str(base / "custom-issuer.sigstore.json"),
        "--cert-identity",
        "https://github.com/too-legit/attest/.github/workflows/integration.yml@refs/heads/main",
        "--cert-oidc-issuer",
        GH,
    )
    assert result.code == 1
    assert "hammer-time" in result.out


def test_slsa_content_policy_on_real_github_provenance(cli: Any) -> None:
    """The reusable-workflow attestation: predicate type, builder and source repository."""
    base = DATA / "github-attestations"
    common = [
        "verify-attestation",
        str(base / "reusable-workflow-artifact"),
        "--bundle",
        str(base / "reusable-workflow-attestation.sigstore.json"),
        "--cert-identity-regexp",
        r"https://github\.com/github/artifact-attestations-workflows/\.github/workflows/attest\.yml@.*",
        "--cert-oidc-issuer",
        GH,
    ]
    ok = cli(
        *common,
        "--repository",
        "malancas/attest-demo",
        "--builder-id",
        "https://github.com/actions/runner/github-hosted",
        "--signer-workflow",
        "github/artifact-attestations-workflows/.github/workflows/attest.yml",
    )
    assert ok.code == 0, ok.out + ok.err
    wrong_builder = cli(*common, "--builder-id", "https://github.com/evil/runner")
    assert wrong_builder.code == 1
    assert "builder is https://github.com/actions/runner/github-hosted" in wrong_builder.out
    wrong_type = cli(*common, "--predicate-type", "https://spdx.dev/Document")
    assert wrong_type.code == 1
    assert "predicate type" in wrong_type.out
    wrong_signer = cli(*common, "--signer-workflow", "evil/repo/.github/workflows/attest.yml")
    assert wrong_signer.code == 1
    # An anchored regex: a prefix of the identity is not enough.
    prefix = cli(*common[:5], "https://github\\.com/github", *common[6:])
    assert prefix.code == 1


def test_npm_intoto_bundle_checks_content(cli: Any) -> None:
    """The intoto/0.0.2 bundle verifies with its SLSA content (subject digest is sha512)."""
    base = DATA / "github-attestations"
    result = cli(
        "verify-attestation",
        str(base / "sigstore-js-2.1.0.tgz"),
        "--bundle",
        str(base / "sigstore-js-2.1.0-bundle.json"),
        "--cert-identity",
        "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main",
        "--cert-oidc-issuer",
        GH,
        "--repository",
        "sigstore/sigstore-js",
        "--format",
        "json",
    )
    assert result.code == 0, result.out + result.err
    assert json.loads(result.out)["findings"] == []


def test_tampered_intoto_log_entry_is_rejected(tmp_path: Path) -> None:
    """Editing the intoto entry body breaks the SET; editing the envelope breaks the body."""
    import base64

    from chainward.core.attestation import Artifact, Policy
    from chainward.provenance.verify import verify_file

    base = DATA / "github-attestations"
    bundle = json.loads((base / "sigstore-js-2.1.0-bundle.json").read_text())
    artifact = Artifact.from_path(base / "sigstore-js-2.1.0.tgz")
    policy = Policy(
        identity="https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main",
        issuer=GH,
    )
    entry = bundle["verificationMaterial"]["tlogEntries"][0]
    body = json.loads(base64.b64decode(entry["canonicalizedBody"]))
    body["spec"]["content"]["payloadHash"]["value"] = "0" * 64
    edited = dict(bundle)
    edited["verificationMaterial"] = dict(bundle["verificationMaterial"])
    edited["verificationMaterial"]["tlogEntries"] = [
        {**entry, "canonicalizedBody": base64.b64encode(json.dumps(body).encode()).decode()}
    ]
    target = tmp_path / "edited.json"
    target.write_text(json.dumps(edited))
    [result] = verify_file(target, artifact, policy)
    assert not result.verified

    # A different but validly signed statement cannot ride on the logged entry.
    swapped = json.loads((base / "sigstore-js-2.1.0-bundle.json").read_text())
    payload = json.loads(base64.b64decode(swapped["dsseEnvelope"]["payload"]))
    payload["predicate"]["buildDefinition"]["externalParameters"]["workflow"]["repository"] = (
        "https://github.com/evil/sigstore-js"
    )
    swapped["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(payload).encode()).decode()
    target.write_text(json.dumps(swapped))
    [result] = verify_file(target, artifact, policy)
    assert not result.verified


def test_generated_local_key_vector_verifies(cli: Any, tmp_path: Path) -> None:
    [case] = MANIFEST["dsse_local_key"]
    result = cli(
        "verify-attestation",
        str(DATA / case["artifact"]),
        "--bundle",
        str(DATA / case["envelope"]),
        "--key",
        str(DATA / case["public_key_pem"]),
        "--repository",
        "acme/demo",
    )
    assert result.code == 0, result.out + result.err
    other = tmp_path / case["artifact"].split("/")[-1]
    shutil.copy(DATA / case["artifact"], other)
    with other.open("ab") as handle:
        handle.write(b"\0")
    changed = cli(
        "verify-attestation",
        str(other),
        "--bundle",
        str(DATA / case["envelope"]),
        "--key",
        str(DATA / case["public_key_pem"]),
    )
    assert changed.code == 1


# --- PEP 740 -------------------------------------------------------------------------


def test_pypi_provenance_verifies_and_wrong_repository_fails(cli: Any) -> None:
    base = DATA / "pep740"
    dist = str(base / "pypi_attestations-0.0.19.tar.gz")
    provenance = str(base / "pypi_attestations-0.0.19.tar.gz.provenance")
    ok = cli(
        "verify-attestation",
        dist,
        "--pypi-provenance",
        provenance,
        "--repository",
        "trailofbits/pypi-attestations",
    )
    assert ok.code == 0, ok.out + ok.err
    evil = cli(
        "verify-attestation",
        dist,
        "--pypi-provenance",
        provenance,
        "--repository",
        "evil/pypi-attestations",
    )
    assert evil.code == 1
    assert "expected evil/pypi-attestations" in evil.out


SINGLE_ATTESTATIONS = [
    (
        "pypi_attestations-0.0.19.tar.gz",
        "pypi_attestations-0.0.19.tar.gz.slsa.attestation",
        "https://github.com/trailofbits/pypi-attestations/.github/workflows/release.yml@refs/tags/v0.0.19",
        GH,
        "trailofbits/pypi-attestations",
    ),
    (
        "pypi_attestations-0.0.19.tar.gz",
        "pypi_attestations-0.0.19.tar.gz.publish.attestation",
        "https://github.com/trailofbits/pypi-attestations/.github/workflows/release.yml@refs/tags/v0.0.19",
        GH,
        None,
    ),
    (
        "gitlab_oidc_project-0.0.3.tar.gz",
        "gitlab_oidc_project-0.0.3.tar.gz.publish.attestation",
        "https://gitlab.com/facutuesca/gitlab-oidc-project//.gitlab-ci.yml@refs/heads/main",
        "https://gitlab.com",
        None,
    ),
    (
        "pypi_attestation_models-0.0.4a2.tar.gz",
        "pypi_attestation_models-0.0.4a2.tar.gz.attestation",
        "https://github.com/trailofbits/pypi-attestation-models/.github/workflows/release.yml@refs/tags/v0.0.4a2",
        GH,
        None,
    ),
]


@pytest.mark.parametrize(("dist", "attestation", "identity", "issuer", "repo"), SINGLE_ATTESTATIONS)
def test_single_pep740_attestations(
    dist: str, attestation: str, identity: str, issuer: str, repo: str | None, cli: Any
) -> None:
    base = DATA / "pep740"
    argv = [
        "verify-attestation",
        str(base / dist),
        "--pypi-provenance",
        str(base / attestation),
        "--cert-identity",
        identity,
        "--cert-oidc-issuer",
        issuer,
    ]
    if repo:
        argv += ["--repository", repo]
    ok = cli(*argv)
    assert ok.code == 0, ok.out + ok.err
    if repo:
        evil = cli(*argv[:-1], "evil/" + repo.split("/")[1])
        assert evil.code == 1


def test_pep740_subject_must_name_the_distribution(cli: Any, tmp_path: Path) -> None:
    base = DATA / "pep740"
    renamed = tmp_path / "other_project-0.0.19.tar.gz"
    shutil.copy(base / "pypi_attestations-0.0.19.tar.gz", renamed)
    result = cli(
        "verify-attestation",
        str(renamed),
        "--pypi-provenance",
        str(base / "pypi_attestations-0.0.19.tar.gz.slsa.attestation"),
        "--cert-identity",
        "https://github.com/trailofbits/pypi-attestations/.github/workflows/release.yml@refs/tags/v0.0.19",
        "--cert-oidc-issuer",
        GH,
    )
    assert result.code == 1
    assert "subject does not match distribution name" in result.out


def test_staging_attestation_needs_the_staging_root(cli: Any) -> None:
    argv = [
        "verify-attestation",
        str(DATA / "sigstore-python" / "rfc8785-0.1.2-py3-none-any.whl"),
        "--pypi-provenance",
        str(DATA / "pep740" / "rfc8785-0.1.2-py3-none-any.whl.publish.attestation"),
        "--cert-identity",
        "william@yossarian.net",
        "--cert-oidc-issuer",
        "https://github.com/login/oauth",
    ]
    production = cli(*argv)
    assert production.code == 1
    assert "certificate chain" in production.out
    staging = cli(
        *argv, "--trusted-root", str(DATA / "trust" / "sigstore-staging.trusted_root.json")
    )
    assert staging.code == 0, staging.out + staging.err
