"""``verify-release``: the release policy, PASSED and FAILED VSAs, signed and verified."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from chainward.core.attestation import Result
from chainward.provenance.release import (
    Evidence,
    ReleasePolicy,
    evaluate_release,
    model_allowed,
)
from tests.conftest import GitRepo
from tests.provenance.test_bom import ai_release  # noqa: F401  (fixture)
from tests.provenance.test_local_key import make_key

VSA = "https://slsa.dev/verification_summary/v1"


def _policy(repo: GitRepo, **keys: object) -> None:
    lines = ["[tool.chainward.release]"]
    for name, value in keys.items():
        lines.append(f"{name.replace('_', '-')} = {json.dumps(value)}")
    repo.write("pyproject.toml", "\n".join(lines) + "\n")


def _payload(path: Path) -> dict[str, Any]:
    envelope = json.loads(path.read_text())
    statement: dict[str, Any] = json.loads(base64.b64decode(envelope["payload"]))
    return statement


@pytest.fixture
def signed(ai_release: GitRepo, cli: Any, tmp_path: Path) -> tuple[GitRepo, Path, Path, Path]:  # noqa: F811
    """The release attested with provenance and BOM by one key; a second key signs VSAs."""
    private, public = make_key(tmp_path, "builder", "ec")
    vsa_private, vsa_public = make_key(tmp_path, "verifier", "ed25519")
    result = cli(
        "attest", "dist/app-1.0.tar.gz", "--key", str(private), "--bom", cwd=ai_release.path
    )
    assert result.code == 0, result.err
    return ai_release, public, vsa_private, vsa_public


def test_passed_vsa_has_the_required_fields_and_verifies(
    signed: tuple[GitRepo, Path, Path, Path], cli: Any
) -> None:
    repo, public, vsa_private, vsa_public = signed
    _policy(
        repo,
        key=str(public),
        allowed_hub_orgs=["acme-ai"],
        required_attestations=["provenance", "bom"],
    )
    artifact = repo.path / "dist" / "app-1.0.tar.gz"
    result = cli("verify-release", str(artifact), "--sign-key", str(vsa_private), cwd=repo.path)
    assert result.code == 0, result.out + result.err
    vsa_file = repo.path / "dist" / "app-1.0.tar.gz.vsa.intoto.jsonl"
    statement = _payload(vsa_file)
    assert statement["predicateType"] == VSA
    assert statement["subject"][0]["name"] == "app-1.0.tar.gz"
    predicate = statement["predicate"]
    for name in ("verifier", "timeVerified", "resourceUri", "policy", "verificationResult"):
        assert name in predicate
    assert predicate["verificationResult"] == "PASSED"
    assert predicate["verifiedLevels"] == ["SLSA_BUILD_LEVEL_1"]
    assert predicate["policy"]["uri"] == "pyproject.toml#release"
    assert len(predicate["policy"]["digest"]["sha256"]) == 64
    uris = [i["uri"] for i in predicate["inputAttestations"]]
    assert uris == ["dist/app-1.0.tar.gz.intoto.jsonl", "dist/app-1.0.tar.gz.cdx.intoto.jsonl"]
    assert predicate["chainward"]["models"] == ["acme-ai/tiny-sentiment"]

    verified = cli(
        "verify-attestation",
        str(artifact),
        "--bundle",
        str(vsa_file),
        "--key",
        str(vsa_public),
        "--predicate-type",
        VSA,
        cwd=repo.path,
    )
    assert verified.code == 0, verified.out + verified.err
    # The VSA is signed by the verifier's key, not the builder's.
    wrong = cli(
        "verify-attestation",
        str(artifact),
        "--bundle",
        str(vsa_file),
        "--key",
        str(public),
        "--predicate-type",
        VSA,
        cwd=repo.path,
    )
    assert wrong.code == 1


def test_policy_violation_writes_a_failed_vsa_and_exits_1(
    signed: tuple[GitRepo, Path, Path, Path], cli: Any
) -> None:
    repo, public, vsa_private, vsa_public = signed
    _policy(repo, key=str(public), allowed_models=["meta-llama/*"])
    artifact = repo.path / "dist" / "app-1.0.tar.gz"
    result = cli("verify-release", str(artifact), "--sign-key", str(vsa_private), cwd=repo.path)
    assert result.code == 1
    assert "release-policy-violation" in result.out
    assert "acme-ai/tiny-sentiment is not in allowed-models" in result.out
    vsa_file = repo.path / "dist" / "app-1.0.tar.gz.vsa.intoto.jsonl"
    predicate = _payload(vsa_file)["predicate"]
    assert predicate["verificationResult"] == "FAILED"
    assert predicate["verifiedLevels"] == ["FAILED"]
    # A FAILED VSA is authentic but vouches for nothing: verify-attestation says no.
    checked = cli(
        "verify-attestation",
        str(artifact),
        "--bundle",
        str(vsa_file),
        "--key",
        str(vsa_public),
        "--predicate-type",
        VSA,
        cwd=repo.path,
    )
    assert checked.code == 1
    assert "verificationResult FAILED" in checked.out


def test_changed_model_fails_the_release(
    signed: tuple[GitRepo, Path, Path, Path], cli: Any
) -> None:
    repo, public, _, _ = signed
    _policy(repo, key=str(public), required_attestations=["provenance", "bom"])
    (repo.path / "models/tiny/config.json").write_text("{}")
    artifact = repo.path / "dist" / "app-1.0.tar.gz"
    result = cli("verify-release", str(artifact), "--no-sign", cwd=repo.path)
    assert result.code == 1
    assert "models/tiny/config.json: sha256 is" in result.out
    unsigned = json.loads((repo.path / "dist" / "app-1.0.tar.gz.vsa.json").read_text())
    assert unsigned["predicate"]["verificationResult"] == "FAILED"


def test_level_2_is_not_claimed_for_a_key_signature(
    signed: tuple[GitRepo, Path, Path, Path], cli: Any
) -> None:
    repo, public, _, _ = signed
    _policy(repo, key=str(public), slsa_level=2)
    artifact = repo.path / "dist" / "app-1.0.tar.gz"
    result = cli("verify-release", str(artifact), "--no-sign", cwd=repo.path)
    assert result.code == 1
    assert "requires SLSA build level 2, verified: 1" in result.out


def test_missing_bom_fails_when_required(
    signed: tuple[GitRepo, Path, Path, Path], cli: Any
) -> None:
    repo, public, _, _ = signed
    (repo.path / "dist" / "app-1.0.tar.gz.cdx.intoto.jsonl").unlink()
    _policy(repo, key=str(public), required_attestations=["provenance", "bom"])
    artifact = repo.path / "dist" / "app-1.0.tar.gz"
    result = cli("verify-release", str(artifact), "--no-sign", cwd=repo.path)
    assert result.code == 1
    assert "requires a BOM attestation" in result.out


def test_wrong_key_fails_and_no_builder_is_a_usage_error(
    signed: tuple[GitRepo, Path, Path, Path], cli: Any, tmp_path: Path
) -> None:
    repo, _, _, vsa_public = signed
    _policy(repo, key=str(vsa_public))
    artifact = repo.path / "dist" / "app-1.0.tar.gz"
    result = cli("verify-release", str(artifact), "--no-sign", cwd=repo.path)
    assert result.code == 1
    assert "the provenance does not verify" in result.out
    _policy(repo, allowed_models=["x/*"])
    assert cli("verify-release", str(artifact), "--no-sign", cwd=repo.path).code == 2


def test_key_signed_provenance_from_another_repository_fails(
    signed: tuple[GitRepo, Path, Path, Path], cli: Any
) -> None:
    repo, public, _, _ = signed
    artifact = repo.path / "dist" / "app-1.0.tar.gz"
    _policy(repo, key=str(public), repository="acme/app")
    assert cli("verify-release", str(artifact), "--no-sign", cwd=repo.path).code == 0
    _policy(repo, key=str(public), repository="evil/app")
    result = cli("verify-release", str(artifact), "--no-sign", cwd=repo.path)
    assert result.code == 1
    assert "source repository is https://github.com/acme/app" in result.out


def _statement(models: list[str]) -> dict[str, Any]:
    return {
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {
            "buildDefinition": {
                "buildType": "https://actions.github.io/buildtypes/workflow/v1",
                "resolvedDependencies": [
                    {"uri": uri, "annotations": {"kind": "model-file", "source": uri}}
                    for uri in models
                ],
            }
        },
    }


def test_evaluate_levels_and_models() -> None:
    hub = "pkg:huggingface/acme-ai/m@" + "1" * 40 + "#model.safetensors"
    good = Result(True, "ok", "dsse", statement=_statement([hub]))
    policy = ReleasePolicy(allowed_hub_orgs=("ACME-AI",), slsa_level=2)
    assert evaluate_release(Evidence(good, None, keyless=True), policy).passed
    assert evaluate_release(Evidence(good, None, keyless=True), policy).level == 2
    key_signed = evaluate_release(Evidence(good, None, keyless=False), policy)
    assert not key_signed.passed and key_signed.level == 1
    level3 = evaluate_release(Evidence(good, None, keyless=True), ReleasePolicy(slsa_level=3))
    assert not level3.passed and "never claims level 3" in level3.violations[0]
    local = Result(True, "ok", "dsse", statement=_statement(["https://example.com/m.bin"]))
    unknown = evaluate_release(
        Evidence(local, None, keyless=True), ReleasePolicy(allowed_models=("*",))
    )
    assert not unknown.passed and "has no hub id" in unknown.violations[0]
    assert model_allowed("meta-llama/Llama-3-8B", ReleasePolicy(allowed_models=("meta-llama/*",)))
    assert not model_allowed("meta-llama-evil/x", ReleasePolicy(allowed_hub_orgs=("meta-llama",)))


def test_identity_regexp_from_the_policy() -> None:
    import re

    policy = ReleasePolicy(
        repository="acme/app", workflow=".github/workflows/release.yml", ref="refs/tags/v.*"
    )
    pattern = policy.identity_regexp()
    assert pattern is not None
    ok = "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.0"
    assert re.fullmatch(pattern, ok)
    assert not re.fullmatch(pattern, ok.replace("acme/app", "acme/app2"))
    assert not re.fullmatch(pattern, ok.replace("refs/tags/v1.0", "refs/heads/main"))


def test_models_only_tests_download_do_not_count(
    ai_release: GitRepo,  # noqa: F811
    cli: Any,
    tmp_path: Path,
) -> None:
    private, public = make_key(tmp_path, "builder", "ec")
    ai_release.write(
        "tests/test_model.py",
        "from transformers import AutoModel\n"
        'AutoModel.from_pretrained("hf-internal-testing/tiny-random-bert")\n',
    )
    ai_release.commit_all("tests")
    artifact = ai_release.path / "dist" / "app-1.0.tar.gz"
    attest = cli("attest", str(artifact), "--key", str(private), "--bom", cwd=ai_release.path)
    assert attest.code == 0, attest.err
    _policy(ai_release, key=str(public), allowed_hub_orgs=["acme-ai"])
    passed = cli("verify-release", str(artifact), "--no-sign", cwd=ai_release.path)
    assert passed.code == 0, passed.out
    # The same download in the application's code is part of the release.
    ai_release.write(
        "app/serve.py",
        "from transformers import AutoModel\n"
        'AutoModel.from_pretrained("hf-internal-testing/tiny-random-bert")\n',
    )
    ai_release.commit_all("app")
    attest = cli("attest", str(artifact), "--key", str(private), "--bom", cwd=ai_release.path)
    assert attest.code == 0
    failed = cli("verify-release", str(artifact), "--no-sign", cwd=ai_release.path)
    assert failed.code == 1
    assert "hf-internal-testing/tiny-random-bert is not in allowed-models" in failed.out


def test_identity_of_a_reusable_workflow_in_another_repository() -> None:
    import re

    policy = ReleasePolicy(
        repository="acme/app",
        workflow="acme/release-tools/.github/workflows/build.yml",
        ref="refs/tags/v.*",
    )
    pattern = policy.identity_regexp()
    assert pattern is not None
    san = "https://github.com/acme/release-tools/.github/workflows/build.yml@refs/tags/v2"
    assert re.fullmatch(pattern, san)
    assert not re.fullmatch(pattern, san.replace("acme/release-tools", "evil/release-tools"))
