"""The commit a hub id points at now: ``GET {endpoint}/api/{models|datasets}/{id}``
(its ``sha`` field), or ``/api/models/{id}/revision/{rev}`` for a named branch or tag.

The endpoint is ``HF_ENDPOINT`` (the variable huggingface_hub reads) or
``https://huggingface.co``. Only the standard library is used; every request has a
timeout, and a failure is an answer of None with its reason, never a guess.
"""

from __future__ import annotations

import json
import os
import re
import urllib.parse
from dataclasses import dataclass, field

COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")
MAX_RESPONSE = 4 << 20
_KINDS = {"model": "models", "dataset": "datasets", "space": "spaces", "metric": "models"}


@dataclass
class HubClient:
    """Asks the hub for current commits, remembering each answer for the run."""

    endpoint: str = field(
        default_factory=lambda: os.environ.get("HF_ENDPOINT", "https://huggingface.co")
    )
    timeout: float = 15.0
    offline: bool = False
    token: str | None = field(default_factory=lambda: os.environ.get("HF_TOKEN") or None)
    _seen: dict[tuple[str, str, str | None], tuple[str | None, str]] = field(default_factory=dict)

    def url(self, repo_id: str, kind: str = "model", revision: str | None = None) -> str:
        """The API address for a repository (and a revision)."""
        base = f"{self.endpoint.rstrip('/')}/api/{_KINDS.get(kind, 'models')}/{repo_id}"
        if revision:
            return f"{base}/revision/{urllib.parse.quote(revision, safe='')}"
        return base

    def commit(
        self, repo_id: str, kind: str = "model", revision: str | None = None
    ) -> tuple[str | None, str]:
        """(the 40-hex commit, "") or (None, why it is unknown)."""
        key = (repo_id, kind, revision)
        if key not in self._seen:
            self._seen[key] = self._ask(repo_id, kind, revision)
        return self._seen[key]

    def _ask(self, repo_id: str, kind: str, revision: str | None) -> tuple[str | None, str]:
        if self.offline:
            return None, "offline: the hub was not asked"
        url = self.url(repo_id, kind, revision)
        if not url.startswith(("https://", "http://")):
            return None, f"HF_ENDPOINT is not an http(s) address: {self.endpoint!r}"
        from chainward.core import http
        from chainward.core.errors import NetworkError

        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            response = http.fetch(
                url,
                headers=headers,
                timeout=self.timeout,
                max_bytes=MAX_RESPONSE,
                schemes=("https", "http"),
            )
        except http.ResponseTooLarge:
            return None, "the hub's answer is too large"
        except http.OfflineError:
            return None, "offline: the hub was not asked"
        except NetworkError as exc:
            return None, f"cannot reach the hub: {exc.message}"
        if not response.ok:
            return None, f"the hub answered HTTP {response.status} for {repo_id}"
        body = response.body
        try:
            data = json.loads(body)
        except ValueError:
            return None, "the hub's answer is not JSON"
        sha = data.get("sha") if isinstance(data, dict) else None
        if not isinstance(sha, str) or not COMMIT_RE.match(sha):
            return None, "the hub's answer has no 40-hex `sha`"
        return sha, ""
