"""``chainward models lock|verify|sign`` end to end, ``check`` on models, start-up cost,
and the pin-model-downloads / scan-model-files hooks through the real pre-commit."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chainward.inventory.model_lock import load_lock
from tests.conftest import DATA, GIT_IDENTITY, REPO_ROOT, GitRepo

SHA = "0123456789abcdef0123456789abcdef01234567"
LOCAL = DATA / "models" / "model-signing-local-key"


def _model(repo: GitRepo) -> None:
    repo.write("models/tiny/config.json", '{"hidden": 8}\n')
    repo.write("models/tiny/tokenizer.txt", "a b c\n")


def test_lock_then_verify_round_trip(git_repo: GitRepo, cli) -> None:  # type: ignore[no-untyped-def]
    _model(git_repo)
    result = cli(
        "models", "lock", "models/tiny", "--source", "hf://org/tiny", "--revision", SHA,
        cwd=git_repo.path,
    )  # fmt: skip
    assert result.code == 0, result.err
    lock = load_lock(git_repo.path / "chainward.lock")
    (model,) = lock.models
    assert (model.name, model.source, model.revision, model.path) == (
        "tiny", "hf://org/tiny", SHA, "models/tiny"
    )  # fmt: skip
    assert [f.path for f in model.files] == ["models/tiny/config.json", "models/tiny/tokenizer.txt"]
    assert cli("models", "verify", cwd=git_repo.path).code == 0

    git_repo.write("models/tiny/config.json", '{"hidden": 9}\n')
    git_repo.write("models/tiny/extra.bin", "x")
    result = cli("models", "verify", "--format", "json", cwd=git_repo.path)
    assert result.code == 1
    found = {(f["check_id"], f["file"]) for f in json.loads(result.out)["findings"]}
    assert found == {
        ("model-hash-mismatch", "models/tiny/config.json"),
        ("unlocked-model-file", "models/tiny/extra.bin"),
    }
    # re-locking keeps the source and revision
    assert cli("models", "lock", "models/tiny", cwd=git_repo.path).code == 0
    assert load_lock(git_repo.path / "chainward.lock").models[0].revision == SHA
    assert cli("models", "verify", "--no-cache", cwd=git_repo.path).code == 0


def test_lock_refuses_bad_input(git_repo: GitRepo, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _model(git_repo)
    bad_rev = cli(
        "models", "lock", "models/tiny", "--source", "hf://org/x", "--revision", "main",
        cwd=git_repo.path,
    )  # fmt: skip
    assert bad_rev.code == 2
    assert "40-hex" in bad_rev.err
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (git_repo.path / "models/tiny/link").symlink_to(outside)
    (outside / "secret.bin").write_text("s")
    refused = cli("models", "lock", "models/tiny", cwd=git_repo.path)
    assert refused.code == 2
    assert "outside the repository" in refused.err
    assert not (git_repo.path / "chainward.lock").exists()


def test_verify_without_a_lock(git_repo: GitRepo, cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("models", "verify", cwd=git_repo.path).code == 2
    assert cli("models", "verify", "--missing-ok", cwd=git_repo.path).code == 0


def test_invalid_lock_is_a_usage_error_and_a_check_finding(git_repo: GitRepo, cli) -> None:  # type: ignore[no-untyped-def]
    git_repo.write("chainward.lock", "[[model]]\nname = 1\n")
    result = cli("models", "verify", cwd=git_repo.path)
    assert result.code == 2
    assert "chainward.lock" in result.err
    result = cli("check", "--select", "invalid-model-lock", "--format", "json", cwd=git_repo.path)
    assert [f["check_id"] for f in json.loads(result.out)["findings"]] == ["invalid-model-lock"]


def test_sign_and_a_signature_in_the_lock(git_repo: GitRepo, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    private = tmp_path / "signing.key"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    git_repo.write(
        "keys/model.pub",
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode(),
    )
    _model(git_repo)
    signed = cli("models", "sign", "models/tiny", "--key", str(private), cwd=git_repo.path)
    assert signed.code == 0, signed.err
    assert (git_repo.path / "models/tiny.sig").is_file()
    locked = cli(
        "models", "lock", "models/tiny", "--signature", "models/tiny.sig",
        "--signature-key", "keys/model.pub", cwd=git_repo.path,
    )  # fmt: skip
    assert locked.code == 0, locked.err
    assert cli("models", "verify", cwd=git_repo.path).code == 0

    # Lock and files changed together: the hashes agree, the signature does not.
    git_repo.write("models/tiny/config.json", '{"hidden": 666}\n')
    assert cli("models", "lock", "models/tiny", cwd=git_repo.path).code == 0
    result = cli("models", "verify", "--format", "json", cwd=git_repo.path)
    assert result.code == 1
    (finding,) = json.loads(result.out)["findings"]
    assert finding["check_id"] == "bad-model-signature"
    assert "config.json" in finding["message"]
    assert cli("models", "verify", "--no-signatures", cwd=git_repo.path).code == 0


def test_lock_with_the_shipped_vector_signature(git_repo: GitRepo, cli) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(LOCAL / "tinymodel", git_repo.path / "tinymodel")
    shutil.copy(LOCAL / "tinymodel.shards8.sig", git_repo.path / "tinymodel.sig")
    shutil.copy(LOCAL / "key.pub.pem", git_repo.path / "key.pub.pem")
    result = cli(
        "models", "lock", "tinymodel", "--signature", "tinymodel.sig",
        "--signature-key", "key.pub.pem", cwd=git_repo.path,
    )  # fmt: skip
    assert result.code == 0, result.err
    check = cli("check", "--format", "json", cwd=git_repo.path)
    ids = [f["check_id"] for f in json.loads(check.out)["findings"]]
    assert "bad-model-signature" not in ids
    (git_repo.path / "tinymodel/config.json").chmod(0o644)
    (git_repo.path / "tinymodel/config.json").write_text("{}")
    check = cli("check", "--format", "json", cwd=git_repo.path)
    ids = [f["check_id"] for f in json.loads(check.out)["findings"]]
    assert {"bad-model-signature", "model-hash-mismatch"} <= set(ids)


_PROBE = """
import json, sys
from chainward.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""
HEAVY = {"sigstore", "model_signing", "cryptography", "OpenSSL", "requests", "tomlkit"}


