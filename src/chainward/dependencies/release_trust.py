"""The ``release-trust`` checks: publisher lock (PEP 740) and cooldown, at the network edge.

This module fetches (JSON simple API, PyPI Provenance objects, the Hugging Face API),
verifies attestations offline against the pinned Sigstore trusted root
(:func:`chainward.core.pep740.verify_index_provenance`, called from
:mod:`chainward.dependencies.release_trust_edge`), and hands the results to
the pure checks in :mod:`chainward.dependencies.publishers` and
:mod:`chainward.dependencies.cooldown`.

What needs the network and cannot be had is ``release-not-verified``, never a pass:
``--offline`` checks only what the locks themselves record (upload times in
``pylock.toml`` or the publisher lock), and an index that serves no PEP 740 data
(no ``provenance`` field, no integrity API) leaves attestations "not verified".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from chainward.core.context import ScanContext
from chainward.core.errors import NetworkError
from chainward.core.findings import Finding, Severity
from chainward.core.times import parse_rfc3339
from chainward.dependencies.checks.sources import PYPI
from chainward.dependencies.cooldown import (
    CooldownPolicy,
    describe_age,
    normalize_version,
)
from chainward.dependencies.publishers import (
    LockedPublisher,
    dump_publisher_lock,
    find_publisher_changes,
    identities_to_record,
    not_verified,
    parse_publisher_lock,
    parse_pylock_identities,
    set_pylock_identities,
)
from chainward.dependencies.release_trust_edge import (
    HubClient,
    Verifier,
    attestation_verifier,
    considered_files,
    now_utc,
    observe_release,
)
from chainward.dependencies.simple import (
    SimpleClient,
    SimpleFile,
    cache_dir_from,
)
from chainward.dependencies.trust_meta import (
    DEFAULT_PUBLISHER_LOCK,
    FAMILY,
    RELEASE_NOT_VERIFIED,
    RELEASE_TOO_NEW,
)
from chainward.dependencies.verify import pinned, sources_of
from chainward.inventory.ai_packages import is_ai_package
from chainward.inventory.model import Dependency, Inventory

if TYPE_CHECKING:
    from chainward.inventory.model_lock import LockedModel

# --- the locks ------------------------------------------------------------------------

_INFO = {check.id: check for check in FAMILY.checks}


@dataclass
class Locks:
    """Recorded identities and upload times: the chainward table and pylock files."""

    table_path: str
    table: dict[str, LockedPublisher] = field(default_factory=dict)
    table_exists: bool = False
    pylocks: dict[str, dict[str, LockedPublisher]] = field(default_factory=dict)

    def record_for(self, dependency: Dependency) -> LockedPublisher | None:
        """The identities recorded for ``dependency`` (its pylock's, else the table's)."""
        found = self.time_record_for(dependency)
        if found is not None and found.recorded:
            return found
        return self.table.get(dependency.name)

    def time_record_for(self, dependency: Dependency) -> LockedPublisher | None:
        """The record that may hold ``dependency``'s upload time (its pylock's first)."""
        if dependency.manifest == "pylock":
            found = self.pylocks.get(dependency.path, {}).get(dependency.name)
            if found is not None:
                return found
        return self.table.get(dependency.name)


def read_locks(
    read_text: Callable[[str], str | None], inventory: Inventory, table_path: str
) -> tuple[Locks, list[Finding]]:
    """Read the chainward publisher lock and every pylock of the inventory."""
    locks = Locks(table_path)
    problems: list[Finding] = []
    text = read_text(table_path)
    if text is not None:
        locks.table_exists = True
        try:
            locks.table = parse_publisher_lock(text, table_path)
        except ValueError as exc:
            locks.table_exists = False  # one finding for the file, not one per pin
            problems.append(
                _INFO[RELEASE_NOT_VERIFIED].finding(
                    f"the publisher lock cannot be read: {exc}",
                    severity=Severity.MEDIUM,
                    path=table_path,
                    fix="fix the file or regenerate it with `chainward deps --lock-publishers`",
                )
            )
    for path in sorted({d.path for d in inventory.dependencies if d.manifest == "pylock"}):
        pylock = read_text(path)
        if pylock is not None:
            locks.pylocks[path] = parse_pylock_identities(pylock, path)
    return locks, problems


def in_publisher_scope(name: str, trust: Mapping[str, Any], deps: Mapping[str, Any]) -> bool:
    """Whether ``name``'s publisher is locked (``publisher-scope``)."""
    return trust.get("publisher-scope", "ai") == "all" or is_ai_package(name, deps)


