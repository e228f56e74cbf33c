"""The one HTTP client (``chainward.core.http``) against a real local ``http.server``
in a thread: timeouts, bounded bodies, retries with backoff, the offline switch,
refused redirects, and recorded responses."""

from __future__ import annotations

import http.server as httpserver
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from chainward.core import http
from chainward.core.errors import NetworkError
from tests.conftest import DATA


@dataclass
class Behaviour:
    """What the server does, and what it saw."""

    hits: dict[str, int] = field(default_factory=dict)
    fail_first: int = 0
    """How many requests to ``/flaky`` and ``/reset`` fail before one succeeds."""
    retry_after: str | None = None
    headers_seen: list[dict[str, str]] = field(default_factory=list)


def _handler(behaviour: Behaviour) -> type[httpserver.BaseHTTPRequestHandler]:
    class Handler(httpserver.BaseHTTPRequestHandler):
        def _answer(self, status: int, body: bytes, **headers: str) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = self.path
            count = behaviour.hits.get(path, 0) + 1
            behaviour.hits[path] = count
            behaviour.headers_seen.append(dict(self.headers.items()))
            if path == "/ok":
                self._answer(200, b'{"value": 1}', Content_Type="application/json")
            elif path == "/missing":
                self._answer(404, b"no such thing")
            elif path == "/flaky":
                if count <= behaviour.fail_first:
                    extra = {"Retry_After": behaviour.retry_after} if behaviour.retry_after else {}
                    self._answer(503, b"busy", **extra)
                else:
                    self._answer(200, b"finally")
            elif path == "/limited":
                self._answer(429, b"slow down", Retry_After="3600")
            elif path == "/reset":
                if count <= behaviour.fail_first:
                    # Close without an answer: the client sees the connection dropped.
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self._answer(200, b"after reset")
            elif path == "/big":
                self._answer(200, b"x" * 5000)
            elif path == "/slow":
                time.sleep(1.5)
                self._answer(200, b"late")
            elif path == "/to-ftp":
                self._answer(302, b"", Location="ftp://127.0.0.1/elsewhere")
            elif path == "/to-ok":
                self._answer(302, b"", Location="/ok")
            else:
                self._answer(500, b"unexpected path")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            self._answer(200, b"posted:" + body)

        def log_message(self, *_args: object) -> None:
            return

    return Handler


@pytest.fixture
def server() -> Iterator[tuple[str, Behaviour]]:
    behaviour = Behaviour()
    httpd = httpserver.ThreadingHTTPServer(("127.0.0.1", 0), _handler(behaviour))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", behaviour
    finally:
        httpd.shutdown()
        httpd.server_close()


LOCAL = ("http",)


def test_get_returns_status_body_headers_and_sends_a_user_agent(
    server: tuple[str, Behaviour],
) -> None:
    base, behaviour = server
    answer = http.fetch(f"{base}/ok", schemes=LOCAL, headers={"Accept": "application/json"})
    assert answer.ok and answer.status == 200
    assert answer.json() == {"value": 1}
    assert answer.headers["content-type"] == "application/json"
    seen = behaviour.headers_seen[0]
    assert seen["User-Agent"].startswith("chainward/")
    assert seen["Accept"] == "application/json"


def test_a_final_error_status_is_returned_not_retried(server: tuple[str, Behaviour]) -> None:
    base, behaviour = server
    answer = http.fetch(f"{base}/missing", schemes=LOCAL, backoff=0)
    assert answer.status == 404 and not answer.ok and answer.body == b"no such thing"
    assert behaviour.hits["/missing"] == 1


def test_5xx_is_retried_with_backoff_until_it_succeeds(server: tuple[str, Behaviour]) -> None:
    base, behaviour = server
    behaviour.fail_first = 2
    answer = http.fetch(f"{base}/flaky", schemes=LOCAL, retries=2, backoff=0.01)
    assert answer.status == 200 and answer.body == b"finally"
    assert behaviour.hits["/flaky"] == 3


def test_retries_run_out_and_the_last_5xx_is_returned(server: tuple[str, Behaviour]) -> None:
    base, behaviour = server
    behaviour.fail_first = 10
    answer = http.fetch(f"{base}/flaky", schemes=LOCAL, retries=1, backoff=0.01)
    assert answer.status == 503
    assert behaviour.hits["/flaky"] == 2


def test_retry_after_is_honoured_and_a_huge_one_is_not_waited_for(
    server: tuple[str, Behaviour],
) -> None:
    base, behaviour = server
    behaviour.fail_first = 1
    behaviour.retry_after = "0"
    assert http.fetch(f"{base}/flaky", schemes=LOCAL, backoff=5.0).status == 200
    assert behaviour.hits["/flaky"] == 2
    # An hour's Retry-After: give the 429 back at once rather than hang the run.
    assert http.fetch(f"{base}/limited", schemes=LOCAL, backoff=0.01).status == 429
    assert behaviour.hits["/limited"] == 1


def test_a_dropped_connection_is_retried(server: tuple[str, Behaviour]) -> None:
    base, behaviour = server
    behaviour.fail_first = 1
    answer = http.fetch(f"{base}/reset", schemes=LOCAL, retries=2, backoff=0.01)
    assert answer.body == b"after reset"
    assert behaviour.hits["/reset"] == 2


