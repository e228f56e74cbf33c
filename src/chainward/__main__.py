"""``python -m chainward``."""

from __future__ import annotations

from chainward.cli import run

run()
