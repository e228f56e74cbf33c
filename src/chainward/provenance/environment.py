"""Where the build runs: GitHub Actions (its variables, or the OIDC token's claims) or a
local checkout (its origin remote, ref and commit), for the provenance predicate.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from chainward.core.errors import InputError


@dataclass(frozen=True)
class SourceInfo:
    """The source repository of the build."""

    url: str
    ref: str | None
    commit: str | None


def utc_now() -> str:
    """The current UTC time, to the second, as RFC 3339 (``2026-01-02T03:04:05Z``)."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class BuildEnvironment:
    """What the build knows about itself: GitHub Actions variables or a local checkout."""

    github: Mapping[str, str] | None
    source: SourceInfo | None
    hostname: str = ""
    started: str = field(default_factory=utc_now)


def strip_credentials(url: str) -> str:
    """A remote URL without ``user:token@`` (never leak a token into an attestation)."""
    return re.sub(r"^([a-z][a-z0-9+.-]*://)[^/@]*@", r"\1", url.strip())


def _https_remote(url: str) -> str:
    url = strip_credentials(url)
    match = re.match(r"^(?:ssh://)?git@([^:/]+)[:/](.+)$", url)
    if match:
        url = f"https://{match.group(1)}/{match.group(2)}"
    return url.removesuffix(".git")


def local_source(root: Path) -> SourceInfo | None:
    """The checkout's origin remote, branch ref and HEAD commit, or None outside git."""
    from chainward.core.git import run_git

    if run_git(("rev-parse", "--is-inside-work-tree"), root, check=False).returncode != 0:
        return None
    commit_proc = run_git(("rev-parse", "--verify", "-q", "HEAD"), root, check=False)
    commit = commit_proc.stdout.decode().strip() if commit_proc.returncode == 0 else None
    ref_proc = run_git(("symbolic-ref", "-q", "HEAD"), root, check=False)
    ref = ref_proc.stdout.decode().strip() if ref_proc.returncode == 0 else None
    remote_proc = run_git(("remote", "get-url", "origin"), root, check=False)
    if remote_proc.returncode == 0 and remote_proc.stdout.strip():
        url = _https_remote(remote_proc.stdout.decode("utf-8", "replace"))
    else:
        url = root.resolve().as_uri()
    return SourceInfo(url, ref, commit)


GITHUB_VARIABLES = (
    "GITHUB_SERVER_URL",
    "GITHUB_REPOSITORY",
    "GITHUB_REPOSITORY_ID",
    "GITHUB_REPOSITORY_OWNER_ID",
    "GITHUB_REF",
    "GITHUB_SHA",
    "GITHUB_EVENT_NAME",
    "GITHUB_WORKFLOW_REF",
    "GITHUB_RUN_ID",
    "GITHUB_RUN_ATTEMPT",
    "RUNNER_ENVIRONMENT",
)


# OIDC token claims and the variables they stand for. When the job's token is at hand
# (keyless signing) its claims are used, as actions/attest-build-provenance does: they
# are what Fulcio certifies, and ``job_workflow_ref`` names the reusable workflow that
# really ran the build, where GITHUB_WORKFLOW_REF names the caller.
CLAIM_VARIABLES = {
    "repository": "GITHUB_REPOSITORY",
    "repository_id": "GITHUB_REPOSITORY_ID",
    "repository_owner_id": "GITHUB_REPOSITORY_OWNER_ID",
    "ref": "GITHUB_REF",
    "sha": "GITHUB_SHA",
    "event_name": "GITHUB_EVENT_NAME",
    "workflow_ref": "GITHUB_WORKFLOW_REF",
    "job_workflow_ref": "JOB_WORKFLOW_REF",
    "run_id": "GITHUB_RUN_ID",
    "run_attempt": "GITHUB_RUN_ATTEMPT",
    "runner_environment": "RUNNER_ENVIRONMENT",
}


def detect_environment(
    root: Path,
    env: Mapping[str, str] | None = None,
    claims: Mapping[str, Any] | None = None,
) -> BuildEnvironment:
    """GitHub Actions when ``GITHUB_ACTIONS=true`` (its variables, or the OIDC token's
    ``claims`` where given), else local."""
    import socket

    env = os.environ if env is None else env
    if env.get("GITHUB_ACTIONS") == "true":
        github = {k: env.get(k, "") for k in GITHUB_VARIABLES}
        github["JOB_WORKFLOW_REF"] = ""
        for claim, variable in CLAIM_VARIABLES.items():
            value = (claims or {}).get(claim)
            if isinstance(value, (str, int)) and str(value):
                github[variable] = str(value)
        github["JOB_WORKFLOW_REF"] = github["JOB_WORKFLOW_REF"] or github["GITHUB_WORKFLOW_REF"]
        server = github["GITHUB_SERVER_URL"] or "https://github.com"
        github["GITHUB_SERVER_URL"] = server
        missing = [
            k for k in ("GITHUB_REPOSITORY", "GITHUB_SHA", "GITHUB_WORKFLOW_REF") if not github[k]
        ]
        if missing:
            raise InputError(
                "GITHUB_ACTIONS is set but " + ", ".join(missing) + " is not",
                hint="run inside a GitHub Actions job",
            )
        source = SourceInfo(
            f"{server}/{github['GITHUB_REPOSITORY']}",
            github["GITHUB_REF"] or None,
            github["GITHUB_SHA"],
        )
        return BuildEnvironment(github, source)
    return BuildEnvironment(None, local_source(root), hostname=socket.gethostname())
