"""PyPI's project JSON (``/pypi/NAME/json``): every release's file digests.

The project-level endpoint lists the digests of every file of every release, so
one request per project verifies any number of pinned versions. Responses are
cached on disk (atomic writes) and refetched when stale or when a pinned version
is missing from the cached copy. Requests always have a timeout; ``offline``
opens no socket. Failures raise :class:`NetworkError`; callers report them as
"not verified", never as a pass.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from chainward.core.atomic import write_atomic
from chainward.core.errors import NetworkError
from chainward.core.jsonsafe import loads_json

PYPI_JSON = "https://pypi.org/pypi"
MAX_RESPONSE_BYTES = 64 << 20  # torch's project JSON is a few MB; nothing legit is 64 MB


class ProjectNotFound(NetworkError):
    """The index has no such project (HTTP 404)."""


@dataclass(frozen=True, slots=True)
class ReleaseFile:
    """One file of a release and the digests PyPI publishes for it."""

    filename: str
    digests: Mapping[str, str]
    yanked: bool


@dataclass(frozen=True)
class Project:
    """A project's releases: version string → files."""

    name: str
    releases: Mapping[str, tuple[ReleaseFile, ...]]

    def files(self, version: str) -> tuple[ReleaseFile, ...] | None:
        """The files of ``version`` (compared as PEP 440 versions), or None."""
        if version in self.releases:
            return self.releases[version]
        try:
            wanted = Version(version)
        except InvalidVersion:
            return None
        for candidate, files in self.releases.items():
            try:
                if Version(candidate) == wanted:
                    return files
            except InvalidVersion:
                continue
        return None

    def published(self, version: str) -> set[str] | None:
        """Every ``algo:hex`` digest published for ``version`` (None if no such release)."""
        files = self.files(version)
        if files is None:
            return None
        return {f"{algo}:{digest.lower()}" for f in files for algo, digest in f.digests.items()}


def parse_project(payload: Any) -> Project:
    """Build a Project from the decoded project JSON; ValueError if it is not one."""
    if not isinstance(payload, Mapping):
        raise ValueError("not a JSON object")
    info = payload.get("info")
    releases = payload.get("releases")
    if not isinstance(info, Mapping) or not isinstance(releases, Mapping):
        raise ValueError("missing 'info' or 'releases'")
    out: dict[str, tuple[ReleaseFile, ...]] = {}
    for version, files in releases.items():
        if not isinstance(files, list):
            continue
        parsed = []
        for entry in files:
            if not isinstance(entry, Mapping):
                continue
            digests = entry.get("digests")
            if not isinstance(digests, Mapping):
                continue
            clean = {
                ("blake2b" if k == "blake2b_256" else str(k)): str(v)
                for k, v in digests.items()
                if isinstance(v, str)
            }
            parsed.append(
                ReleaseFile(str(entry.get("filename", "")), clean, bool(entry.get("yanked")))
            )
        out[str(version)] = tuple(parsed)
    return Project(str(info.get("name", "")), out)


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/chainward/pypi`` (``~/.cache`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "chainward" / "pypi"


def fetch(url: str, timeout: float, accept: str = "application/json") -> bytes:
    """GET ``url`` (https only) with a timeout and a size bound; NetworkError on failure.

    The one HTTP GET of the dependencies domain (project JSON, simple API pages, PEP 740
    provenance), through :mod:`chainward.core.http`: ProjectNotFound on 404.
    """
    from chainward.core import http

    response = http.fetch(
        url, headers={"Accept": accept}, timeout=timeout, max_bytes=MAX_RESPONSE_BYTES
    )
    if response.status == 404:
        raise ProjectNotFound(f"{url}: not found (HTTP 404)")
    if not response.ok:
        raise NetworkError(f"{url}: HTTP {response.status}")
    return response.body


def fetch_json(url: str, timeout: float) -> Any:
    """GET a JSON document with a timeout and a size bound; NetworkError on failure."""
    data = fetch(url, timeout)
    try:
        return loads_json(data)
    except ValueError as exc:
        raise NetworkError(f"{url}: not JSON ({exc})") from None


def read_cache(path: Path, ttl: float, *, fresh_only: bool) -> bytes | None:
    """A cached response (bounded), or None when it is missing, unreadable or, with
    ``fresh_only``, older than ``ttl`` seconds. Shared by every on-disk index cache."""
    try:
        if fresh_only and time.time() - path.stat().st_mtime > ttl:
            return None
        with path.open("rb") as handle:
            return handle.read(MAX_RESPONSE_BYTES + 1)
    except OSError:
        return None


T = TypeVar("T")
C = TypeVar("C", bound="CachedClient[Any]")


class CachedClient(Generic[T]):
    """What the index clients share: where responses are cached and for how long, the
    request timeout, whether the network may be used, and the index's URL.

    ``T`` is what the client remembers per project for the rest of the run.
    """

    default_url = ""

    def __init__(
        self,
        *,
        cache_dir: Path | None = None,
        ttl: int = 86400,
        timeout: float = 15.0,
        offline: bool = False,
        base_url: str | None = None,
    ) -> None:
        self.cache_dir = cache_dir or default_cache_dir()
        self.ttl = ttl
        self.timeout = timeout
        self.offline = offline
        self.base_url = (base_url or self.default_url).rstrip("/")
        self._memory: dict[str, T] = {}

    @classmethod
    def from_policy(cls: type[C], policy: Mapping[str, Any], *, offline: bool = False) -> C:
        """A client set up by the ``[tool.chainward.dependencies]`` table (``cache-dir``,
        ``cache-ttl``, ``timeout``)."""
        cache = str(policy.get("cache-dir", "") or "")
        return cls(
            cache_dir=Path(cache).expanduser() if cache else None,
            ttl=int(policy.get("cache-ttl", 86400)),
            timeout=float(policy.get("timeout", 15)),
            offline=offline,
        )


class PyPIClient(CachedClient[Project]):
    """Project look-ups with an on-disk cache; one request per project per run."""

    default_url = PYPI_JSON

    def _cache_path(self, name: str) -> Path:
        return self.cache_dir / f"{name}.json"

    def _cached(self, name: str, *, fresh_only: bool) -> Project | None:
        data = read_cache(self._cache_path(name), self.ttl, fresh_only=fresh_only)
        if data is None:
            return None
        try:
            return parse_project(loads_json(data))
        except ValueError:
            return None

    def project(self, name: str, version: str | None = None) -> Project:
        """The project's release data; refetched when ``version`` is not in the cache."""
        key = canonicalize_name(name)
        project = self._memory.get(key) or self._cached(key, fresh_only=not self.offline)
        if project is not None and (version is None or project.files(version) is not None):
            self._memory[key] = project
            return project
        if self.offline:
            raise NetworkError(f"--offline, and PyPI's answer for {key} is not in the cache")
        payload = fetch_json(f"{self.base_url}/{key}/json", self.timeout)
        try:
            project = parse_project(payload)
        except ValueError as exc:
            raise NetworkError(f"unexpected response for {key}: {exc}") from None
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            write_atomic(self._cache_path(key), json.dumps(payload))
        except OSError:
            pass  # a read-only cache only costs a refetch next time
        self._memory[key] = project
        return project