# --- the checks -----------------------------------------------------------------------


def _too_new(
    where: Dependency | tuple[str, int | None],
    what: str,
    uploaded: datetime,
    cooldown: CooldownPolicy,
    now: datetime,
    source: str,
    name: str,
) -> Finding | None:
    age = now - uploaded
    if age >= cooldown.min_age:
        return None
    path, line = (where.path, where.line) if isinstance(where, Dependency) else where
    free = uploaded + cooldown.min_age
    return _INFO[RELEASE_TOO_NEW].finding(
        f"{what} was {source} {uploaded.strftime('%Y-%m-%d %H:%M UTC')}, "
        f"{describe_age(age)} ago: younger than min-release-age "
        f"({describe_age(cooldown.min_age)}); it leaves the cooldown on "
        f"{free.strftime('%Y-%m-%d %H:%M UTC')}",
        path=path,
        line=line,
        fix="pin an older release (`chainward pin` picks the newest outside the cooldown) "
        "or wait; list it in release-age-exceptions only if you have reviewed it",
        properties={"package": name, "uploaded": uploaded.isoformat()},
    )


def _youngest(files: Iterable[SimpleFile]) -> datetime | None:
    times = [f.upload_time for f in files if f.upload_time is not None]
    return max(times) if times else None


def check_dependencies(
    inventory: Inventory,
    locks: Locks,
    trust: Mapping[str, Any],
    deps: Mapping[str, Any],
    *,
    offline: bool,
    client: SimpleClient,
    verifier: Verifier,
    now: datetime,
) -> Iterator[Finding]:
    """Cooldown and publisher findings for every pinned dependency of the inventory."""
    cooldown = CooldownPolicy.from_policy(trust)
    allowed = [str(a) for a in deps.get("allowed-indexes", ())]
    for dependency in pinned(inventory.dependencies):
        version = dependency.version or ""
        source = sources_of(dependency, inventory.options, allowed).primary
        if source != PYPI:
            if cooldown.applies_to(dependency.name) or locks.record_for(dependency):
                yield not_verified(
                    dependency,
                    f"it is installed from {source}, and upload times and attestations are "
                    "read from PyPI only",
                    "check that index's release dates and provenance yourself, or mirror PyPI",
                )
            continue
        record = locks.record_for(dependency)
        locked = record is not None and in_publisher_scope(dependency.name, trust, deps)
        unlocked_in_scope = (
            record is None
            and locks.table_exists
            and in_publisher_scope(dependency.name, trust, deps)
        )
        if cooldown.applies_to(dependency.name):
            yield from _cooldown_of(
                dependency, locks.time_record_for(dependency), cooldown, offline, client, now
            )
        if locked:
            assert record is not None  # noqa: S101 - locked implies a record
            if offline:
                if not record.identities:
                    continue  # recorded as unattested: nothing to compare, nothing unverified
                yield not_verified(
                    dependency,
                    "--offline: its attestations were not checked against the publisher "
                    f"lock, which records {', '.join(map(str, record.identities)) or 'none'}",
                    "run `chainward deps --verify` with network access (in CI)",
                )
                continue
            observed = observe_release(
                client, verifier, dependency.name, version, dependency.hashes
            )
            yield from find_publisher_changes(dependency, record, observed)
        elif unlocked_in_scope:
            yield not_verified(
                dependency,
                f"its publisher is not recorded in {locks.table_path}",
                "record it: `chainward deps --lock-publishers` (review the identity it writes)",
            )


