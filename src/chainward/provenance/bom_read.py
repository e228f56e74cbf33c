"""Reading an AI BOM back: the model files it records, and whether the files on disk
still have the recorded sha256 (``verify-release``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chainward.core.errors import InputError
from chainward.provenance.bom_components import PROPERTY_PATH


@dataclass(frozen=True, slots=True)
class ModelFileDigest:
    """One model file a BOM records: the model's bom-ref, the file's path and sha256."""

    model: str
    path: str
    sha256: str


def bom_model_files(document: Mapping[str, Any]) -> list[ModelFileDigest]:
    """The model files (path + sha256) recorded in a CycloneDX BOM."""
    out: list[ModelFileDigest] = []
    for component in document.get("components") or ():
        if not isinstance(component, Mapping):
            continue
        if component.get("type") != "machine-learning-model":
            continue
        for child in component.get("components") or ():
            if not isinstance(child, Mapping):
                continue
            path = next(
                (
                    p.get("value")
                    for p in child.get("properties") or ()
                    if isinstance(p, Mapping) and p.get("name") == PROPERTY_PATH
                ),
                None,
            )
            sha = next(
                (
                    h.get("content")
                    for h in child.get("hashes") or ()
                    if isinstance(h, Mapping) and h.get("alg") == "SHA-256"
                ),
                None,
            )
            if isinstance(path, str) and isinstance(sha, str):
                out.append(ModelFileDigest(str(component.get("bom-ref", "")), path, sha.lower()))
    return out


def check_model_files(document: Mapping[str, Any], root: Path) -> list[str]:
    """Model files of the BOM whose content under ``root`` differs or cannot be read.

    Each problem names the file, what the BOM says and what is there. A file that is not
    there cannot be checked, and is a problem too (never a pass).
    """
    from chainward.provenance.statement import sha256_file

    problems: list[str] = []
    for entry in bom_model_files(document):
        path = root / entry.path
        if ".." in Path(entry.path).parts or Path(entry.path).is_absolute():
            problems.append(f"{entry.path}: the BOM names a path outside the model folder")
            continue
        if not path.is_file():
            problems.append(
                f"{entry.path}: not found under {root}, so its sha256 cannot be checked"
            )
            continue
        try:
            actual = sha256_file(path)
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", where=str(path)) from None
        if actual != entry.sha256:
            problems.append(
                f"{entry.path}: sha256 is {actual}, the BOM records {entry.sha256} ({entry.model})"
            )
    return problems
