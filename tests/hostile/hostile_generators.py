"""Hostile inputs too large (or too odd) to commit, made at test time.

Each generator named in ``tests/data/hostile/INDEX.tsv`` as ``gen:NAME`` writes its
scenario into a scan root. Sizes are real: the 100-MB line is 100 MB on disk, the
sparse files report their multi-GB size to ``stat`` while using no disk blocks, and
the zip bomb inflates to 1 GiB.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from pathlib import Path

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
GiB = 1 << 30
MB = 1_000_000

_BOMB_CACHE: dict[str, bytes] = {}


def _sparse(path: Path, size: int, head: bytes = b"") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.write(head)
        handle.truncate(size)


def req_100mb_line(root: Path) -> None:
    """One 100-MB line: a requirement, 100 MB of NUL bytes (sparse: no disk I/O), a comment."""
    with (root / "requirements.txt").open("wb") as handle:
        handle.write(b"torch==1.0 ")
        handle.seek(100 * MB, os.SEEK_CUR)
        handle.write(b" # end\n")


def req_4mb_line(root: Path) -> None:
    """A 4-MB line under the default 5 MB limit: a requirement with 50,000 hashes."""
    hashes = " ".join(f"--hash=sha256:{i:064x}" for i in range(50_000))
    (root / "requirements.txt").write_text(f"torch==2.1.0 {hashes}\n")


def sparse_8gb_model(root: Path) -> None:
    """An 8-GiB sparse file named like a PyTorch checkpoint."""
    _sparse(root / "big" / "pytorch_model.bin", 8 * GiB, b"PK\x03\x04")


def sparse_3gb_requirements(root: Path) -> None:
    """A 3-GiB sparse requirements.txt."""
    _sparse(root / "requirements.txt", 3 * GiB, b"torch==2.1.0\n")


def zip_bomb_bytes() -> bytes:
    """A PyTorch-style zip whose data.pkl inflates from about 1 MB to 1 GiB (cached)."""
    if "bomb" not in _BOMB_CACHE:
        import io

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            archive.writestr("archive/version", "3\n")
            with archive.open("archive/data.pkl", "w", force_zip64=True) as member:
                # A valid pickle start, then a gigabyte of zeros (NUL is not an opcode).
                member.write(b"\x80\x02cos\nsystem\n")
                chunk = bytes(1 << 20)
                for _ in range(1024):
                    member.write(chunk)
        _BOMB_CACHE["bomb"] = buffer.getvalue()
    return _BOMB_CACHE["bomb"]


def zip_bomb(root: Path) -> None:
    """Write the zip bomb as ``bomb.pt``."""
    (root / "bomb.pt").write_bytes(zip_bomb_bytes())


def many_members_zip(root: Path) -> None:
    """A zip with 20,000 tiny members (central-directory work must stay linear)."""
    with zipfile.ZipFile(root / "many.pt", "w", zipfile.ZIP_STORED) as archive:
        for index in range(20_000):
            archive.writestr(f"archive/data/{index}", b"")
        archive.writestr("archive/data.pkl", b"\x80\x02}q\x00.")


def commit_huge_header() -> bytes:
    """A commit object with a 2-MB author header and a 2-MB gpgsig header."""
    name = "A" * (2 * MB)
    sig = "\n ".join(["iQEzBAABCAAdFiEE" * 4] * (2 * MB // 64))
    return (
        f"tree {EMPTY_TREE}\nauthor {name} <a@b> 1 +0000\ncommitter C <c@d> 1 +0000\n"
        f"gpgsig -----BEGIN PGP SIGNATURE-----\n \n {sig}\n -----END PGP SIGNATURE-----\n"
        "\nhuge\n"
    ).encode()


def _lock_text(paths: list[str]) -> str:
    files = "".join(
        f'[[model.file]]\npath = "{p}"\nsize = 4\nsha256 = "{"0" * 64}"\n' for p in paths
    )
    return f'[[model]]\nname = "m"\nsource = "./models"\n{files}'


def lock_symlink_loop(root: Path) -> None:
    """``models/a -> b`` and ``models/b -> a``, and a lock naming files below them."""
    (root / "models").mkdir()
    (root / "models" / "a").symlink_to("b")
    (root / "models" / "b").symlink_to("a")
    (root / "chainward.lock").write_text(_lock_text(["models/a/weights.bin", "models/b"]))


def lock_outward_symlink(root: Path) -> None:
    """``models/w.bin`` points at a file outside the repository."""
    outside = root.parent / "outside-secret.bin"
    outside.write_bytes(b"secret")
    (root / "models").mkdir()
    (root / "models" / "w.bin").symlink_to(outside)
    (root / "models" / "etc").symlink_to("/etc")
    (root / "chainward.lock").write_text(_lock_text(["models/w.bin", "models/etc/passwd"]))


def hostile_file_names(root: Path) -> None:
    """Workflow files whose names hold a newline, an ESC sequence and a leading dash."""
    folder = root / ".github" / "workflows"
    folder.mkdir(parents=True)
    body = "jobs:\n  a:\n    steps:\n      - uses: evil/x@main\n"
    for name in ("new\nline.yml", "esc\x1b[2J\x1b]0;pwned\x07.yml", "-rf.yml", "::warning::x.yml"):
        (folder / name).write_text(body)


def fifo_manifest(root: Path) -> None:
    """A named pipe called requirements.txt: opening it for reading would block."""
    os.mkfifo(root / "requirements.txt")
    (root / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["torch"]\n')


ROOT_GENERATORS: dict[str, Callable[[Path], None]] = {
    "req-100mb-line": req_100mb_line,
    "req-4mb-line": req_4mb_line,
    "sparse-8gb-model": sparse_8gb_model,
    "sparse-3gb-requirements": sparse_3gb_requirements,
    "zip-bomb": zip_bomb,
    "many-members-zip": many_members_zip,
    "lock-symlink-loop": lock_symlink_loop,
    "lock-outward-symlink": lock_outward_symlink,
    "hostile-file-names": hostile_file_names,
    "fifo-manifest": fifo_manifest,
}

COMMIT_GENERATORS: dict[str, Callable[[], bytes]] = {
    "commit-huge-header": commit_huge_header,
}