@pytest.mark.parametrize(
    "argv",
    [
        ("models", "verify"),
        ("check", "--select", "unpinned-model-download,trust-remote-code", "train.py"),
        ("check", "--select", "unsafe-pickle,pickle-format", "model.pkl"),
    ],
)
def test_hooks_start_without_heavy_libraries(git_repo: GitRepo, argv: tuple[str, ...]) -> None:
    _model(git_repo)
    git_repo.write(
        "train.py", 'from transformers import AutoModel\nAutoModel.from_pretrained("o/x")\n'
    )
    (git_repo.path / "model.pkl").write_bytes(b"\x80\x02cposix\nsystem\n.")
    subprocess.run(
        (sys.executable, "-m", "chainward", "models", "lock", "models/tiny"),
        cwd=git_repo.path, check=True, capture_output=True,
    )  # fmt: skip
    proc = subprocess.run(
        (sys.executable, "-c", _PROBE, *argv, "--format", "text"),
        cwd=git_repo.path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["code"] in (0, 1), proc.stderr
    loaded = {m.split(".")[0] for m in result["modules"]}
    assert not loaded & HEAVY


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pre-commit") is None, reason="pre-commit not installed")
def test_hooks_through_pre_commit(
    git_repo: GitRepo, tmp_path_factory: pytest.TempPathFactory
) -> None:
    home = tmp_path_factory.mktemp("pre-commit-home")
    env = {**os.environ, **GIT_IDENTITY, "PRE_COMMIT_HOME": str(home)}

    def try_repo(hook: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ("pre-commit", "try-repo", str(REPO_ROOT), hook, "--all-files", "--color", "never"),
            cwd=git_repo.path, env=env, capture_output=True, text=True, check=False,
            timeout=600,
        )  # fmt: skip

    git_repo.write(
        "train.py", 'from transformers import AutoModel\nAutoModel.from_pretrained("o/x")\n'
    )
    (git_repo.path / "model.pkl").write_bytes(b"\x80\x02cposix\nsystem\n(X\x02\x00\x00\x00idtR.")
    git_repo.commit_all("bad")
    pins = try_repo("pin-model-downloads")
    assert pins.returncode == 1, pins.stdout + pins.stderr
    assert "train.py:2:1: unpinned-model-download" in pins.stdout
    pickles = try_repo("scan-model-files")
    assert pickles.returncode == 1, pickles.stdout + pickles.stderr
    assert "model.pkl: unsafe-pickle [critical]" in pickles.stdout

    git_repo.write(
        "train.py",
        f'from transformers import AutoModel\nAutoModel.from_pretrained("o/x", revision="{SHA}")\n',
    )
    (git_repo.path / "model.pkl").unlink()
    git_repo.commit_all("good")
    assert try_repo("pin-model-downloads").returncode == 0
    assert try_repo("scan-model-files").returncode == 0


def test_demo_project_shows_model_findings(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("check", str(REPO_ROOT / "examples" / "demo-ai-project"), "--format", "json")
    assert result.code == 1
    found = {(f["check_id"], f["path"], f["line"]) for f in json.loads(result.out)["findings"]}
    for expected in {
        ("unpinned-model-download", "train.py", 16),
        ("unpinned-model-download", "train.py", 18),
        ("model-revision-mismatch", "train.py", 20),
        ("trust-remote-code", "train.py", 24),
        ("model-hash-mismatch", "chainward.lock", 12),
        ("unsafe-pickle", "models/legacy-classifier.pt", None),
        ("pickle-format", "models/legacy-classifier.pt", None),
    }:
        assert expected in found, expected
