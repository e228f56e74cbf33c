"""The pinned Sigstore trusted root shipped inside chainward.

gitsign commits, OpenSSF model signatures and attestations all verify against
this one file, never against a per-user TUF cache.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from chainward.core.errors import Error

if TYPE_CHECKING:
    from sigstore.models import TrustedRoot

TRUSTED_ROOT_NAME = "sigstore-public-good.trusted_root.json"
TRUSTED_ROOT_SHA256 = "6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66"


def trusted_root_bytes() -> bytes:
    """The pinned trusted root's bytes, checked against its recorded digest."""
    data = (
        resources.files("chainward.core").joinpath("data").joinpath(TRUSTED_ROOT_NAME).read_bytes()
    )
    if hashlib.sha256(data).hexdigest() != TRUSTED_ROOT_SHA256:
        raise Error(
            "the shipped Sigstore trusted root does not match its pinned digest",
            hint="reinstall chainward; the package files were modified",
        )
    return data


def trusted_root_path() -> Path:
    """A filesystem path of the pinned trusted root (inside the installed package)."""
    trusted_root_bytes()
    return Path(str(resources.files("chainward.core").joinpath("data").joinpath(TRUSTED_ROOT_NAME)))


def load_trusted_root(path: Path | None = None) -> TrustedRoot:
    """The sigstore ``TrustedRoot`` (imports sigstore: call only where it is needed)."""
    from sigstore.models import TrustedRoot

    if path is not None:
        return TrustedRoot.from_file(str(path))
    return TrustedRoot.from_file(str(trusted_root_path()))
