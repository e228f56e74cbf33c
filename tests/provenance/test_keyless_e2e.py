"""Keyless signing end to end, with no internet: ``chainward attest`` in a simulated
GitHub Actions job gets its OIDC token from a loopback Actions token endpoint and signs
through sigstore-python's real signer against a private Sigstore instance on 127.0.0.1
(tests/provenance/fake_sigstore.py: Fulcio with embedded SCTs, Rekor v1 with SETs,
inclusion proofs and checkpoints); ``chainward verify-attestation`` then verifies the
bundle offline against that instance's trusted root."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import GitRepo
from tests.provenance.conftest import REQUEST_TOKEN, Endpoint, make_jwt
from tests.provenance.fake_sigstore import FakeSigstore

GH = "https://token.actions.githubusercontent.com"
WORKFLOW_REF = "acme/demo/.github/workflows/release.yml@refs/tags/v1.0.0"
IDENTITY = f"https://github.com/{WORKFLOW_REF}"


@pytest.fixture
def sigstore_instance() -> Iterator[FakeSigstore]:
    with FakeSigstore() as fake:
        yield fake


@pytest.fixture
def job(
    git_repo: GitRepo,
    endpoint: Endpoint,
    sigstore_instance: FakeSigstore,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> dict[str, Any]:
    """A GitHub Actions job: checkout with model lock and AI deps, env, token endpoint."""
    git_repo.write("requirements.txt", "transformers==4.40.0\n")
    git_repo.write("dist/demo-1.0.tar.gz", "sdist\n")
    git_repo.write("dist/demo-1.0-py3-none-any.whl", "wheel\n")
    git_repo.commit_all("release")
    now = int(time.time())
    endpoint.body = json.dumps(
        {
            "value": make_jwt(
                {
                    "iss": GH,
                    "aud": "sigstore",
                    "sub": "repo:acme/demo:ref:refs/tags/v1.0.0",
                    "iat": now,
                    "exp": now + 300,
                    "job_workflow_ref": WORKFLOW_REF,
                    "repository": "acme/demo",
                }
            )
        }
    ).encode()
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "acme/demo",
        "GITHUB_REPOSITORY_ID": "1",
        "GITHUB_REPOSITORY_OWNER_ID": "2",
        "GITHUB_REF": "refs/tags/v1.0.0",
        "GITHUB_SHA": git_repo.git("rev-parse", "HEAD").strip(),
        "GITHUB_EVENT_NAME": "release",
        "GITHUB_WORKFLOW_REF": WORKFLOW_REF,
        "GITHUB_RUN_ID": "42",
        "GITHUB_RUN_ATTEMPT": "1",
        "RUNNER_ENVIRONMENT": "github-hosted",
        "ACTIONS_ID_TOKEN_REQUEST_URL": endpoint.url,
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": REQUEST_TOKEN,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    trust_config = tmp_path / "trust_config.json"
    trust_config.write_text(json.dumps(sigstore_instance.trust_config()))
    trusted_root = tmp_path / "trusted_root.json"
    trusted_root.write_text(json.dumps(sigstore_instance.trusted_root()))
    return {"repo": git_repo, "trust_config": trust_config, "trusted_root": trusted_root}


def test_keyless_attest_then_verify(
    job: dict[str, Any], cli: Any, sigstore_instance: FakeSigstore
) -> None:
    repo: GitRepo = job["repo"]
    attested = cli("attest", "dist/*", "--trust-config", str(job["trust_config"]), cwd=repo.path)
    assert attested.code == 0, attested.err
    bundles = attested.out.split()
    assert [Path(b).name for b in bundles] == [
        "demo-1.0-py3-none-any.whl.sigstore.json",
        "demo-1.0.tar.gz.sigstore.json",
    ]
    bundle = json.loads(Path(bundles[0]).read_text())
    assert bundle["mediaType"] == "application/vnd.dev.sigstore.bundle.v0.3+json"
    assert bundle["dsseEnvelope"]["payloadType"] == "application/vnd.in-toto+json"
    assert bundle["verificationMaterial"]["tlogEntries"][0]["kindVersion"]["kind"] == "dsse"
    assert len(sigstore_instance.issued) == 1  # one certificate, one signature, two copies

    verify = [
        "verify-attestation",
        str(repo.path / "dist" / "demo-1.0.tar.gz"),
        str(repo.path / "dist" / "demo-1.0-py3-none-any.whl"),
        "--trusted-root",
        str(job["trusted_root"]),
        "--cert-identity",
        IDENTITY,
        "--cert-oidc-issuer",
        GH,
    ]
    statements = job["trusted_root"].parent / "verified.json"
    ok = cli(
        *verify,
        "--verified-statements",
        str(statements),
        "--repository",
        "acme/demo",
        "--builder-id",
        IDENTITY,
        "--signer-workflow",
        "acme/demo/.github/workflows/release.yml",
    )
    assert ok.code == 0, ok.out + ok.err
    # What went into the release, read from verified provenance only.
    report = json.loads(statements.read_text())["statements"]
    assert sorted(report) == ["dist/demo-1.0-py3-none-any.whl", "dist/demo-1.0.tar.gz"]
    [statement] = report["dist/demo-1.0.tar.gz"]
    deps = statement["predicate"]["buildDefinition"]["resolvedDependencies"]
    assert "pkg:pypi/transformers@4.40.0" in [d["uri"] for d in deps]

    # The pinned public-good root does not trust this instance.
    public = cli(*[a for a in verify if a not in ("--trusted-root", str(job["trusted_root"]))])
    assert public.code == 1
    # Another repository, another issuer, another artifact: not verified.
    assert cli(*verify, "--repository", "evil/demo").code == 1
    other_issuer = [GH + "/evil" if a == GH else a for a in verify]
    assert cli(*other_issuer).code == 1
    (repo.path / "dist" / "demo-1.0.tar.gz").write_text("sdist, changed\n")
    changed = cli(*verify[:2], "--bundle", bundles[1], *verify[3:])
    assert changed.code == 1
    assert "no subject digest matches" in changed.out


def test_keyless_statement_records_ai_dependency(
    job: dict[str, Any], cli: Any, tmp_path: Path
) -> None:
    repo: GitRepo = job["repo"]
    statement_file = tmp_path / "statement.json"
    result = cli(
        "attest",
        "dist/demo-1.0.tar.gz",
        "--trust-config",
        str(job["trust_config"]),
        "--statement",
        str(statement_file),
        cwd=repo.path,
    )
    assert result.code == 0, result.err
    statement = json.loads(statement_file.read_text())
    uris = [d["uri"] for d in statement["predicate"]["buildDefinition"]["resolvedDependencies"]]
    assert "pkg:pypi/transformers@4.40.0" in uris
    assert statement["predicate"]["runDetails"]["builder"]["id"] == IDENTITY


def test_unreachable_sigstore_fails_cleanly(
    job: dict[str, Any], cli: Any, sigstore_instance: FakeSigstore
) -> None:
    sigstore_instance.__exit__()
    result = cli(
        "attest", "dist/*", "--trust-config", str(job["trust_config"]), cwd=job["repo"].path
    )
    assert result.code == 1
    assert "keyless signing failed" in result.err
    assert not list(job["repo"].path.rglob("*.sigstore.json"))


def test_reusable_workflow_builder_comes_from_the_token(
    job: dict[str, Any], cli: Any, endpoint: Endpoint, tmp_path: Path
) -> None:
    """As attest-build-provenance: builder.id is the token's job_workflow_ref (the reusable
    workflow that ran), the workflow parameters are the caller's."""
    now = int(time.time())
    shared = "acme/shared/.github/workflows/build.yml@refs/heads/main"
    endpoint.body = json.dumps(
        {
            "value": make_jwt(
                {
                    "iss": GH,
                    "aud": "sigstore",
                    "sub": "repo:acme/demo:ref:refs/tags/v1.0.0",
                    "iat": now,
                    "exp": now + 300,
                    "repository": "acme/demo",
                    "repository_id": "99",
                    "repository_owner_id": "98",
                    "ref": "refs/tags/v1.0.0",
                    "sha": "f" * 40,
                    "event_name": "release",
                    "workflow_ref": WORKFLOW_REF,
                    "job_workflow_ref": shared,
                    "run_id": "7",
                    "run_attempt": "3",
                    "runner_environment": "github-hosted",
                }
            )
        }
    ).encode()
    statement_file = tmp_path / "statement.json"
    result = cli(
        "attest",
        "dist/demo-1.0.tar.gz",
        "--trust-config",
        str(job["trust_config"]),
        "--statement",
        str(statement_file),
        cwd=job["repo"].path,
    )
    assert result.code == 0, result.err
    predicate = json.loads(statement_file.read_text())["predicate"]
    assert predicate["runDetails"]["builder"]["id"] == f"https://github.com/{shared}"
    assert predicate["runDetails"]["metadata"]["invocationId"] == (
        "https://github.com/acme/demo/actions/runs/7/attempts/3"
    )
    assert predicate["buildDefinition"]["externalParameters"]["workflow"] == {
        "ref": "refs/tags/v1.0.0",
        "repository": "https://github.com/acme/demo",
        "path": ".github/workflows/release.yml",
    }
    assert predicate["buildDefinition"]["internalParameters"]["github"]["repository_id"] == "99"
    assert predicate["buildDefinition"]["resolvedDependencies"][0]["digest"] == {
        "gitCommit": "f" * 40
    }
