"""``chainward data refresh``: replace a shipped list and rebuild the index.

Accepted sources for the PyPI popularity list (``--kind pypi``):

- the JSON of hugovk's *top-pypi-packages* (``{"last_update": ..., "rows": [{"project":
  ..., "download_count": ...}]}``), e.g.
  ``https://hugovk.github.io/top-pypi-packages/top-pypi-packages.min.json``;
- ``rank<TAB>name`` lines (the shipped format) or one name per line, most popular first.

The other lists (``aliases``, ``hf-orgs``, ``images``) take the shipped text format.
Everything is validated before anything is written; writes are atomic.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from chainward.core.atomic import write_atomic
from chainward.core.errors import InputError
from chainward.core.jsonsafe import loads_json
from chainward.typosquats.datafiles import DATA_DIR, DATA_FILES
from chainward.typosquats.index import INDEX_FILE, build_index_bytes
from chainward.typosquats.keys import normalize

MAX_SOURCE = 64 * 1024 * 1024
MIN_NAMES = 100
SOURCES_FILE = "sources.json"
KIND_FILES = {
    "pypi": "top-pypi.txt",
    "aliases": "aliases.txt",
    "hf-orgs": "hf-orgs.txt",
    "images": "images.txt",
}
_VALID = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


@dataclass(frozen=True, slots=True)
class Refreshed:
    """What a refresh wrote."""

    kind: str
    path: Path
    count: int
    source: str


def read_source(source: str, *, offline: bool, timeout: float = 30.0) -> bytes:
    """The bytes of a file or an https URL (bounded)."""
    if source.startswith(("http://", "https://")):
        if offline:
            raise InputError("--offline forbids fetching a URL", where=source)
        if source.startswith("http://"):
            raise InputError("only https URLs are fetched", where=source)
        from chainward.core import http
        from chainward.core.errors import NetworkError

        try:
            response = http.fetch(source, timeout=timeout, max_bytes=MAX_SOURCE)
        except http.ResponseTooLarge:
            raise InputError(f"larger than {MAX_SOURCE} bytes", where=source) from None
        except NetworkError as exc:
            raise InputError(f"cannot fetch: {exc.message}", where=source) from None
        if not response.ok:
            raise InputError(f"cannot fetch: HTTP {response.status}", where=source)
        data: bytes = response.body
    else:
        try:
            with Path(source).open("rb") as handle:
                data = handle.read(MAX_SOURCE + 1)
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", where=source) from None
    if len(data) > MAX_SOURCE:
        raise InputError(f"larger than {MAX_SOURCE} bytes", where=source)
    return data


def parse_popular(data: bytes, where: str) -> list[str]:
    """Popular names, most popular first, from any accepted format."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 at byte {exc.start}", where=where) from None
    names: list[str] = []
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            document = loads_json(stripped)
        except ValueError as exc:
            raise InputError(f"invalid JSON: {exc}", where=where) from None
        rows = document.get("rows") if isinstance(document, dict) else None
        if not isinstance(rows, list):
            raise InputError("JSON without a 'rows' list", where=where)
        scored: list[tuple[int, int, str]] = []
        for row in rows:
            if isinstance(row, dict) and isinstance(row.get("project"), str):
                count = row.get("download_count")
                scored.append(
                    (-(count if isinstance(count, int) else 0), len(scored), row["project"])
                )
        names = [name for _, _, name in sorted(scored)]
    else:
        ranked = []
        for number, raw_line in enumerate(text.splitlines(), start=1):
            line = raw_line.strip()
            if not line or line.startswith("#"):
                continue
            first, tab, second = line.partition("\t")
            rank = first.strip()
            # ASCII digits only: "²".isdigit() is true but int() refuses it, and int()
            # refuses more than 4,300 digits.
            if tab and rank.isascii() and rank.isdigit() and len(rank) <= 18:
                ranked.append((int(rank), second.strip()))
            elif first.lower() in ("rank", "name"):
                continue
            else:
                ranked.append((number, first.strip()))
        names = [name for _, name in sorted(ranked)]
    out: list[str] = []
    seen: set[str] = set()
    for name in names:
        canonical = normalize(name)
        if not _VALID.match(canonical):
            raise InputError(f"not a valid project name: {name[:80]!r}", where=where)
        if canonical not in seen:
            seen.add(canonical)
            out.append(canonical)
    if len(out) < MIN_NAMES:
        raise InputError(
            f"only {len(out)} names; a popularity list needs at least {MIN_NAMES}", where=where
        )
    return out


def _plain_lines(data: bytes, where: str, kind: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 at byte {exc.start}", where=where) from None
    rows = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not rows:
        raise InputError("no entries", where=where)
    for line in rows:
        if any(ord(c) < 32 and c != "\t" for c in line) or len(line) > 300:
            raise InputError(f"invalid line: {line[:80]!r}", where=where)
        if kind == "aliases" and line.count("\t") != 1:
            raise InputError(f"expected alias<TAB>canonical: {line[:80]!r}", where=where)
    return "\n".join(rows) + "\n"


def refresh(kind: str, source: str, *, target_dir: Path | None = None, offline: bool) -> Refreshed:
    """Replace one list from ``source`` and rebuild the index in ``target_dir``.

    ``target_dir`` defaults to the package's own data folder; another folder receives
    a full copy of the data (use it with ``CHAINWARD_TYPOSQUAT_DATA``).
    """
    if kind not in KIND_FILES:
        raise InputError(f"unknown list {kind!r}", hint=f"one of {', '.join(KIND_FILES)}")
    data = read_source(source, offline=offline)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    if kind == "pypi":
        names = parse_popular(data, source)
        body = (
            f"# PyPI projects by downloads, most first; refreshed {stamp} from {source}\n"
            + "".join(f"{rank}\t{name}\n" for rank, name in enumerate(names, start=1))
        )
        count = len(names)
    else:
        body = f"# refreshed {stamp} from {source}\n" + _plain_lines(data, source, kind)
        count = body.count("\n") - 1
    folder = target_dir or DATA_DIR
    folder.mkdir(parents=True, exist_ok=True)
    if folder.resolve() != DATA_DIR.resolve():
        for name in (*DATA_FILES, SOURCES_FILE):
            if not (folder / name).exists() and (DATA_DIR / name).exists():
                shutil.copyfile(DATA_DIR / name, folder / name)
    path = folder / KIND_FILES[kind]
    old = path.read_bytes() if path.exists() else None
    write_atomic(path, body)
    from chainward.core.environ import environment_set
    from chainward.typosquats.datafiles import DATA_ENV
    from chainward.typosquats.vocab import (
        FILLER_FILE,
        VOCABULARY_FILE,
        build_text,
        refreshed_fillers_text,
    )

    with environment_set(DATA_ENV, str(folder)):
        try:
            index = build_index_bytes()
            vocabulary = build_text()  # learned from the popular list, like the index
            fillers = refreshed_fillers_text()  # hosts from the new list, attacker words kept
        except Exception:
            if old is not None:
                write_atomic(path, old)
            raise
    write_atomic(folder / INDEX_FILE, index)
    write_atomic(folder / VOCABULARY_FILE, vocabulary)
    write_atomic(folder / FILLER_FILE, fillers)
    sources_path = folder / SOURCES_FILE
    try:
        sources = json.loads(sources_path.read_text("utf-8")) if sources_path.exists() else {}
    except ValueError:
        sources = {}
    sources[KIND_FILES[kind]] = {"source": source, "date": stamp, "count": count}
    write_atomic(sources_path, json.dumps(sources, indent=2, sort_keys=True) + "\n")
    return Refreshed(kind, path, count, source)
