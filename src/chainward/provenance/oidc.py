"""The ambient OIDC token of a GitHub Actions job (for keyless Sigstore signing).

A job with ``permissions: id-token: write`` gets two variables,
``ACTIONS_ID_TOKEN_REQUEST_URL`` and ``ACTIONS_ID_TOKEN_REQUEST_TOKEN``; a GET of the
URL with ``&audience=sigstore`` and ``Authorization: bearer <request token>`` returns
``{"value": "<JWT>"}`` (the protocol @actions/core's ``getIDToken`` speaks). Standard
library only; the bearer token is never sent in clear text except to a loopback
address, and the response is read with a size limit and a timeout.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import os
import urllib.parse
from collections.abc import Mapping
from typing import Any

from chainward.core.errors import UsageError

REQUEST_URL = "ACTIONS_ID_TOKEN_REQUEST_URL"
REQUEST_TOKEN = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"  # noqa: S105 - a variable name, not a secret
SIGSTORE_AUDIENCE = "sigstore"
MAX_RESPONSE = 64 * 1024


class TokenError(UsageError):
    """No OIDC token could be obtained (exit 2): nothing was signed."""


def _is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def token_request_url(base: str, audience: str) -> str:
    """The token URL with ``audience`` added to its query (other parameters kept)."""
    parts = urllib.parse.urlsplit(base)
    if parts.scheme != "https" and not (parts.scheme == "http" and _is_loopback(parts.hostname)):
        raise TokenError(
            f"refusing to send the token request over {parts.scheme or 'an unknown scheme'}",
            where=REQUEST_URL,
            hint="the Actions token endpoint is an https URL",
        )
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k != "audience"]
    query.append(("audience", audience))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def jwt_claims(token: str) -> dict[str, Any]:
    """The (unverified) claims of a JWT; Fulcio verifies the signature."""
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("the OIDC token is not a JWT")
    body = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(body))
    except (binascii.Error, ValueError):
        raise TokenError("the OIDC token's claims are not JSON") from None
    if not isinstance(claims, dict):
        raise TokenError("the OIDC token's claims are not a JSON object")
    return claims


def actions_id_token(
    audience: str = SIGSTORE_AUDIENCE,
    env: Mapping[str, str] | None = None,
    *,
    timeout: float = 15.0,
) -> str:
    """Request the job's OIDC token for ``audience`` from the Actions token endpoint."""
    env = os.environ if env is None else env
    base = env.get(REQUEST_URL)
    bearer = env.get(REQUEST_TOKEN)
    if not base or not bearer:
        raise TokenError(
            "no GitHub Actions OIDC token is available",
            hint="give the job `permissions: id-token: write`, or sign with --key PRIVATE.pem",
        )
    from chainward.core import http
    from chainward.core.errors import NetworkError

    try:
        response = http.fetch(
            token_request_url(base, audience),  # https, or http to a loopback address only
            headers={
                "Authorization": f"bearer {bearer}",
                "Accept": "application/json; api-version=2.0",
            },
            timeout=timeout,
            max_bytes=MAX_RESPONSE,
            schemes=("https", "http"),
        )
    except http.ResponseTooLarge:
        raise TokenError("the token endpoint's answer is too large", where=REQUEST_URL) from None
    except NetworkError as exc:
        raise TokenError(
            f"cannot reach the token endpoint: {exc.message}", where=REQUEST_URL
        ) from None
    if not response.ok:
        raise TokenError(
            f"the token endpoint answered HTTP {response.status}",
            where=REQUEST_URL,
            hint="check `permissions: id-token: write` on the job",
        )
    data = response.body
    try:
        value = json.loads(data).get("value")
    except (ValueError, AttributeError):
        value = None
    if not isinstance(value, str) or not value:
        raise TokenError("the token endpoint's answer has no token value", where=REQUEST_URL)
    claims = jwt_claims(value)
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if audience not in audiences:
        raise TokenError(f"the OIDC token is for audience {aud!r}, not {audience!r}")
    return value
