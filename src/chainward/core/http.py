"""The one HTTP client of chainward: every request to an index, a hub or a token endpoint.

``fetch`` sends one request with a timeout, reads at most ``max_bytes``
of the answer, retries transient failures (a refused or reset connection, HTTP 429 and
5xx) with exponential backoff, and refuses redirects to a scheme the caller did not
allow. It returns any final HTTP answer as a :class:`Response` (the caller decides what
a 404 means) and raises :class:`~chainward.core.errors.NetworkError` when there is no
answer to give.

Two switches sit here, process-wide, so that no caller can forget them:

- **offline** (``set_offline``/``offline_mode``, or ``CHAINWARD_OFFLINE=1``): every
  request raises :class:`OfflineError` before a socket is opened;
- **a transport** (``use_transport``): tests install one (for example
  :class:`RecordedTransport`, which answers from responses recorded into a folder) in
  place of the network.

Standard library only, imported lazily: importing this module opens nothing and costs
nothing on the hook path.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chainward.core.errors import NetworkError

DEFAULT_TIMEOUT = 15.0
DEFAULT_MAX_BYTES = 64 << 20
DEFAULT_RETRIES = 2
DEFAULT_BACKOFF = 0.5
MAX_RETRY_AFTER = 30.0
"""The longest wait a server's ``Retry-After`` may ask for; longer asks are not retried."""

TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
OFFLINE_ENV = "CHAINWARD_OFFLINE"


class OfflineError(NetworkError):
    """A request was made while offline: no socket was opened."""


class ResponseTooLarge(NetworkError):
    """The answer was larger than the caller's bound; it was not read further."""


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request as a transport sees it."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    data: bytes | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES
    schemes: tuple[str, ...] = ("https",)


