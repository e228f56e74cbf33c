"""PyPI's JSON simple API (PEP 691) with upload times (PEP 700) and provenance links (PEP 740).

One request per project (``GET /simple/NAME/`` with
``Accept: application/vnd.pypi.simple.v1+json``) gives every file of every release
with its sha256, its ``upload-time`` and, where the index serves PEP 740, a
``provenance`` field: the URL of the file's Provenance object, or null when the file
has no attestations. An index that omits the field altogether (a mirror, or an index
without PEP 740) says nothing about attestations: :attr:`SimpleFile.provenance_known`
is False and callers report "not verified", never "unattested".

Responses are cached on disk like :mod:`chainward.dependencies.index`; ``offline``
reads only the cache and opens no socket. Failures raise :class:`NetworkError`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from chainward.core.atomic import write_atomic
from chainward.core.distfiles import distribution_key
from chainward.core.errors import NetworkError
from chainward.core.jsonsafe import loads_json
from chainward.core.times import parse_rfc3339
from chainward.dependencies.index import CachedClient, fetch, read_cache

PYPI_SIMPLE = "https://pypi.org/simple"
PYPI_INTEGRITY = "https://pypi.org/integrity"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"


@dataclass(frozen=True, slots=True)
class SimpleFile:
    """One file of a release as the simple API lists it."""

    filename: str
    version: str
    sha256: str | None
    upload_time: datetime | None
    yanked: bool
    provenance_known: bool
    """Whether the index said anything about attestations (the PEP 740 field is present)."""
    provenance_url: str | None
    """The Provenance object's URL; None with ``provenance_known`` means "no attestations"."""


@dataclass(frozen=True)
class SimpleProject:
    """Every file of a project, grouped by release version (as spelled in file names)."""

    name: str
    files: tuple[SimpleFile, ...]

    def release(self, version: str) -> tuple[SimpleFile, ...]:
        """The files of ``version`` (compared as PEP 440 versions)."""
        from packaging.version import InvalidVersion, Version

        try:
            wanted: Version | str = Version(version)
        except InvalidVersion:
            wanted = version
        out = []
        for file in self.files:
            try:
                same = Version(file.version) == wanted
            except InvalidVersion:
                same = file.version == version
            if same:
                out.append(file)
        return tuple(out)

    def versions(self) -> list[str]:
        """Every version that has at least one file."""
        return sorted({f.version for f in self.files})


def parse_simple(payload: Any) -> SimpleProject:
    """Build a SimpleProject from a decoded JSON simple API page; ValueError if it is not one."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("files"), list):
        raise ValueError("not a JSON simple API project page (no 'files' list)")
    files = []
    for entry in payload["files"]:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("filename"), str):
            continue
        filename = entry["filename"]
        key = distribution_key(filename)
        version = key[1] if key else None
        if version is None:
            continue  # eggs, .exe installers and other legacy files are never pinned
        hashes = entry.get("hashes")
        sha256 = hashes.get("sha256") if isinstance(hashes, Mapping) else None
        provenance = entry.get("provenance")
        files.append(
            SimpleFile(
                filename=filename,
                version=version,
                sha256=sha256.lower() if isinstance(sha256, str) else None,
                upload_time=parse_rfc3339(entry.get("upload-time")),
                yanked=bool(entry.get("yanked")),
                provenance_known="provenance" in entry,
                provenance_url=provenance if isinstance(provenance, str) else None,
            )
        )
    return SimpleProject(str(payload.get("name", "")), tuple(files))


def url_key(url: str) -> str:
    """A file name for a cached URL: its last path part plus a short digest of the URL."""
    tail = url.rstrip("/").rsplit("/", 2)[-2:]
    stem = "-".join(p for p in tail if p).replace(":", "_")[:80]
    return f"{stem}-{hashlib.sha256(url.encode()).hexdigest()[:12]}.json"


class SimpleClient(CachedClient[SimpleProject]):
    """Simple-API pages and Provenance objects, cached on disk; ``offline`` reads the cache."""

    default_url = PYPI_SIMPLE
    integrity_url = PYPI_INTEGRITY

    def _write_cache(self, path: Path, data: bytes) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, data.decode("utf-8", "replace"))
        except OSError:
            pass  # a read-only cache only costs a refetch next time

    def project(self, name: str) -> SimpleProject:
        """The project's files, from the cache when fresh (or ``offline``), else the index."""
        key = canonicalize_name(name)
        if key in self._memory:
            return self._memory[key]
        path = self.cache_dir / "simple" / f"{key}.json"
        data = read_cache(path, self.ttl, fresh_only=not self.offline)
        if data is None:
            if self.offline:
                raise NetworkError(f"--offline, and the index's answer for {key} is not cached")
            data = fetch(f"{self.base_url}/{key}/", self.timeout, SIMPLE_JSON)
            self._write_cache(path, data)
        try:
            project = parse_simple(loads_json(data))
        except ValueError as exc:
            raise NetworkError(f"unexpected simple API response for {key}: {exc}") from None
        self._memory[key] = project
        return project

    def integrity_url_for(self, name: str, file: SimpleFile) -> str:
        """The integrity API URL of ``file``'s Provenance object (PEP 740)."""
        return (
            f"{self.integrity_url}/{canonicalize_name(name)}/{file.version}/"
            f"{file.filename}/provenance"
        )

    def provenance(self, url: str) -> bytes:
        """The raw Provenance object at ``url`` (cached for good: it never changes)."""
        path = self.cache_dir / "provenance" / url_key(url)
        data = read_cache(path, self.ttl, fresh_only=False)
        if data is not None:
            return data
        if self.offline:
            raise NetworkError(f"--offline, and the provenance at {url} is not cached")
        data = fetch(url, self.timeout, "application/vnd.pypi.integrity.v1+json")
        self._write_cache(path, data)
        return data


def cache_dir_from(policy: Mapping[str, Any]) -> Path | None:
    """The policy's ``cache-dir`` (None: the default)."""
    cache = str(policy.get("cache-dir", "") or "")
    return Path(cache).expanduser() if cache else None
