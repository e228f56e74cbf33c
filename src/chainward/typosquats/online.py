"""Online signals from the PyPI JSON API (``--online`` only; hooks never fetch).

``https://pypi.org/pypi/<name>/json`` tells whether a name exists at all (a missing
name that code or an assistant asks for is "likely hallucinated: do not install"), when
it was first released, how many releases it has, and whether it depends on the popular
project it resembles (squats often do, so that they still work after installing).
A network failure is "not verified", never a pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from chainward.core.jsonsafe import loads_json
from chainward.core.times import parse_rfc3339
from chainward.typosquats.keys import normalize
from chainward.typosquats.scoring import Verdict

PYPI_JSON = "https://pypi.org/pypi/{name}/json"
MAX_BODY = 64 * 1024 * 1024
YOUNG_DAYS = 90

Fetcher = Callable[[str], tuple[int, bytes]]
"""(name) -> (HTTP status, body). Raises OSError when the index cannot be reached."""

_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def fetch_pypi(name: str, timeout: float = 10.0) -> tuple[int, bytes]:
    """GET the project's JSON from PyPI (status 404 for a missing project)."""
    import urllib.parse

    from chainward.core import http
    from chainward.core.errors import NetworkError

    url = PYPI_JSON.format(name=urllib.parse.quote(name, safe=""))
    try:
        response = http.fetch(
            url, headers={"Accept": "application/json"}, timeout=timeout, max_bytes=MAX_BODY
        )
    except NetworkError as exc:
        raise OSError(exc.message) from None  # the Fetcher contract: OSError when unreachable
    return response.status, response.body if response.ok else b""


@dataclass(frozen=True, slots=True)
class ProjectInfo:
    """What the index says about one name. ``exists`` is None when not verified."""

    name: str
    exists: bool | None
    first_release: datetime | None = None
    releases: int = 0
    requires: tuple[str, ...] = ()
    error: str | None = None

    def age_days(self, now: datetime | None = None) -> int | None:
        """Days since the first upload, if known."""
        if self.first_release is None:
            return None
        now = now or datetime.now(timezone.utc)
        return max(0, (now - self.first_release).days)


def parse_project(name: str, status: int, body: bytes) -> ProjectInfo:
    """Interpret one PyPI JSON API response."""
    if status == 404:
        return ProjectInfo(name, exists=False)
    if status != 200:
        return ProjectInfo(name, exists=None, error=f"PyPI answered HTTP {status}")
    try:
        data = loads_json(body)
    except (ValueError, UnicodeDecodeError):
        return ProjectInfo(name, exists=None, error="PyPI sent invalid JSON")
    if not isinstance(data, dict):
        return ProjectInfo(name, exists=None, error="PyPI sent unexpected JSON")
    releases = data.get("releases") or {}
    first: datetime | None = None
    count = 0
    if isinstance(releases, dict):
        for files in releases.values():
            if not isinstance(files, list) or not files:
                continue
            count += 1
            for item in files:
                if isinstance(item, dict):
                    when = parse_rfc3339(
                        item.get("upload_time_iso_8601") or item.get("upload_time")
                    )
                    if when is not None and (first is None or when < first):
                        first = when
    info = data.get("info") if isinstance(data.get("info"), dict) else {}
    requires: list[str] = []
    for requirement in (info or {}).get("requires_dist") or []:
        if isinstance(requirement, str):
            match = _REQUIREMENT_NAME.match(requirement)
            if match:
                requires.append(normalize(match.group(1)))
    return ProjectInfo(name, True, first, count, tuple(requires))


def project_info(name: str, fetch: Fetcher = fetch_pypi) -> ProjectInfo:
    """Ask the index about ``name``; a failure is recorded, never raised."""
    try:
        status, body = fetch(name)
    except OSError as exc:
        reason = getattr(exc, "reason", None) or exc.strerror or exc
        return ProjectInfo(name, exists=None, error=f"not verified: {reason}")
    except ValueError as exc:
        return ProjectInfo(name, exists=None, error=f"not verified: {exc}")
    return parse_project(name, status, body)


def apply_online(verdict: Verdict, info: ProjectInfo, now: datetime | None = None) -> Verdict:
    """The verdict with the index's answer folded in."""
    if info.exists is None:
        note = info.error or "not verified"
        return verdict._replace(detail=f"{verdict.detail}; online: {note}".lstrip("; "))
    if info.exists is False:
        detail = "does not exist on PyPI: likely hallucinated, do not install"
        if verdict.flagged:
            return verdict._replace(
                score=max(verdict.score, 0.9), detail=f"{verdict.detail}; {detail}"
            )
        return verdict._replace(flagged=True, technique="nonexistent", score=0.9, detail=detail)
    if not verdict.flagged:
        return verdict
    notes = []
    score = verdict.score
    age = info.age_days(now)
    if age is not None:
        notes.append(f"first released {info.first_release:%Y-%m-%d} ({age} days ago)")
        if age <= YOUNG_DAYS:
            score += 0.1
    notes.append(f"{info.releases} release{'s' if info.releases != 1 else ''}")
    if verdict.target and normalize(verdict.target) in info.requires:
        notes.append(f"depends on {verdict.target!r} itself")
        score += 0.1
    return verdict._replace(
        score=round(min(score, 0.99), 3), detail=f"{verdict.detail}; {', '.join(notes)}"
    )
