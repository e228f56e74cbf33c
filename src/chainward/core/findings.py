"""The one Finding type every check yields, and its ordered enums."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import NewType

CheckId = NewType("CheckId", str)

# The domain fields that name what a finding is about, most specific first: the
# package, hub id, action, image, index, pickle global, typosquat name or commit.
SUBJECT_KEYS = ("package", "model", "action", "image", "index", "global", "name", "commit")


class Severity(enum.IntEnum):
    """Ordered severities; SARIF levels: note (info, low), warning (medium), error (high+)."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Parse a lower-case severity name; raise ValueError naming the choices."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            choices = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of: {choices})") from None

    @property
    def label(self) -> str:
        """The lower-case name used in policies, JSON and the CLI."""
        return self.name.lower()


class Confidence(enum.IntEnum):
    """How sure a check is that a finding is a real problem."""

    LOW = 0
    MEDIUM = 1
    HIGH = 2

    @property
    def label(self) -> str:
        """The lower-case name used in JSON output."""
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found by one check at one place.

    ``path`` is relative to the scanned root and uses ``/``; ``line`` and ``column``
    are 1-based, or None where the finding is about a whole file or a commit.
    ``properties`` holds domain fields (for example ``commit`` for commit checks)
    that reporters pass through.
    """

    check_id: CheckId
    severity: Severity
    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    fix: str | None = None
    confidence: Confidence = Confidence.HIGH
    properties: Mapping[str, str] = field(default_factory=dict)

    def with_severity(self, severity: Severity) -> Finding:
        """A copy with another severity (policy overrides)."""
        return replace(self, severity=severity)

    @property
    def subject(self) -> str | None:
        """What the finding is about (a package, hub id, action, image...), if known."""
        for key in SUBJECT_KEYS:
            value = self.properties.get(key)
            if value:
                return value.lower() if key in ("model", "action", "image", "index") else value
        return None

    @property
    def fingerprint(self) -> str:
        """``check-id:subject``: the same cause gets the same fingerprint in every file and
        every run. Without a subject, the file and a digest of the message stand in for it,
        so two different problems of one check in one file stay two causes."""
        subject = self.subject
        if subject:
            return f"{self.check_id}:{subject}"
        import hashlib  # only fingerprints need it (the hook path starts without it)

        digest = hashlib.sha256(self.message.encode("utf-8")).hexdigest()[:12]
        return f"{self.check_id}:{self.path or '-'}#{digest}"

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Stable order: by path, line, column, check id, message."""
        return (self.path or "", self.line or 0, self.column or 0, self.check_id, self.message)
