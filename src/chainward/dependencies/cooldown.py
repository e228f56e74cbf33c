"""Release cooldown: do not adopt a release (or model revision) younger than ``min-release-age``.

Most malicious releases of trusted packages (ultralytics 8.3.41/8.3.42 in December
2024, the 2025 account-takeover waves) were found and pulled within days; waiting
``min-release-age`` before adopting a release lets that happen first. The age of a
release is taken from the index's ``upload-time`` (JSON simple API, PEP 700): the
*youngest* file counts, because a file added to an old release is as new as its
upload. Model revisions use their commit date from the Hugging Face API.

Everything here is pure: upload times come in as data.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from chainward.core.errors import ConfigError

_UNITS = {
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "w": 604800,
    "week": 604800,
    "weeks": 604800,
}
_PART = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*,?")


def parse_duration(text: str, *, key: str = "min-release-age") -> timedelta:
    """``"7 days"``, ``"36h"``, ``"1 week 2 days"``, ``"0"`` → a timedelta; ConfigError else."""
    stripped = text.strip()
    if stripped in ("", "0"):
        return timedelta(0)
    total = 0.0
    pos = 0
    while pos < len(stripped):
        match = _PART.match(stripped, pos)
        if match is None or match.group(2).lower() not in _UNITS:
            raise ConfigError(
                f"{key}: cannot read {text!r} as a duration",
                hint='write a number and a unit, e.g. "7 days", "36 hours", "2 weeks"',
            )
        total += float(match.group(1)) * _UNITS[match.group(2).lower()]
        pos = match.end()
    return timedelta(seconds=total)


def describe_age(age: timedelta) -> str:
    """``3 days 4 hours`` style, for messages."""
    hours = int(age.total_seconds() // 3600)
    days, hours = divmod(max(hours, 0), 24)
    if days and hours:
        return f"{days} days {hours} hours"
    if days:
        return f"{days} days"
    return f"{hours} hours" if hours else "less than an hour"


def normalize_version(version: str) -> str:
    """A PEP 440 normal form for comparing versions (the text itself when invalid)."""
    try:
        return str(Version(version))
    except InvalidVersion:
        return version


@dataclass(frozen=True)
class CooldownPolicy:
    """``min-release-age`` and its exceptions, read from ``[tool.chainward.release-trust]``."""

    min_age: timedelta
    exceptions: tuple[str, ...] = ()

    @classmethod
    def from_policy(cls, table: Mapping[str, object]) -> CooldownPolicy:
        """Read the validated policy table (ConfigError for a bad duration)."""
        raw = table.get("min-release-age", "0 days")
        exceptions = table.get("release-age-exceptions", ()) or ()
        return cls(
            parse_duration(str(raw)),
            tuple(str(e) for e in exceptions) if isinstance(exceptions, Sequence) else (),
        )

    @property
    def active(self) -> bool:
        """Whether a cooldown is configured at all."""
        return self.min_age > timedelta(0)

    def applies_to(self, name: str) -> bool:
        """False for names (packages, or Hugging Face ids) listed in the exceptions."""
        if not self.active:
            return False
        lowered = name.lower()
        canonical = canonicalize_name(name) if "/" not in name else lowered
        for pattern in self.exceptions:
            pat = pattern.lower()
            pat_canonical = canonicalize_name(pat) if "/" not in pat and "*" not in pat else pat
            if canonical == pat_canonical or fnmatch.fnmatchcase(lowered, pat):
                return False
            if fnmatch.fnmatchcase(canonical, pat):
                return False
        return True


def release_times(
    files: Iterable[tuple[str, datetime | None, bool]],
) -> dict[str, datetime]:
    """Version → upload time of its youngest non-yanked file, from (version, time, yanked)."""
    out: dict[str, datetime] = {}
    for version, uploaded, yanked in files:
        if uploaded is None or yanked:
            continue
        key = normalize_version(version)
        if key not in out or uploaded > out[key]:
            out[key] = uploaded
    return out


def young_releases(
    times: Mapping[str, datetime], policy: CooldownPolicy, now: datetime
) -> dict[str, datetime]:
    """The releases (normalized versions) uploaded less than ``min_age`` before ``now``."""
    cutoff = now - policy.min_age
    return {version: when for version, when in times.items() if when > cutoff}
