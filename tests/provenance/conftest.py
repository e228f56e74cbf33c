"""Fixtures of the provenance tests: a loopback GitHub Actions OIDC token endpoint."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

REQUEST_TOKEN = "request-token-123"


def make_jwt(claims: dict[str, Any]) -> str:
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


@dataclass
class Endpoint:
    """What the fake endpoint answers and what it saw."""

    url: str = ""
    status: int = 200
    body: bytes = b""
    requests: list[dict[str, Any]] = field(default_factory=list)


@contextmanager
def _serve(state: Endpoint) -> Iterator[Endpoint]:
    """Run the token endpoint for ``state`` on a loopback port."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = parse_qs(urlsplit(self.path).query)
            state.requests.append(
                {"path": self.path, "query": query, "headers": dict(self.headers.items())}
            )
            if self.headers.get("Authorization") != f"bearer {REQUEST_TOKEN}":
                self.send_response(401)
                self.end_headers()
                return
            body = state.body
            if not body:
                audience = query.get("audience", ["actions"])[-1]
                body = json.dumps(
                    {
                        "count": 1,
                        "value": make_jwt(
                            {
                                "aud": audience,
                                "iss": "https://token.actions.githubusercontent.com",
                                "sub": "repo:acme/demo:ref:refs/tags/v1",
                            }
                        ),
                    }
                ).encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    # The real URL already carries a query (api-version); the audience is appended.
    state.url = f"http://127.0.0.1:{server.server_address[1]}/_apis/token?api-version=2.0"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    """A loopback GitHub Actions token endpoint (GET ?audience=, bearer auth)."""
    with _serve(Endpoint()) as state:
        yield state


@contextmanager
def serve_token_endpoint(claims: dict[str, Any]) -> Iterator[str]:
    """A token endpoint that answers with a JWT of ``claims``; yields its URL."""
    body = json.dumps({"count": 1, "value": make_jwt(claims)}).encode()
    with _serve(Endpoint(body=body)) as state:
        yield state.url