@dataclass(frozen=True, slots=True)
class Response:
    """A final HTTP answer: its status, (bounded) body and headers (lower-case names)."""

    status: int
    body: bytes
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the status is 2xx."""
        return 200 <= self.status < 300

    def json(self) -> object:
        """The body as JSON (no recursion or float surprises); NetworkError if it is not."""
        from chainward.core.jsonsafe import loads_json

        try:
            return loads_json(self.body)
        except ValueError as exc:
            raise NetworkError(f"{self.url}: not JSON ({exc})") from None


Transport = Callable[[Request], Response]
"""Sends one request and returns the answer; raises ConnectionError/OSError without one."""


@dataclass
class _Switches:
    offline: bool = False
    transport: Transport | None = None


_SWITCHES = _Switches()


def set_offline(value: bool) -> None:
    """Turn the process-wide offline switch on or off (``--offline``)."""
    _SWITCHES.offline = value


def is_offline() -> bool:
    """Whether requests are refused: the switch, or ``CHAINWARD_OFFLINE=1`` in the environment."""
    return _SWITCHES.offline or os.environ.get(OFFLINE_ENV, "").lower() in ("1", "true", "yes")


@contextmanager
def offline_mode(value: bool = True) -> Iterator[None]:
    """Within the block, the offline switch is ``value`` (restored afterwards)."""
    previous = _SWITCHES.offline
    _SWITCHES.offline = value
    try:
        yield
    finally:
        _SWITCHES.offline = previous


@contextmanager
def use_transport(transport: Transport) -> Iterator[Transport]:
    """Within the block, requests go to ``transport`` instead of the network (tests)."""
    previous = _SWITCHES.transport
    _SWITCHES.transport = transport
    try:
        yield transport
    finally:
        _SWITCHES.transport = previous


def fetch(
    url: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    data: bytes | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
    schemes: tuple[str, ...] = ("https",),
) -> Response:
    """Send a request (GET unless ``method`` says otherwise) and return the final answer
    (any status).

    Raises :class:`OfflineError` when offline, :class:`ResponseTooLarge` past
    ``max_bytes``, and :class:`NetworkError` for a refused scheme or when no answer
    came after ``retries`` retries. A 429 or 5xx answer is retried too; when retries
    run out it is returned like any other answer.
    """
    scheme = url.partition(":")[0].lower()
    if scheme not in schemes:
        allowed = " or ".join(schemes)
        raise NetworkError(f"refusing a non-{allowed.upper()} URL: {url}")
    if is_offline():
        raise OfflineError(f"{url}: offline (--offline), so no connection was opened")
    merged = {"User-Agent": _user_agent(), **(headers or {})}
    req = Request(method.upper(), url, merged, data, timeout, max_bytes, schemes)
    transport = _SWITCHES.transport or _urllib_transport
    attempt = 0
    while True:
        try:
            response = transport(req)
        except NetworkError:
            raise
        except ConnectionError as exc:
            if attempt >= retries:
                raise NetworkError(f"{url}: {_reason(exc)}") from None
            wait = backoff * (2**attempt)
        except (TimeoutError, OSError) as exc:
            # A timeout already cost the caller its whole budget, and a name that does
            # not resolve will not resolve in a second: neither is retried.
            raise NetworkError(f"{url}: {_reason(exc)}") from None
        else:
            if response.status not in TRANSIENT_STATUSES or attempt >= retries:
                return response
            wait = _retry_after(response.headers.get("retry-after"), backoff * (2**attempt))
            if wait is None:
                return response
        attempt += 1
        import time

        time.sleep(wait)


def _user_agent() -> str:
    from chainward import __version__

    return f"chainward/{__version__}"


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason if reason is not None else exc) or type(exc).__name__


def _retry_after(value: str | None, default: float) -> float | None:
    """Seconds to wait before the next attempt; None when the server asks too much."""
    if not value:
        return default
    try:
        seconds = float(value.strip())
    except ValueError:
        return default  # an HTTP date: wait our own backoff rather than parse clocks
    if seconds < 0:
        return default
    return seconds if seconds <= MAX_RETRY_AFTER else None


def _read_bounded(stream: object, url: str, limit: int) -> bytes:
    read = getattr(stream, "read")  # noqa: B009 - urllib's response and HTTPError alike
    data: bytes = read(limit + 1)
    if len(data) > limit:
        raise ResponseTooLarge(f"{url}: response larger than {limit} bytes")
    return data


def _urllib_transport(req: Request) -> Response:
    """The real network, through urllib (proxies from the environment are honoured)."""
    import urllib.error
    import urllib.request

    class _Redirects(urllib.request.HTTPRedirectHandler):
        """Follow redirects only to a scheme the caller allowed (no https→http)."""

        def redirect_request(  # type: ignore[no-untyped-def]
            self, request, fp, code, msg, headers, newurl
        ):
            if newurl.partition(":")[0].lower() not in req.schemes:
                raise NetworkError(f"{req.url}: refused a redirect to {newurl}")
            return super().redirect_request(request, fp, code, msg, headers, newurl)

    opener = urllib.request.build_opener(_Redirects)
    urlreq = urllib.request.Request(  # noqa: S310 - the scheme was checked by fetch()
        req.url, data=req.data, headers=dict(req.headers), method=req.method
    )
    try:
        with opener.open(urlreq, timeout=req.timeout) as answer:
            body = _read_bounded(answer, req.url, req.max_bytes)
            return Response(
                int(answer.status), body, req.url, {k.lower(): v for k, v in answer.headers.items()}
            )
    except urllib.error.HTTPError as exc:
        try:
            body = _read_bounded(exc, req.url, req.max_bytes)
        except (OSError, ResponseTooLarge):
            body = b""
        headers = {k.lower(): v for k, v in exc.headers.items()} if exc.headers else {}
        return Response(int(exc.code), body, req.url, headers)
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, ConnectionError):
            raise exc.reason from None
        if isinstance(exc.reason, NetworkError):
            raise exc.reason from None
        raise OSError(_reason(exc)) from None


@dataclass
class RecordedTransport:
    """Answers from responses recorded into a folder, never from the network (tests).

    The folder holds ``responses.json``: a list of ``{"method", "url", "status",
    "body" (a file name in the folder), "headers"?, "source"?}``, where ``source`` notes
    where and when the response was recorded. A request with no recording fails like an
    unreachable host (ConnectionRefusedError), so a test never passes by accident.
    ``requests`` lists what was asked, in order.
    """

    folder: Path
    requests: list[Request] = field(default_factory=list)

    def __call__(self, req: Request) -> Response:
        self.requests.append(req)
        for entry in self._entries():
            if entry.get("url") == req.url and entry.get("method", "GET").upper() == req.method:
                body = (self.folder / str(entry["body"])).read_bytes() if entry.get("body") else b""
                if len(body) > req.max_bytes:
                    raise ResponseTooLarge(f"{req.url}: response larger than {req.max_bytes} bytes")
                recorded = dict(entry.get("headers", {}))
                headers = {str(k).lower(): str(v) for k, v in recorded.items()}
                return Response(int(entry.get("status", 200)), body, req.url, headers)
        raise ConnectionRefusedError(f"no recorded response for {req.method} {req.url}")

    def _entries(self) -> list[dict[str, Any]]:
        import json

        entries = json.loads((self.folder / "responses.json").read_text("utf-8"))
        if not isinstance(entries, list):
            raise ValueError(f"{self.folder}/responses.json: expected a list")
        return [e for e in entries if isinstance(e, dict)]