def test_a_refused_connection_is_a_network_error_after_the_retries() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port any more: every attempt is refused.
    with pytest.raises(NetworkError, match=f"127.0.0.1:{port}/x"):
        http.fetch(f"http://127.0.0.1:{port}/x", schemes=LOCAL, retries=1, backoff=0.01)


def test_the_body_is_bounded(server: tuple[str, Behaviour]) -> None:
    base, _ = server
    assert len(http.fetch(f"{base}/big", schemes=LOCAL, max_bytes=5000).body) == 5000
    with pytest.raises(http.ResponseTooLarge, match="larger than 4999 bytes"):
        http.fetch(f"{base}/big", schemes=LOCAL, max_bytes=4999)


def test_a_timeout_is_a_network_error_and_not_retried(server: tuple[str, Behaviour]) -> None:
    base, behaviour = server
    with pytest.raises(NetworkError, match="timed out"):
        http.fetch(f"{base}/slow", schemes=LOCAL, timeout=0.3, retries=3, backoff=0.01)
    assert behaviour.hits["/slow"] == 1


def test_schemes_are_refused_before_any_connection(server: tuple[str, Behaviour]) -> None:
    base, behaviour = server
    with pytest.raises(NetworkError, match="refusing a non-HTTPS URL"):
        http.fetch(f"{base}/ok")  # https only by default
    assert behaviour.hits == {}


def test_redirects_follow_only_allowed_schemes(server: tuple[str, Behaviour]) -> None:
    base, behaviour = server
    assert http.fetch(f"{base}/to-ok", schemes=LOCAL).body == b'{"value": 1}'
    with pytest.raises(NetworkError, match="refused a redirect to ftp://"):
        http.fetch(f"{base}/to-ftp", schemes=LOCAL)
    assert behaviour.hits["/to-ftp"] == 1


def test_post_sends_the_body(server: tuple[str, Behaviour]) -> None:
    base, _ = server
    answer = http.fetch(f"{base}/echo", method="POST", data=b"abc", schemes=LOCAL)
    assert answer.body == b"posted:abc"


def test_offline_opens_no_connection(
    server: tuple[str, Behaviour], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, behaviour = server
    with http.offline_mode(), pytest.raises(http.OfflineError, match="offline"):
        http.fetch(f"{base}/ok", schemes=LOCAL)
    monkeypatch.setenv(http.OFFLINE_ENV, "1")
    with pytest.raises(http.OfflineError):
        http.fetch(f"{base}/ok", schemes=LOCAL)
    monkeypatch.delenv(http.OFFLINE_ENV)
    assert behaviour.hits == {}
    # The switch is restored after the block: the same call now reaches the server.
    assert http.fetch(f"{base}/ok", schemes=LOCAL).ok
    assert behaviour.hits == {"/ok": 1}


def test_offline_wins_over_an_installed_transport() -> None:
    recorded = http.RecordedTransport(DATA / "http")
    with http.use_transport(recorded), http.offline_mode(), pytest.raises(http.OfflineError):
        http.fetch("https://pypi.org/pypi/sentencepiece/json")
    assert recorded.requests == []


def test_recorded_responses_answer_and_unrecorded_requests_fail() -> None:
    recorded = http.RecordedTransport(DATA / "http")
    with http.use_transport(recorded):
        answer = http.fetch("https://pypi.org/pypi/sentencepiece/json")
        missing = http.fetch("https://pypi.org/pypi/chainward-surely-not-a-project-2026/json")
        with pytest.raises(NetworkError, match="no recorded response"):
            http.fetch("https://pypi.org/pypi/never-recorded/json", retries=0)
    document = answer.json()
    assert isinstance(document, dict) and document["info"]["name"] == "sentencepiece"
    assert missing.status == 404
    assert [r.url.rsplit("/", 2)[-2] for r in recorded.requests] == [
        "sentencepiece",
        "chainward-surely-not-a-project-2026",
        "never-recorded",
    ]


def test_the_callers_go_through_the_client() -> None:
    """The dependencies index, the typosquat PyPI signals and the refresh source all
    fetch through core.http: a recorded transport answers them, offline stops them."""
    from chainward.dependencies.index import ProjectNotFound, fetch_json
    from chainward.typosquats.online import fetch_pypi
    from chainward.typosquats.refresh import read_source

    recorded = http.RecordedTransport(DATA / "http")
    with http.use_transport(recorded):
        project = fetch_json("https://pypi.org/pypi/sentencepiece/json", 5.0)
        assert project["info"]["name"] == "sentencepiece"
        with pytest.raises(ProjectNotFound):
            fetch_json("https://pypi.org/pypi/chainward-surely-not-a-project-2026/json", 5.0)
        status, body = fetch_pypi("requests")
        assert status == 200 and b'"requests"' in body
        assert fetch_pypi("chainward-surely-not-a-project-2026")[0] == 404
        assert read_source("https://pypi.org/pypi/requests/json", offline=False) == body
        with http.offline_mode(), pytest.raises(OSError, match="offline"):
            fetch_pypi("requests")
