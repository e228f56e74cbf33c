"""The project name and version in a wheel or sdist file name (PEP 427, PEP 625).

Shared by whoever reads distribution file names: the PEP 740 subject check and the index
clients. ``packaging`` is imported inside the function.
"""

from __future__ import annotations


def distribution_key(filename: str) -> tuple[str, str] | None:
    """``(normalised name, version)`` of a wheel or sdist file name, or None."""
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
        else:
            name, version = parse_sdist_filename(filename)
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return str(name), str(version)
