"""The Actions OIDC token request, against a real loopback HTTP server that behaves like
the GitHub Actions token endpoint (GET ?audience=..., bearer auth, {"value": JWT})."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chainward.provenance.oidc import TokenError, actions_id_token, jwt_claims, token_request_url
from tests.provenance.conftest import REQUEST_TOKEN, Endpoint, make_jwt


def _env(endpoint: Endpoint) -> dict[str, str]:
    return {
        "ACTIONS_ID_TOKEN_REQUEST_URL": endpoint.url,
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": REQUEST_TOKEN,
    }


def test_token_request_like_actions_core(endpoint: Endpoint) -> None:
    token = actions_id_token(env=_env(endpoint))
    assert jwt_claims(token)["aud"] == "sigstore"
    [request] = endpoint.requests
    assert request["query"] == {"api-version": ["2.0"], "audience": ["sigstore"]}
    assert request["headers"]["Authorization"] == f"bearer {REQUEST_TOKEN}"
    assert request["headers"]["User-Agent"].startswith("chainward/")


def test_wrong_request_token_is_refused(endpoint: Endpoint) -> None:
    env = _env(endpoint) | {"ACTIONS_ID_TOKEN_REQUEST_TOKEN": "stolen"}
    with pytest.raises(TokenError, match="HTTP 401"):
        actions_id_token(env=env)


def test_wrong_audience_is_refused(endpoint: Endpoint) -> None:
    endpoint.body = json.dumps({"value": make_jwt({"aud": "https://github.com/acme"})}).encode()
    with pytest.raises(TokenError, match="audience"):
        actions_id_token(env=_env(endpoint))


@pytest.mark.parametrize("body", [b"not json", b'{"count": 0}', b'{"value": "abc"}'])
def test_bad_answers_are_refused(endpoint: Endpoint, body: bytes) -> None:
    endpoint.body = body
    with pytest.raises(TokenError):
        actions_id_token(env=_env(endpoint))


def test_server_error(endpoint: Endpoint) -> None:
    endpoint.status = 500
    with pytest.raises(TokenError, match="HTTP 500"):
        actions_id_token(env=_env(endpoint))


def test_missing_permission_says_how_to_fix() -> None:
    with pytest.raises(TokenError) as info:
        actions_id_token(env={})
    assert "id-token: write" in info.value.diagnostics()


def test_bearer_token_never_sent_in_clear_to_a_remote_host() -> None:
    with pytest.raises(TokenError, match="refusing"):
        token_request_url("http://token.example.com/x", "sigstore")
    assert token_request_url("https://t.example/x?a=1&audience=evil", "sigstore") == (
        "https://t.example/x?a=1&audience=sigstore"
    )


def test_unreachable_endpoint() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "ACTIONS_ID_TOKEN_REQUEST_URL": f"http://127.0.0.1:{port}/t",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "x",
    }
    with pytest.raises(TokenError, match="cannot reach"):
        actions_id_token(env=env, timeout=2)


def test_attest_in_actions_requests_the_token_before_signing(
    endpoint: Endpoint, cli: Any, git_repo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``chainward attest`` in a job: GitHub-shaped statement, token fetched for sigstore.

    The keyless signing call itself needs Sigstore's public services, so it is replaced
    here by a recorder; everything up to it (statement, token request) is real.
    """
    from chainward.provenance import sign

    git_repo.write("dist/app.whl", "wheel\n")
    git_repo.commit_all("init")
    head = git_repo.git("rev-parse", "HEAD").strip()
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "acme/demo",
        "GITHUB_REPOSITORY_ID": "1",
        "GITHUB_REPOSITORY_OWNER_ID": "2",
        "GITHUB_REF": "refs/tags/v1",
        "GITHUB_SHA": head,
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_WORKFLOW_REF": "acme/demo/.github/workflows/release.yml@refs/tags/v1",
        "GITHUB_RUN_ID": "42",
        "GITHUB_RUN_ATTEMPT": "1",
        "RUNNER_ENVIRONMENT": "github-hosted",
        **_env(endpoint),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    seen: dict[str, Any] = {}

    def record(statement: dict[str, Any], identity_token: str, trust_config: Any = None) -> str:
        seen["statement"] = statement
        seen["token"] = identity_token
        return '{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json"}'

    monkeypatch.setattr(sign, "sign_keyless", record)
    result = cli("attest", "dist/app.whl", cwd=git_repo.path)
    assert result.code == 0, result.err
    assert result.out.strip() == str(Path(git_repo.path) / "dist" / "app.whl.sigstore.json")
    assert jwt_claims(seen["token"])["aud"] == "sigstore"
    predicate = seen["statement"]["predicate"]
    assert predicate["runDetails"]["builder"]["id"] == (
        "https://github.com/acme/demo/.github/workflows/release.yml@refs/tags/v1"
    )
    assert predicate["buildDefinition"]["resolvedDependencies"][0]["digest"] == {"gitCommit": head}
