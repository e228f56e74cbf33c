"""The publisher lock: who publishes each pinned dependency, from its PEP 740 attestations.

PyPI's attestations (PEP 740) name the Trusted Publisher that uploaded each file: for
GitHub a repository, a workflow file and optionally an environment; for GitLab a
project, a CI file and an environment; for Google and ActiveState their own identity.
A hash pin says "these bytes"; the publisher lock says "built and uploaded by this
workflow of this repository". A release published from another identity, or without
attestations when earlier ones had them, is the signal of the ultralytics compromise
(December 2024) and of the 2025 account takeovers.

Identities are recorded in ``pylock.toml``'s ``attestation-identities`` (PEP 751) for
packages a pylock records, else in a chainward-owned TOML file
(``chainward.publishers.toml`` by default)::

    version = 1

    [[package]]
    name = "pypi-attestations"
    version = "0.0.19"
    upload-time = "2024-11-19T17:37:03Z"
    attestation-identities = [
      { kind = "GitHub", repository = "trailofbits/pypi-attestations", workflow = "release.yml" },
    ]

``attestation-identities = []`` records that the package was published without
attestations; nothing is then expected. The functions named ``find_*`` are pure: the
attestations are fetched and verified at the edge (:mod:`chainward.provenance.release_trust`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from packaging.utils import canonicalize_name

from chainward.core.findings import Finding
from chainward.core.tomlread import TOMLDecodeError, loads_toml
from chainward.dependencies.trust_meta import (
    INVALID_ATTESTATION,
    MISSING_ATTESTATION,
    PUBLISHER_CHANGED,
    RELEASE_NOT_VERIFIED,
    info,
)
from chainward.inventory.model import Dependency, at_dependency, location

LOCK_VERSION = 1
# The identity keys PyPI's publishers carry (pypi-attestations' Publisher models).
_KEY_ORDER = ("kind", "repository", "workflow", "workflow_filepath", "environment", "email")
_CASELESS = frozenset({"repository", "email"})


@dataclass(frozen=True, slots=True)
class Identity:
    """A Trusted Publisher identity: ``kind`` plus its claims (repository, workflow, …)."""

    kind: str
    claims: tuple[tuple[str, str], ...]

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any]) -> Identity:
        """From a PEP 740 publisher object or a lock table (null claims dropped)."""
        kind = str(table.get("kind", ""))
        claims = tuple(
            sorted(
                (str(k), str(v))
                for k, v in table.items()
                if k != "kind" and v is not None and v != "" and not isinstance(v, Mapping | list)
            )
        )
        return cls(kind, claims)

    def as_dict(self) -> dict[str, str]:
        """``{"kind": …, claim: value, …}`` in a stable order."""
        ordered = sorted(
            self.claims,
            key=lambda kv: (_KEY_ORDER.index(kv[0]) if kv[0] in _KEY_ORDER else 99, kv[0]),
        )
        return {"kind": self.kind, **dict(ordered)}

    def comparable(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        """The identity with caseless claims lowered (GitHub names are case-insensitive)."""
        return (
            self.kind.lower(),
            tuple((k, v.lower() if k in _CASELESS else v) for k, v in self.claims),
        )

    def __str__(self) -> str:
        parts = [f"{k}={v}" for k, v in self.as_dict().items() if k != "kind"]
        return f"{self.kind}({', '.join(parts)})"


def differences(expected: Identity, actual: Identity) -> list[str]:
    """What differs between two identities, e.g. ``repository a/b ≠ c/d``."""
    if expected.kind.lower() != actual.kind.lower():
        return [f"publisher kind {actual.kind} instead of {expected.kind}"]
    want, got = dict(expected.comparable()[1]), dict(actual.comparable()[1])
    out = []
    for key in sorted(set(want) | set(got)):
        if want.get(key) != got.get(key):
            out.append(f"{key} {got.get(key) or '(none)'} instead of {want.get(key) or '(none)'}")
    return out


@dataclass(frozen=True, slots=True)
class LockedPublisher:
    """What the lock records for one package."""

    name: str
    identities: tuple[Identity, ...]
    version: str | None = None
    upload_time: str | None = None
    path: str = ""
    line: int | None = None
    recorded: bool = True
    """False for a pylock package without ``attestation-identities`` (upload time only)."""


FileStatus = Literal["verified", "none", "invalid", "unknown"]


@dataclass(frozen=True, slots=True)
class FileAttestations:
    """The outcome for one file of a release.

    ``verified``: every attestation verified, ``identities`` are their publishers;
    ``none``: the index says the file has no attestations; ``invalid``: an attestation
    failed to verify (``reason``; ``identities`` are the publishers it *claims*);
    ``unknown``: nothing could be established (``reason``).
    """

    filename: str
    status: FileStatus
    identities: tuple[Identity, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class ReleaseAttestations:
    """The attestation outcome of each considered file of one pinned release."""

    files: tuple[FileAttestations, ...] = field(default_factory=tuple)
    error: str | None = None
    """Why the release could not be looked at (network, no such release)."""


# --- reading and writing the lock -----------------------------------------------------


def parse_publisher_lock(text: str, where: str) -> dict[str, LockedPublisher]:
    """The chainward publisher lock: canonical name → record. ValueError if malformed."""
    try:
        document = loads_toml(text)
    except TOMLDecodeError as exc:
        raise ValueError(f"{where}: invalid TOML: {exc}") from None
    packages = document.get("package", [])
    if not isinstance(packages, list):
        raise ValueError(f"{where}: `package` must be an array of tables ([[package]])")
    lines = _table_lines(text, "[[package]]")
    out: dict[str, LockedPublisher] = {}
    for index, table in enumerate(packages):
        if not isinstance(table, Mapping) or not isinstance(table.get("name"), str):
            raise ValueError(f"{where}: package #{index + 1} has no name")
        identities = table.get("attestation-identities", [])
        if not isinstance(identities, list) or not all(isinstance(i, Mapping) for i in identities):
            raise ValueError(f"{where}: {table['name']}: attestation-identities must be tables")
        version = table.get("version")
        uploaded = table.get("upload-time")
        out[canonicalize_name(table["name"])] = LockedPublisher(
            table["name"],
            tuple(Identity.from_mapping(i) for i in identities),
            str(version) if version is not None else None,
            uploaded.isoformat() if isinstance(uploaded, datetime) else _opt_str(uploaded),
            where,
            lines[index] if index < len(lines) else None,
        )
    return out


def parse_pylock_identities(text: str, where: str) -> dict[str, LockedPublisher]:
    """``attestation-identities`` and the youngest ``upload-time`` of each ``[[packages]]``
    of a pylock.toml that records either."""
    try:
        document = loads_toml(text)
    except TOMLDecodeError:
        return {}
    packages = document.get("packages", [])
    lines = _table_lines(text, "[[packages]]")
    out: dict[str, LockedPublisher] = {}
    if not isinstance(packages, list):
        return out
    for index, table in enumerate(packages):
        if not isinstance(table, Mapping) or not isinstance(table.get("name"), str):
            continue
        identities = table.get("attestation-identities")
        uploaded = _youngest_pylock_upload(table)
        if not isinstance(identities, list) and uploaded is None:
            continue
        out[canonicalize_name(table["name"])] = LockedPublisher(
            table["name"],
            tuple(
                Identity.from_mapping(i)
                for i in (identities if isinstance(identities, list) else [])
                if isinstance(i, Mapping)
            ),
            _opt_str(table.get("version")),
            uploaded,
            where,
            lines[index] if index < len(lines) else None,
            recorded=isinstance(identities, list),
        )
    return out


def _youngest_pylock_upload(table: Mapping[str, Any]) -> str | None:
    times: list[datetime] = []
    files = [table.get("sdist"), *(table.get("wheels") or [])]
    for file in files:
        if isinstance(file, Mapping) and isinstance(file.get("upload-time"), datetime):
            times.append(file["upload-time"])
    return max(times).isoformat() if times else None


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _table_lines(text: str, header: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == header]


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    escaped = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04x}", escaped)
    return f'"{escaped}"'


def inline_identities(identities: Sequence[Identity]) -> str:
    """``[{ kind = "GitHub", repository = "…", … }]`` on one line."""
    tables = [
        "{ " + ", ".join(f"{k} = {_toml_string(v)}" for k, v in i.as_dict().items()) + " }"
        for i in identities
    ]
    return "[" + ", ".join(tables) + "]"


def dump_publisher_lock(records: Iterable[LockedPublisher]) -> str:
    """The chainward publisher lock, sorted by name, one identity per line."""
    out = [
        "# chainward publisher lock: the Trusted Publisher (PEP 740) of each pinned dependency.",
        "# Written by `chainward deps --lock-publishers` / `chainward pin --publishers`;",
        "# `chainward deps --verify` flags releases from another publisher. Review changes.",
        f"version = {LOCK_VERSION}",
    ]
    for record in sorted(records, key=lambda r: canonicalize_name(r.name)):
        out += ["", "[[package]]", f"name = {_toml_string(record.name)}"]
        if record.version:
            out.append(f"version = {_toml_string(record.version)}")
        if record.upload_time:
            out.append(f"upload-time = {_toml_string(record.upload_time)}")
        if not record.identities:
            out.append("attestation-identities = []")
            continue
        out.append("attestation-identities = [")
        out += [f"  {inline_identities([i])[1:-1]}," for i in record.identities]
        out.append("]")
    return "\n".join(out) + "\n"


def set_pylock_identities(text: str, name: str, identities: Sequence[Identity]) -> str | None:
    """``text`` with ``attestation-identities`` set in package ``name``'s ``[[packages]]``.

    The key goes (or is replaced) right after the package's ``name``/``version`` lines,
    so the rest of the file is untouched. None when the package is not there or its
    existing key spans several lines (edit that one by hand).
    """
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if "\r\n" in text else "\n"
    wanted = canonicalize_name(name)
    start = None
    for index, line in enumerate(lines):
        if line.strip() == "[[packages]]":
            end = next(
                (j for j in range(index + 1, len(lines)) if lines[j].lstrip().startswith("[")),
                len(lines),
            )
            for j in range(index + 1, end):
                match = re.match(r'\s*name\s*=\s*"([^"]+)"', lines[j])
                if match and canonicalize_name(match.group(1)) == wanted:
                    start = (index, end)
                    break
        if start:
            break
    if start is None:
        return None
    first, end = start
    entry = f"attestation-identities = {inline_identities(identities)}{newline}"
    insert_at = first + 1
    for j in range(first + 1, end):
        stripped = lines[j].lstrip()
        if stripped.startswith("attestation-identities"):
            try:
                loads_toml(stripped)
            except TOMLDecodeError:
                return None
            lines[j] = entry
            return "".join(lines)
        if re.match(r"(name|version)\s*=", stripped):
            insert_at = j + 1
    if insert_at == len(lines) and lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += newline
    lines.insert(insert_at, entry)
    return "".join(lines)


# --- the checks -----------------------------------------------------------------------


def not_verified(dependency: Dependency, why: str, fix: str) -> Finding:
    """A ``release-not-verified`` finding at the dependency's line."""
    return info(RELEASE_NOT_VERIFIED).finding(
        f"{dependency.raw_name}=={dependency.version}: {why}",
        **at_dependency(dependency),
        fix=fix,
    )


