"""Read commit objects in bulk with one ``git cat-file --batch`` and parse them.

A :class:`CommitRecord` holds what the checks need: the signed payload (the commit
with its signature headers removed, exactly as git hands it to the verifier), the
signature bytes, the committer and the subject.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from chainward.core.errors import InputError
from chainward.core.git import git_env

# Commit objects are small; a larger one is refused rather than read into memory.
MAX_COMMIT_BYTES = 8 << 20
_SIG_HEADERS = (b"gpgsig", b"gpgsig-sha256")
_IDENT = re.compile(rb"^(?P<name>.*?) ?<(?P<email>[^<>]*)> (?P<time>-?\d+) (?P<tz>[+-]\d{4})$")


@dataclass(frozen=True, slots=True)
class Person:
    """An author or committer line."""

    name: str
    email: str
    timestamp: int


@dataclass(frozen=True, slots=True)
class CommitRecord:
    """One commit as read from the object database."""

    sha: str
    parents: tuple[str, ...]
    author: Person
    committer: Person
    subject: str
    payload: bytes
    """The object without its signature headers: the bytes the signature covers."""
    signature: bytes | None
    """The signature for this repository's hash algorithm, continuation lines joined."""
    signature_header: str | None = None

    @property
    def short(self) -> str:
        """The abbreviated SHA used in messages."""
        return self.sha[:10]


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding, "replace")
    except (LookupError, ValueError):  # unknown codec; ValueError: a NUL in its name
        return data.decode("utf-8", "replace")


def _person(value: bytes, encoding: str) -> Person:
    match = _IDENT.match(value)
    if match is None:
        return Person(_decode(value, encoding), "", 0)
    raw_time = match["time"]
    # int() refuses more than 4300 digits (ValueError); git's own timestamps fit in 64 bits.
    when = int(raw_time) if len(raw_time) <= 20 else 0
    return Person(_decode(match["name"], encoding), _decode(match["email"], encoding), when)


def parse_commit(sha: str, raw: bytes, object_format: str = "sha1") -> CommitRecord:
    """Parse a raw commit object (``git cat-file commit`` output).

    The signature header of the repository's hash algorithm (``gpgsig`` for SHA-1,
    ``gpgsig-sha256`` for SHA-256) is the signature; both signature headers are
    removed from the payload, as git does.
    """
    own = b"gpgsig-sha256" if object_format == "sha256" else b"gpgsig"
    head, sep, body = raw.partition(b"\n\n")
    payload_lines: list[bytes] = []
    signature_lines: list[bytes] = []
    parents: list[str] = []
    fields: dict[bytes, bytes] = {}
    current: bytes | None = None
    for line in head.split(b"\n"):
        if line.startswith(b" ") and current is not None:
            if current == own:
                signature_lines.append(line[1:])
            if current not in _SIG_HEADERS:
                payload_lines.append(line)
            continue
        key, _, value = line.partition(b" ")
        current = key
        if key in _SIG_HEADERS:
            if key == own:
                signature_lines.append(value)
            continue
        payload_lines.append(line)
        if key == b"parent":
            parents.append(value.decode("ascii", "replace"))
        elif key not in fields:
            fields[key] = value
    encoding = fields.get(b"encoding", b"utf-8").decode("ascii", "replace").strip() or "utf-8"
    payload = b"\n".join(payload_lines) + sep + body
    subject_bytes = body.lstrip(b"\n").split(b"\n\n", 1)[0].replace(b"\n", b" ").strip()
    signature = b"\n".join(signature_lines) + b"\n" if signature_lines else None
    return CommitRecord(
        sha=sha,
        parents=tuple(parents),
        author=_person(fields.get(b"author", b""), encoding),
        committer=_person(fields.get(b"committer", b""), encoding),
        subject=_decode(subject_bytes, encoding)[:200],
        payload=payload,
        signature=signature,
        signature_header=own.decode() if signature_lines else None,
    )


def object_format(repo: Path) -> str:
    """The repository's object format: ``sha1`` or ``sha256``."""
    proc = subprocess.run(
        ("git", "rev-parse", "--show-object-format"),
        cwd=repo,
        capture_output=True,
        env=git_env(),
        check=False,
    )
    text = proc.stdout.decode("ascii", "replace").strip()
    return text if proc.returncode == 0 and text in ("sha1", "sha256") else "sha1"


def read_commits(repo: Path, shas: Iterable[str], fmt: str | None = None) -> Iterator[CommitRecord]:
    """Read and parse the given commits with one ``git cat-file --batch`` process."""
    fmt = fmt or object_format(repo)
    wanted = list(shas)
    if not wanted:
        return
    try:
        proc = subprocess.Popen(
            ("git", "cat-file", "--batch", "--buffer"),
            cwd=repo,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=git_env(),
        )
    except FileNotFoundError:
        raise InputError("git is not installed or not on PATH") from None
    assert proc.stdin is not None  # noqa: S101 - set by PIPE above
    assert proc.stdout is not None  # noqa: S101
    stdin, stdout = proc.stdin, proc.stdout

    def feed() -> None:
        try:
            for sha in wanted:
                stdin.write(os.fsencode(sha) + b"\n")
            stdin.close()
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        for sha in wanted:
            header = stdout.readline()
            parts = header.split()
            if len(parts) != 3:
                raise InputError(f"commit {sha[:12]} is not in this repository", where=str(repo))
            obj_sha, kind, size_text = parts
            size = int(size_text)
            if kind != b"commit":
                stdout.read(size + 1)
                raise InputError(f"{sha[:12]} is a {kind.decode()}, not a commit", where=str(repo))
            if size > MAX_COMMIT_BYTES:
                raise InputError(
                    f"commit {sha[:12]} is {size} bytes, over the {MAX_COMMIT_BYTES}-byte limit",
                    where=str(repo),
                )
            raw = stdout.read(size)
            stdout.read(1)
            yield parse_commit(obj_sha.decode("ascii"), raw, fmt)
    finally:
        stdout.close()
        proc.kill()
        proc.wait()
        writer.join(timeout=5)
