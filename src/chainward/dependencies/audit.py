"""Known vulnerabilities of pinned versions, through pip-audit's PyPI service.

pip-audit (the ``audit`` extra) is imported inside :func:`audit_versions` only.
Its PyPI service asks the per-version JSON (``/pypi/NAME/VERSION/json``); where
that endpoint does not answer (HTTP 404 from some mirrors and proxies), pip-audit
skips the dependency and we report it as not audited, never as clean.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Advisory:
    """One known vulnerability of one pinned version."""

    id: str
    aliases: tuple[str, ...]
    description: str
    fixed_in: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AuditResult:
    """Advisories of ``name==version``, or why it could not be audited (``error``)."""

    name: str
    version: str
    advisories: tuple[Advisory, ...] = ()
    error: str | None = None


class AuditUnavailable(RuntimeError):
    """pip-audit is not installed (install chainward[audit])."""


def audit_versions(
    pins: Iterable[tuple[str, str]],
    *,
    cache_dir: Path | None = None,
    timeout: int = 15,
    session: Any = None,
) -> list[AuditResult]:
    """Query pip-audit's PyPI service for each (name, version).

    ``session`` replaces pip-audit's HTTP session (a ``requests.Session``); tests
    give one that replays recorded responses. Network problems become results with
    ``error`` set.
    """
    try:
        import requests
        from packaging.version import InvalidVersion, Version
        from pip_audit._service.interface import (
            ResolvedDependency,
            ServiceError,
            SkippedDependency,
        )
        from pip_audit._service.pypi import PyPIService
    except ImportError as exc:
        raise AuditUnavailable(
            f"pip-audit is not installed ({exc.name}); install chainward[audit]"
        ) from None

    service = PyPIService(cache_dir=cache_dir, timeout=timeout)
    if session is not None:
        service.session = session
    results: list[AuditResult] = []
    for name, version in pins:
        try:
            spec = ResolvedDependency(name=name, version=Version(version))
        except InvalidVersion:
            results.append(AuditResult(name, version, error=f"invalid version {version!r}"))
            continue
        try:
            answered, vulns = service.query(spec)
        except (ServiceError, ConnectionError, requests.RequestException) as exc:
            results.append(AuditResult(name, version, error=f"{type(exc).__name__}: {exc}"))
            continue
        if isinstance(answered, SkippedDependency):
            results.append(AuditResult(name, version, error=answered.skip_reason))
            continue
        advisories = tuple(
            Advisory(
                id=str(v.id),
                aliases=tuple(sorted(str(a) for a in v.aliases)),
                description=str(v.description),
                fixed_in=tuple(str(f) for f in v.fix_versions),
            )
            for v in vulns
        )
        results.append(AuditResult(name, version, advisories))
    return results
