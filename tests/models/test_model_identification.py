"""Model files are found by content, through symlinks and Git LFS declarations,
whatever their names, and scanned through the real CLI in a git repository."""

from __future__ import annotations

import json
from pathlib import Path

from chainward.cli import main
from tests.conftest import GitRepo

from .hostile_models import legacy_multi_pickle, proto0_system, proto1_posix


def _check(root: Path, capsys) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    capsys.readouterr()
    main(["check", str(root), "--format", "json", "-q"])
    out = json.loads(capsys.readouterr().out)
    return [(f["path"], f["check_id"], f["severity"]) for f in out["findings"]]


def test_unknown_suffixes_and_no_suffix_are_identified(git_repo: GitRepo, capsys) -> None:  # type: ignore[no-untyped-def]
    root = git_repo.path
    canary = root.parent / "canary"
    (root / "weights").write_bytes(proto1_posix(canary))
    (root / "blob.dat").write_bytes(proto0_system(canary))
    (root / "model.pth.tar").write_bytes(legacy_multi_pickle(canary))
    (root / "notes.txt").write_text("class Foo:\n    pass\n")
    (root / "data.bin").write_bytes(bytes(range(256)) * 8)
    found = _check(root, capsys)
    for name in ("weights", "blob.dat", "model.pth.tar"):
        assert (name, "unsafe-pickle", "critical") in found, found
    assert not any(path in ("notes.txt", "data.bin") for path, _, _ in found), found
    assert not canary.exists()


def test_symlinks_inside_are_followed_and_outside_reported(git_repo: GitRepo, capsys) -> None:  # type: ignore[no-untyped-def]
    root = git_repo.path
    canary = root.parent / "canary"
    blobs = root / "blobs"
    blobs.mkdir()
    # A target whose name says nothing, behind a link whose name says "model"; the
    # target is ignored by git, so only the link leads to it.
    (blobs / "blob").write_bytes(b"\x80\x02" + proto0_system(canary)[:-1] + b".")
    (root / ".gitignore").write_text("blobs/\n")
    (root / "model.pt").symlink_to("blobs/blob")
    outside = root.parent / "outside.bin"
    outside.write_bytes(b"\x00" * 16)
    (root / "pytorch_model.bin").symlink_to(outside)
    found = _check(root, capsys)
    assert ("model.pt", "unsafe-pickle", "critical") in found, found
    assert ("pytorch_model.bin", "unverifiable-model-file", "high") in found, found
    assert not canary.exists()


def test_lfs_declared_paths_are_scanned_as_models(git_repo: GitRepo, capsys) -> None:  # type: ignore[no-untyped-def]
    root = git_repo.path
    (root / ".gitattributes").write_text("*.weights filter=lfs diff=lfs merge=lfs -text\n")
    # A broken pickle: in a declared model file it is unverifiable, elsewhere noise.
    broken = b"\x80\x02" + b"cmylib\nNet\n" + b")\x81" + b"\xff"
    (root / "net.weights").write_bytes(broken)
    (root / "net.other").write_bytes(broken)
    found = _check(root, capsys)
    assert ("net.weights", "unverifiable-model-file", "high") in found, found
