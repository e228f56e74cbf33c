"""The ``release-trust`` family's edge: what it fetches and verifies.

The JSON simple API and PyPI Provenance objects (through :mod:`chainward.dependencies.simple`),
the Hugging Face API for a revision's commit date, and the offline verification of PEP 740
attestations against the pinned Sigstore trusted root (:mod:`chainward.core.pep740`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from chainward.core.errors import InputError, NetworkError
from chainward.core.jsonsafe import loads_json
from chainward.core.times import parse_rfc3339
from chainward.dependencies.index import fetch
from chainward.dependencies.publishers import (
    FileAttestations,
    Identity,
    ReleaseAttestations,
)
from chainward.dependencies.simple import SimpleClient, SimpleFile

if TYPE_CHECKING:
    from sigstore.models import TrustedRoot

HF_API = "https://huggingface.co/api"
_HUB_ID = re.compile(r"\A[A-Za-z0-9][\w.-]*/[\w.-]+\Z")
_COMMIT = re.compile(r"\A[0-9a-f]{40}\Z")

Verifier = Callable[[bytes, str, str], FileAttestations]
"""(raw Provenance object, file name, sha256) → the file's outcome."""


def now_utc() -> datetime:
    """The current time, aware (UTC)."""
    return datetime.now(timezone.utc)


class HubClient:
    """The commit date of a Hugging Face model revision (``GET /api/models/ID/revision/REV``).

    The documented Hub API answers with the model info at that revision; its
    ``lastModified`` is the date of the revision's commit and ``sha`` the commit id.
    A commit id never changes, so answers are cached for good.
    """

    def __init__(
        self,
        *,
        cache_dir: Path | None = None,
        timeout: float = 15.0,
        offline: bool = False,
        base_url: str = HF_API,
    ) -> None:
        from chainward.dependencies.index import default_cache_dir

        # Beside the PyPI cache by default (~/.cache/chainward/hub), inside cache-dir if set.
        self.cache_dir = cache_dir / "hub" if cache_dir else default_cache_dir().parent / "hub"
        self.timeout = timeout
        self.offline = offline
        self.base_url = base_url.rstrip("/")

    def commit_date(self, model_id: str, revision: str) -> datetime:
        """When ``revision`` of ``model_id`` was committed; NetworkError if unknown."""
        if not _HUB_ID.match(model_id) or not _COMMIT.match(revision):
            raise NetworkError(f"{model_id}@{revision} is not a hub id and full commit id")
        path = self.cache_dir / f"{model_id.replace('/', '--')}@{revision}.json"
        try:
            data = path.read_bytes()
        except OSError:
            if self.offline:
                raise NetworkError("--offline, and the Hub's answer is not cached") from None
            data = fetch(
                f"{self.base_url}/models/{model_id}/revision/{revision}",
                self.timeout,
                "application/json",
            )
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                from chainward.core.atomic import write_atomic

                write_atomic(path, data.decode("utf-8", "replace"))
            except OSError:
                pass
        try:
            info = loads_json(data)
        except ValueError as exc:
            raise NetworkError(f"the Hub's answer is not JSON ({exc})") from None
        if not isinstance(info, Mapping):
            raise NetworkError("the Hub's answer is not a model info object")
        sha = info.get("sha")
        if isinstance(sha, str) and sha != revision:
            raise NetworkError(f"the Hub answered for commit {sha}, not {revision}")
        when = parse_rfc3339(info.get("lastModified"))
        if when is None:
            raise NetworkError("the Hub's answer has no lastModified date")
        return when


def attestation_verifier(trusted_root: Path | None = None) -> Verifier:
    """A verifier over the pinned trusted root (loaded once, on first use)."""
    loaded: list[TrustedRoot] = []

    def verify(raw: bytes, filename: str, sha256: str) -> FileAttestations:
        from chainward.core.attestation import load_root
        from chainward.core.pep740 import verify_index_provenance

        try:
            if not loaded:
                loaded.append(load_root(trusted_root))
            results = verify_index_provenance(raw, filename, sha256, loaded[0])
        except ImportError as exc:
            why = f"{exc.name or exc} is not installed: pip install 'chainward[sigstore]'"
            return FileAttestations(filename, "unknown", (), why)
        except InputError as exc:
            # A document we cannot read proves nothing either way: not verified, not critical.
            return FileAttestations(filename, "unknown", (), exc.message)
        identities = tuple(Identity.from_mapping(claims) for claims, _ in results)
        failed = [r.reason for _, r in results if not r.verified]
        if not results:
            return FileAttestations(filename, "invalid", (), "the provenance holds no bundles")
        if failed:
            return FileAttestations(filename, "invalid", identities, failed[0])
        return FileAttestations(filename, "verified", identities)

    return verify


def considered_files(
    files: tuple[SimpleFile, ...], hashes: Iterable[str]
) -> tuple[SimpleFile, ...]:
    """The files a pin installs: those whose sha256 is pinned, else every non-yanked one."""
    wanted = {h.partition(":")[2].lower() for h in hashes if h.lower().startswith("sha256:")}
    live = tuple(f for f in files if not f.yanked) or files
    if wanted:
        matched = tuple(f for f in files if f.sha256 in wanted)
        if matched:
            return matched
    return live


def observe_release(
    client: SimpleClient, verifier: Verifier, name: str, version: str, hashes: Iterable[str] = ()
) -> ReleaseAttestations:
    """Fetch and verify the attestations of each file of ``name==version`` the pin installs."""
    try:
        project = client.project(name)
    except NetworkError as exc:
        return ReleaseAttestations(error=f"the index could not be asked: {exc}")
    files = considered_files(project.release(version), hashes)
    if not files:
        return ReleaseAttestations(error=f"the index lists no files of {name} {version}")
    out = []
    for file in files:
        if file.sha256 is None:
            out.append(FileAttestations(file.filename, "unknown", (), "the index gives no sha256"))
            continue
        if file.provenance_known and file.provenance_url is None:
            out.append(FileAttestations(file.filename, "none"))
            continue
        url = file.provenance_url or client.integrity_url_for(name, file)
        try:
            raw = client.provenance(url)
        except NetworkError as exc:
            why = (
                f"the index serves no PEP 740 data (no `provenance` field in its JSON simple "
                f"API) and the integrity API did not answer: {exc}"
                if not file.provenance_known
                else f"the provenance could not be fetched: {exc}"
            )
            out.append(FileAttestations(file.filename, "unknown", (), why))
            continue
        out.append(verifier(raw, file.filename, file.sha256))
    return ReleaseAttestations(tuple(out))