def _cooldown_of(
    dependency: Dependency,
    record: LockedPublisher | None,
    cooldown: CooldownPolicy,
    offline: bool,
    client: SimpleClient,
    now: datetime,
) -> Iterator[Finding]:
    pin = f"{dependency.raw_name}=={dependency.version}"
    version = normalize_version(dependency.version or "")
    recorded = None
    if (
        record is not None
        and record.upload_time
        and record.version is not None
        and normalize_version(record.version) == version
    ):
        recorded = parse_rfc3339(record.upload_time)
    if offline:
        if recorded is not None:
            finding = _too_new(
                dependency, pin, recorded, cooldown, now, "uploaded", dependency.name
            )
            if finding:
                yield finding
            return
        yield not_verified(
            dependency,
            "--offline: its upload time is unknown (no lock records it), so the "
            f"min-release-age of {describe_age(cooldown.min_age)} was not checked",
            "run `chainward deps --verify` with network access",
        )
        return
    try:
        project = client.project(dependency.name)
    except NetworkError as exc:
        yield not_verified(
            dependency,
            f"its upload time could not be fetched ({exc}); min-release-age not checked",
            "rerun `chainward deps --verify` with access to the JSON simple API",
        )
        return
    files = considered_files(project.release(version), dependency.hashes)
    if not files:
        yield not_verified(
            dependency,
            f"the index lists no files of {dependency.raw_name} {dependency.version}; "
            "min-release-age not checked",
            "check the version (a release that vanished from PyPI deserves a look)",
        )
        return
    uploaded = _youngest(files)
    if uploaded is None:
        yield not_verified(
            dependency,
            "the index gives no upload-time for its files; min-release-age not checked",
            "use an index that serves PEP 700 upload times (PyPI does)",
        )
        return
    finding = _too_new(dependency, pin, uploaded, cooldown, now, "uploaded", dependency.name)
    if finding:
        yield finding


def _model_line(text: str | None, name: str) -> int | None:
    if text is None:
        return None
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(rf'\s*name\s*=\s*"{re.escape(name)}"\s*$', line):
            return number
    return None


def check_models(
    models: Iterable[LockedModel],
    lock_rel: str,
    lock_text: str | None,
    trust: Mapping[str, Any],
    *,
    offline: bool,
    hub: HubClient,
    now: datetime,
) -> Iterator[Finding]:
    """Cooldown of each Hugging Face model revision the model lock pins."""
    cooldown = CooldownPolicy.from_policy(trust)
    for model in models:
        hf_id = model.hf_id
        if hf_id is None or not model.revision or not cooldown.applies_to(hf_id):
            continue
        line = _model_line(lock_text, model.name)
        what = f"model {hf_id} at revision {model.revision[:12]}"
        try:
            if offline:
                raise NetworkError("--offline")
            committed = hub.commit_date(hf_id, model.revision)
        except NetworkError as exc:
            yield _INFO[RELEASE_NOT_VERIFIED].finding(
                f"{what}: its commit date could not be fetched ({exc}); min-release-age "
                "not checked",
                path=lock_rel,
                line=line,
                fix="run `chainward deps --verify` with access to huggingface.co",
                properties={"model": hf_id},
            )
            continue
        finding = _too_new((lock_rel, line), what, committed, cooldown, now, "committed", hf_id)
        if finding:
            yield finding


