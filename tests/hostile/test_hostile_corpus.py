"""Drive every file of the hostile corpus through the real CLI and the real parsers.

For each row of ``tests/data/hostile/INDEX.tsv`` the file is put into a fresh scan
root and every command the row names runs in a forked child (``hostile_support``)
with a deadline and an address-space budget. Always required: exit 0, 1 or 2; no
traceback and no "internal error"; no hang; no blown memory; the scanned files are
unchanged; no canary file appears. Then the row's own expectation (an
``unparsable-file`` finding, a config error naming the file, ...) once the check
that reads that kind of file is registered.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from hostile_generators import COMMIT_GENERATORS, ROOT_GENERATORS
from hostile_support import (
    Outcome,
    assert_clean_exit,
    available_commands,
    registered_checks,
    run_cli,
    run_isolated,
    warm_up,
)
from hostile_targets import load_targets

HOSTILE = Path(__file__).resolve().parent.parent / "data" / "hostile"
CANARY = "CHAINWARD_CANARY"
# Generous for a 2-core CI machine: a healthy run takes well under a second.
DEADLINE = 20.0
MEMORY_MB = 640
BINARY_SUFFIXES = (".pkl", ".pt", ".pth", ".bin", ".ckpt", ".lock")


@dataclass(frozen=True)
class Row:
    file: str
    runs: tuple[str, ...]
    place: str
    expect: str
    needs: str
    attack: str

    @property
    def generated(self) -> bool:
        return self.file.startswith("gen:")


def read_index() -> list[Row]:
    lines = (HOSTILE / "INDEX.tsv").read_text("utf-8").splitlines()
    assert lines[0].split("\t") == ["file", "runs", "place", "expect", "needs", "attack"]
    rows = []
    for line in lines[1:]:
        file, runs, place, expect, needs, attack = line.split("\t")
        rows.append(Row(file, tuple(runs.split(",")), place, expect, needs, attack))
    return rows


ROWS = read_index()
COMMANDS = available_commands()
CHECKS = registered_checks()
TARGETS, _MISSING_TARGETS = load_targets()


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    warm_up(
        [
            ["check", "--format", "json", "{root}"],
            ["pin", "--offline", "{root}/requirements.txt"],
            ["typosquats", "--offline", "--root", "{root}"],
            ["models", "verify", "--offline", "--root", "{root}"],
            ["verify-attestation", "--offline", "{root}/app.py", "--bundle", "{root}/app.py",
             "--cert-identity", "a", "--cert-oidc-issuer", "b"],
            ["commits", "--offline", "--all"],
        ]
    )  # fmt: skip
    for target in TARGETS.values():
        with contextlib.suppress(Exception):  # only warming imports
            target.run(b"")


def test_index_is_complete() -> None:
    """Every corpus file has an index row, every row its file or generator, 50+ files."""
    listed = {r.file for r in ROWS if not r.generated}
    own = ("INDEX.tsv", "README.md", "make_corpus.py")
    present = {p.name for p in HOSTILE.iterdir() if p.name not in own}
    assert listed == present, f"unindexed: {present - listed}; missing: {listed - present}"
    assert len(present) >= 50
    for row in ROWS:
        assert row.attack and row.expect, row
        if row.generated:
            name = row.file[4:]
            assert name in ROOT_GENERATORS or name in COMMIT_GENERATORS, row.file
            assert row.attack.startswith("generator:"), row.file
        for run in row.runs:
            assert run in RUNNERS or run.startswith("parse:"), run


def _snapshot(root: Path) -> dict[str, str]:
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = Path(dirpath, name)
            if path.is_symlink() or not path.is_file():
                out[str(path)] = "special"
                continue
            if path.stat().st_size > 50_000_000:
                out[str(path)] = f"size={path.stat().st_size}"
                continue
            out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _place(row: Row, root: Path) -> None:
    if row.generated:
        name = row.file[4:]
        if name in ROOT_GENERATORS:
            ROOT_GENERATORS[name](root)
        return
    source = HOSTILE / row.file
    if source.is_dir():
        shutil.copytree(source, root, dirs_exist_ok=True)
        return
    if row.place == "-":
        return
    target = root / row.place
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def _content(row: Row) -> bytes:
    if row.generated:
        return COMMIT_GENERATORS[row.file[4:]]()
    return (HOSTILE / row.file).read_bytes()


def _git(root: Path, *args: str, data: bytes | None = None) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "A",
        "GIT_AUTHOR_EMAIL": "a@b",
        "GIT_COMMITTER_NAME": "A",
        "GIT_COMMITTER_EMAIL": "a@b",
    }
    proc = subprocess.run(
        ("git", *args), cwd=root, input=data, capture_output=True, check=True, env=env
    )
    return proc.stdout.decode().strip()


# --- runners: each returns the argv to run, or None when the command is not available -------


def run_check(row: Row, root: Path) -> list[str] | None:
    return ["check", "--format", "json", str(root)]


def run_pin(row: Row, root: Path) -> list[str] | None:
    if "pin" not in COMMANDS:
        return None
    target = root if row.place == "." else root / row.place
    return ["pin", "--offline", str(target)]


def run_typosquats(row: Row, root: Path) -> list[str] | None:
    if "typosquats" not in COMMANDS:
        return None
    return ["typosquats", "--offline", "--root", str(root), "--format", "json"]


def run_models_verify(row: Row, root: Path) -> list[str] | None:
    if "models" not in COMMANDS:
        return None
    return ["models", "verify", "--offline", "--root", str(root), "--format", "json"]


def run_commits(row: Row, root: Path) -> list[str] | None:
    if "commits" not in COMMANDS:
        return None
    _git(root, "init", "-q", "-b", "main")
    raw = _content(row)
    sha = _git(root, "hash-object", "-t", "commit", "--literally", "-w", "--stdin", data=raw)
    # git refuses to point a ref at a bogus commit; write the ref file as an attacker would.
    (root / ".git" / "refs" / "heads" / "main").write_text(sha + "\n")
    return ["commits", "--all", "--offline", "--format", "json"]


def run_verify_bundle(row: Row, root: Path) -> list[str] | None:
    if "verify-attestation" not in COMMANDS:
        return None
    (root / "a.txt").write_bytes(b"hello\n")
    bundle = root / "a.txt.sigstore.json"
    bundle.write_bytes(_content(row))
    return [
        "verify-attestation",
        "--offline",
        str(root / "a.txt"),
        "--bundle",
        str(bundle),
        "--cert-identity",
        "a@b.c",
        "--cert-oidc-issuer",
        "https://issuer.invalid",
    ]


def run_verify_pypi(row: Row, root: Path) -> list[str] | None:
    if "verify-attestation" not in COMMANDS:
        return None
    dist = root / "x-1.0-py3-none-any.whl"
    dist.write_bytes(b"PK\x05\x06" + bytes(18))
    provenance = root / "provenance.json"
    provenance.write_bytes(_content(row))
    return [
        "verify-attestation", "--offline", str(dist), "--pypi-provenance", str(provenance),
        "--repository", "a/b",
    ]  # fmt: skip


_PUBLIC_KEY: list[bytes] = []


def run_verify_key(row: Row, root: Path) -> list[str] | None:
    if "verify-attestation" not in COMMANDS:
        return None
    if not _PUBLIC_KEY:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        key = ec.generate_private_key(ec.SECP256R1()).public_key()
        _PUBLIC_KEY.append(
            key.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    (root / "key.pem").write_bytes(_PUBLIC_KEY[0])
    (root / "a.txt").write_bytes(b"hello\n")
    envelope = root / "a.txt.intoto.jsonl"
    envelope.write_bytes(_content(row))
    return [
        "verify-attestation", "--offline", str(root / "a.txt"), "--bundle", str(envelope),
        "--key", str(root / "key.pem"),
    ]  # fmt: skip


RUNNERS = {
    "check": run_check,
    "pin": run_pin,
    "typosquats": run_typosquats,
    "models-verify": run_models_verify,
    "commits": run_commits,
    "verify-bundle": run_verify_bundle,
    "verify-pypi": run_verify_pypi,
    "verify-key": run_verify_key,
}


def _findings(outcome: Outcome) -> list[dict[str, object]]:
    if outcome.code not in (0, 1) or not outcome.out.strip().startswith("{"):
        return []
    document = json.loads(outcome.out)
    return list(document.get("findings", []))


def _expectation(row: Row, run: str, outcome: Outcome) -> None:
    enforced = row.needs == "-" or row.needs in CHECKS
    findings = _findings(outcome)
    for finding in findings:
        if finding["check_id"] == "unparsable-file":
            assert finding["path"], f"unparsable-file without a path: {finding}"
    if outcome.code == 2:
        names = {row.place, Path(row.place).name, "a.txt.sigstore.json", "chainward.lock",
                 "provenance.json", "a.txt.intoto.jsonl"}  # fmt: skip
        assert any(n and n != "." and n in outcome.err for n in names) or row.place in (".", "-"), (
            f"exit 2 without naming the file: {outcome.err}"
        )
    if not enforced or run not in ("check", "verify-bundle", "verify-pypi", "verify-key"):
        return
    where = {f["path"] for f in findings}
    ids = {(f["check_id"], f["path"]) for f in findings}
    if row.expect == "config-error":
        assert outcome.code == 2, outcome.describe()
        assert row.place in outcome.err, outcome.err
    elif row.expect == "unparsable":
        assert ("unparsable-file", row.place) in ids or (
            outcome.code == 2 and Path(row.place).name in outcome.err
        ), outcome.describe()
        if not row.place.endswith(BINARY_SUFFIXES):
            located = [f for f in findings if f["check_id"] == "unparsable-file"]
            assert any(f["line"] or "line" in str(f["message"]) for f in located), located
    elif row.expect == "too-large":
        assert any(f["check_id"] == "file-too-large" for f in findings), outcome.describe()
    elif row.expect.startswith("finding:"):
        wanted = row.expect.split(":", 1)[1]
        assert any(f["check_id"] == wanted for f in findings), (where, outcome.describe())
    elif row.expect == "not-verified":
        assert outcome.code in (1, 2), outcome.describe()


def _cli_runs(row: Row) -> list[str]:
    return [r for r in row.runs if not r.startswith("parse:")]


CLI_CASES = [
    pytest.param(row, run, id=f"{row.file}-{run}") for row in ROWS for run in _cli_runs(row)
]


@pytest.mark.parametrize(("row", "run"), CLI_CASES)
def test_corpus_through_cli(row: Row, run: str, tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    _place(row, root)
    argv = RUNNERS[run](row, root)
    if argv is None:
        pytest.skip(f"`{run}` is not available yet")
    before = _snapshot(root)
    memory = MEMORY_MB
    outcome = run_cli(argv, cwd=root, timeout=DEADLINE, memory_mb=memory)
    assert_clean_exit(outcome)
    assert not list(tmp_path.rglob(CANARY)), "scanned content was executed"
    after = _snapshot(root)
    changed = {k for k in before if before[k] != after.get(k)}
    assert not changed, f"scanning modified files: {changed}"
    # Outputs must not carry raw control characters from the input (terminal injection).
    assert "\x1b" not in outcome.out and "\x1b" not in outcome.err, outcome.describe()
    _expectation(row, run, outcome)


PARSE_CASES = [
    pytest.param(row, run[6:], id=f"{row.file}-{run}")
    for row in ROWS
    for run in row.runs
    if run.startswith("parse:")
]


@pytest.mark.parametrize(("row", "target_name"), PARSE_CASES)
def test_corpus_through_parser(row: Row, target_name: str) -> None:
    target = TARGETS.get(target_name)
    if target is None:
        pytest.skip(f"parser {target_name} is not available yet")
    data = _content(row) if not (HOSTILE / row.file).is_dir() else b""

    def call() -> int:
        try:
            result = target.run(data)
        except target.allowed as exc:
            if not target.located(exc):
                print(f"UNLOCATED {type(exc).__name__}: {exc}")
                return 5
            return 0
        for finding in target.findings(result):
            if not finding.path:
                print(f"FINDING WITHOUT PATH {finding}")
                return 6
        return 0

    outcome = run_isolated(call, timeout=DEADLINE, memory_mb=MEMORY_MB)
    assert outcome.code == 0 and not outcome.timed_out, outcome.describe()