def _names(identities: Iterable[Identity]) -> str:
    return " and ".join(str(i) for i in identities) or "(none)"


def find_publisher_changes(
    dependency: Dependency, locked: LockedPublisher, observed: ReleaseAttestations
) -> Iterator[Finding]:
    """Compare one pinned release's attestations with the identities the lock records."""
    pin = f"{dependency.raw_name}=={dependency.version}"
    where = f"{locked.path}:{locked.line}" if locked.line else locked.path
    recorded = f"the publisher lock ({where}) records {_names(locked.identities)}"
    if locked.version:
        recorded += f" from {locked.version}"
    fix_review = (
        "do not install it until you know why: compare the release with the project's "
        "repository and announcements; if the move is legitimate, re-record it with "
        "`chainward deps --lock-publishers`"
    )
    if observed.error is not None:
        yield not_verified(
            dependency,
            f"its attestations could not be checked ({observed.error}); {recorded}",
            "rerun `chainward deps --verify` with access to PyPI's JSON simple API and "
            "integrity API",
        )
        return
    expected = {i.comparable() for i in locked.identities}
    for file in observed.files:
        if file.status == "invalid":
            claimed = _names(file.identities)
            yield info(INVALID_ATTESTATION).finding(
                f"{pin}: the attestation of {file.filename} does not verify ({file.reason}); "
                f"it claims {claimed}, {recorded}: the file or its attestation was tampered "
                "with or forged",
                **location(dependency),
                fix=fix_review,
                properties={"package": dependency.name, "file": file.filename},
            )
        elif file.status == "none" and locked.identities:
            yield info(MISSING_ATTESTATION).finding(
                f"{pin}: {file.filename} has no PEP 740 attestations, but {recorded}: "
                "the release may have been uploaded by hand or with a stolen token",
                **location(dependency),
                fix=fix_review,
                properties={"package": dependency.name, "file": file.filename},
            )
        elif file.status == "verified":
            foreign = [i for i in file.identities if i.comparable() not in expected]
            if not foreign or not locked.identities:
                continue
            diffs = "; ".join(d for f in foreign for d in differences(locked.identities[0], f))
            yield info(PUBLISHER_CHANGED).finding(
                f"{pin}: {file.filename} was published by {_names(foreign)}, but {recorded} "
                f"({diffs})",
                **location(dependency),
                fix=fix_review,
                properties={
                    "package": dependency.name,
                    "file": file.filename,
                    "expected": _names(locked.identities),
                    "actual": _names(foreign),
                },
            )
    unknown = [f for f in observed.files if f.status == "unknown"]
    if unknown:
        files = unknown[0].filename
        if len(unknown) > 1:
            files += f" and {len(unknown) - 1} more files"
        yield not_verified(
            dependency,
            f"the attestations of {files} could not be checked ({unknown[0].reason}); {recorded}",
            "rerun `chainward deps --verify` where PyPI's integrity API answers",
        )


def identities_to_record(observed: ReleaseAttestations) -> tuple[tuple[Identity, ...] | None, str]:
    """What ``--lock-publishers`` may record for a release, or (None, why not).

    Only verified attestations are recorded; a release whose files are partly
    unattested, unverifiable or invalid is not recorded (the reason says why).
    """
    if observed.error is not None:
        return None, observed.error
    if not observed.files:
        return None, "the index lists no files for this release"
    statuses = {f.status for f in observed.files}
    bad = [f for f in observed.files if f.status in ("invalid", "unknown")]
    if bad:
        return None, f"{bad[0].filename}: {bad[0].reason}"
    if statuses == {"none"}:
        return (), "published without attestations"
    if "none" in statuses:
        unattested = [f.filename for f in observed.files if f.status == "none"]
        return None, f"some files are attested and some not ({', '.join(unattested[:3])})"
    seen: dict[tuple[str, tuple[tuple[str, str], ...]], Identity] = {}
    for file in observed.files:
        for identity in file.identities:
            seen.setdefault(identity.comparable(), identity)
    return tuple(seen.values()), ""
