"""A process environment variable set for the length of a block."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def environment_set(name: str, value: str) -> Iterator[None]:
    """Set ``name`` to ``value`` inside the block; afterwards restore what it was (or
    remove it, when it was not set), whatever the block raised."""
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous
