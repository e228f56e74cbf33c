"""Timestamps read from index responses."""

from __future__ import annotations

from datetime import datetime, timezone


def parse_rfc3339(text: object) -> datetime | None:
    """An RFC 3339 time (``2024-07-17T13:56:07.869434Z``) as an aware datetime (UTC when
    it names no zone); None when ``text`` is not a non-empty string or not such a time."""
    if not isinstance(text, str) or not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