def check_release_trust(
    ctx: ScanContext,
    inventory: Inventory,
    *,
    client: SimpleClient | None = None,
    hub: HubClient | None = None,
    verifier: Verifier | None = None,
    now: datetime | None = None,
) -> Iterator[Finding]:
    """Every release-trust finding for the scanned repository."""
    trust = ctx.policy.domain("release-trust")
    deps = ctx.policy.domain("dependencies")
    now = now or now_utc()
    timeout = float(deps.get("timeout", 15))
    client = client or SimpleClient(
        cache_dir=cache_dir_from(deps), ttl=int(deps.get("cache-ttl", 86400)), timeout=timeout
    )
    locks, problems = read_locks(
        _reader(ctx), inventory, str(trust.get("publisher-lock", DEFAULT_PUBLISHER_LOCK))
    )
    yield from problems
    yield from check_dependencies(
        inventory,
        locks,
        trust,
        deps,
        offline=ctx.offline,
        client=client,
        verifier=verifier or attestation_verifier(),
        now=now,
    )
    lock_rel = str(ctx.policy.domain("models").get("lock", "chainward.lock"))
    lock_text = _reader(ctx)(lock_rel)
    if lock_text is None or not CooldownPolicy.from_policy(trust).active:
        return
    from chainward.inventory.model_lock import LockError, parse_lock

    try:
        model_lock = parse_lock(lock_text, lock_rel)
    except LockError:
        return  # the models family reports an invalid lock
    cache = cache_dir_from(deps)
    yield from check_models(
        model_lock.models,
        lock_rel,
        lock_text,
        trust,
        offline=ctx.offline,
        hub=hub or HubClient(cache_dir=cache, timeout=timeout),
        now=now,
    )


def _reader(ctx: ScanContext) -> Callable[[str], str | None]:
    def read(rel: str) -> str | None:
        if not (ctx.root / rel).is_file():
            return None
        return ctx.read_text(rel)

    return read


def scan(ctx: ScanContext) -> Iterator[Finding]:
    """The ``release-trust`` family's scanner (network unless ``ctx.offline``)."""
    from chainward.inventory import collect_inventory

    yield from check_release_trust(ctx, collect_inventory(ctx))


# --- recording ------------------------------------------------------------------------


@dataclass
class LockUpdate:
    """New texts of the lock files, and what was (not) recorded."""

    files: dict[str, str] = field(default_factory=dict)
    recorded: list[tuple[str, str, str]] = field(default_factory=list)
    """(where, name==version, identities)."""
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(name==version, why)."""


def record_publishers(
    pins: Iterable[tuple[Dependency, str]],
    locks: Locks,
    read_text: Callable[[str], str | None],
    *,
    client: SimpleClient,
    verifier: Verifier,
) -> LockUpdate:
    """Record the verified publisher identities of ``(dependency, version)`` pins.

    Pins from a pylock.toml are recorded in its ``attestation-identities``; others in
    the chainward table. Nothing unverified is ever recorded.
    """
    update = LockUpdate()
    table = dict(locks.table)
    table_changed = False
    seen: set[tuple[str, str, str]] = set()
    for dependency, version in pins:
        key = (dependency.path if dependency.manifest == "pylock" else "", dependency.name, version)
        if key in seen:
            continue
        seen.add(key)
        pin = f"{dependency.raw_name}=={version}"
        observed = observe_release(client, verifier, dependency.name, version, dependency.hashes)
        identities, why = identities_to_record(observed)
        if identities is None:
            update.skipped.append((pin, why))
            continue
        shown = ", ".join(map(str, identities)) or "no attestations"
        before = locks.record_for(dependency)
        if before is not None and {i.comparable() for i in before.identities} != {
            i.comparable() for i in identities
        }:
            # Re-recording accepts a change: say so loudly, the lock's diff must be reviewed.
            shown += f" (CHANGED: was {', '.join(map(str, before.identities)) or 'none'})"
        if dependency.manifest == "pylock":
            text = update.files.get(dependency.path) or read_text(dependency.path) or ""
            new = set_pylock_identities(text, dependency.name, identities)
            if new is None:
                update.skipped.append(
                    (pin, f"{dependency.path}: its attestation-identities spans several lines")
                )
                continue
            update.files[dependency.path] = new
            update.recorded.append((dependency.path, pin, shown))
            continue
        try:
            project = client.project(dependency.name)
            uploaded = _youngest(considered_files(project.release(version), dependency.hashes))
        except NetworkError:
            uploaded = None
        table[dependency.name] = LockedPublisher(
            dependency.raw_name,
            identities,
            version,
            uploaded.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
            if uploaded
            else None,
        )
        table_changed = True
        update.recorded.append((locks.table_path, pin, shown))
    if table_changed:
        update.files[locks.table_path] = dump_publisher_lock(table.values())
    return update
