"""The attest action (action/attest): inputs only through env, outputs the bundle paths."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT, GitRepo
from tests.provenance.test_local_key import make_key

ACTION = REPO_ROOT / "action" / "attest"


def _outputs(path: Path) -> dict[str, str]:
    """Parse GITHUB_OUTPUT's ``name<<DELIM`` blocks."""
    out: dict[str, str] = {}
    lines = path.read_text().splitlines()
    index = 0
    while index < len(lines):
        name, _, delimiter = lines[index].partition("<<")
        end = lines.index(delimiter, index + 1)
        out[name] = "\n".join(lines[index + 1 : end])
        index = end + 1
    return out


def test_action_attests_with_a_key_and_outputs_paths(git_repo: GitRepo, tmp_path: Path) -> None:
    git_repo.write("dist/app-1.0.tar.gz", "sdist\n")
    git_repo.write("dist/app-1.0-py3-none-any.whl", "wheel\n")
    git_repo.commit_all("release")
    private, public = make_key(tmp_path, "release", "ec")
    output = tmp_path / "github_output"
    env = {
        **os.environ,
        "GITHUB_OUTPUT": str(output),
        "INPUT_SUBJECT_PATH": "dist/*.whl\n  dist/*.tar.gz  \n",
        "INPUT_KEY": private.read_text(),
        "INPUT_WORKING_DIRECTORY": str(git_repo.path),
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    proc = subprocess.run(
        (sys.executable, str(ACTION / "run.py")),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    outputs = _outputs(output)
    paths = outputs["bundle-paths"].splitlines()
    assert [Path(p).name for p in paths] == [
        "app-1.0-py3-none-any.whl.intoto.jsonl",
        "app-1.0.tar.gz.intoto.jsonl",
    ]
    assert outputs["bundle-path"] == paths[0]
    for path in paths:
        artifact = Path(path[: -len(".intoto.jsonl")])
        verify = subprocess.run(
            (
                sys.executable,
                "-m",
                "chainward",
                "verify-attestation",
                str(artifact),
                "--bundle",
                path,
                "--key",
                str(public),
            ),
            capture_output=True,
            text=True,
            check=False,
        )
        assert verify.returncode == 0, verify.stdout + verify.stderr
    # The key never lands in the workspace.
    assert not list(git_repo.path.rglob("key.pem"))


@pytest.mark.parametrize("allowed", ["acme-ai", "meta-llama"])
def test_action_attests_the_bom_and_writes_the_vsa(
    allowed: str, git_repo: GitRepo, tmp_path: Path
) -> None:
    """bom + verify-release with a key: BOM and VSA written, outputs set, policy enforced."""
    import base64
    import hashlib
    import json

    git_repo.write("models/m/model.safetensors", "weights")
    digest = hashlib.sha256(b"weights").hexdigest()
    git_repo.write(
        "chainward.lock",
        'version = 1\n\n[[model]]\nname = "m"\nsource = "hf://acme-ai/m"\n'
        f'revision = "{"2" * 40}"\npath = "models/m"\n\n[[model.file]]\n'
        f'path = "models/m/model.safetensors"\nsize = 7\nsha256 = "{digest}"\n',
    )
    git_repo.write(
        "pyproject.toml",
        "[tool.chainward.release]\n"
        f'allowed-hub-orgs = ["{allowed}"]\nrequired-attestations = ["provenance", "bom"]\n',
    )
    git_repo.write("dist/app-1.0.tar.gz", "sdist\n")
    git_repo.commit_all("release")
    private, _ = make_key(tmp_path, "release", "ec")
    output = tmp_path / "github_output"
    summary = tmp_path / "summary.md"
    env = {
        **os.environ,
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "INPUT_SUBJECT_PATH": "dist/*",
        "INPUT_KEY": private.read_text(),
        "INPUT_BOM": "true",
        "INPUT_VERIFY_RELEASE": "true",
        "INPUT_WORKING_DIRECTORY": str(git_repo.path),
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    proc = subprocess.run(
        (sys.executable, str(ACTION / "run.py")),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    outputs = _outputs(output)
    dist = git_repo.path / "dist"
    assert outputs["bom-paths"] == str(dist / "app-1.0.tar.gz.cdx.intoto.jsonl")
    assert outputs["vsa-paths"] == str(dist / "app-1.0.tar.gz.vsa.intoto.jsonl")
    vsa = json.loads(
        base64.b64decode(json.loads(Path(outputs["vsa-paths"]).read_text())["payload"])
    )
    if allowed == "acme-ai":
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert outputs["vsa-result"] == "PASSED"
        assert vsa["predicate"]["verificationResult"] == "PASSED"
    else:
        assert proc.returncode == 1
        assert outputs["vsa-result"] == "FAILED"
        assert vsa["predicate"]["verificationResult"] == "FAILED"
    assert f"verify-release: {outputs['vsa-result']}" in summary.read_text()
    assert not list(git_repo.path.rglob("key.pem"))


def test_action_without_subjects_fails(tmp_path: Path) -> None:
    env = {**os.environ, "INPUT_SUBJECT_PATH": "  \n", "GITHUB_OUTPUT": str(tmp_path / "o")}
    proc = subprocess.run(
        (sys.executable, str(ACTION / "run.py")),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "subject-path is empty" in proc.stderr


def test_action_metadata_is_safe() -> None:
    action = yaml.safe_load((ACTION / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    for step in action["runs"]["steps"]:
        if "run" in step:
            assert "${{" not in step["run"], "inputs must go through env:"
        if "uses" in step:
            ref = step["uses"].split("@", 1)[1]
            assert len(ref) == 40 and all(c in "0123456789abcdef" for c in ref)
    assert set(action["outputs"]) == {
        "bundle-paths",
        "bundle-path",
        "bom-paths",
        "vsa-paths",
        "vsa-result",
    }
    # The attest action shares the main action's hash-locked install (every extra).
    assert 'bash "$GITHUB_ACTION_PATH/../install.sh"' in (ACTION / "action.yml").read_text()
    lock = (REPO_ROOT / "action" / "requirements.txt").read_text()
    assert "sigstore==" in lock and "--hash=sha256:" in lock


@pytest.mark.parametrize("verify_release", [False, True])
def test_action_keyless_against_a_private_instance(
    verify_release: bool, git_repo: GitRepo, tmp_path: Path
) -> None:
    """The action's keyless path, end to end: token endpoint and Sigstore on loopback."""
    import json
    import time

    from tests.provenance.conftest import REQUEST_TOKEN, serve_token_endpoint
    from tests.provenance.fake_sigstore import FakeSigstore

    git_repo.write("dist/app-1.0.tar.gz", "sdist\n")
    if verify_release:
        git_repo.write(
            "pyproject.toml",
            '[tool.chainward.release]\nrepository = "acme/app"\n'
            'workflow = ".github/workflows/release.yml"\nref = "refs/tags/v.*"\n'
            'required-attestations = ["provenance", "bom"]\nslsa-level = 2\n',
        )
    git_repo.commit_all("release")
    ref = "acme/app/.github/workflows/release.yml@refs/tags/v1"
    now = int(time.time())
    claims = {
        "iss": "https://token.actions.githubusercontent.com",
        "aud": "sigstore",
        "sub": "repo:acme/app:ref:refs/tags/v1",
        "iat": now,
        "exp": now + 300,
        "job_workflow_ref": ref,
        "repository": "acme/app",
    }
    output = tmp_path / "github_output"
    with FakeSigstore() as fake, serve_token_endpoint(claims) as token_url:
        trust_config = tmp_path / "trust_config.json"
        trust_config.write_text(json.dumps(fake.trust_config()))
        (tmp_path / "root.json").write_text(json.dumps(fake.trusted_root()))
        env = {
            **os.environ,
            "GITHUB_OUTPUT": str(output),
            "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": "acme/app",
            "GITHUB_SHA": git_repo.git("rev-parse", "HEAD").strip(),
            "GITHUB_REF": "refs/tags/v1",
            "GITHUB_WORKFLOW_REF": ref,
            "ACTIONS_ID_TOKEN_REQUEST_URL": token_url,
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": REQUEST_TOKEN,
            "INPUT_SUBJECT_PATH": "dist/*",
            "INPUT_TRUST_CONFIG": str(trust_config),
            "INPUT_WORKING_DIRECTORY": str(git_repo.path),
            "INPUT_BOM": "true" if verify_release else "false",
            "INPUT_VERIFY_RELEASE": "true" if verify_release else "false",
        }
        proc = subprocess.run(
            (sys.executable, str(ACTION / "run.py")),
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    assert proc.returncode == 0, proc.stderr
    [path] = _outputs(output)["bundle-paths"].splitlines()
    assert path.endswith("app-1.0.tar.gz.sigstore.json")
    if verify_release:
        # BOM and VSA signed keylessly too; the VSA claims build level 2.
        outputs = _outputs(output)
        assert outputs["bom-paths"].endswith("app-1.0.tar.gz.cdx.sigstore.json")
        assert outputs["vsa-result"] == "PASSED"
        assert outputs["vsa-paths"].endswith("app-1.0.tar.gz.vsa.sigstore.json")
        vsa = subprocess.run(
            (
                sys.executable,
                "-m",
                "chainward",
                "verify-attestation",
                str(git_repo.path / "dist" / "app-1.0.tar.gz"),
                "--bundle",
                outputs["vsa-paths"],
                "--predicate-type",
                "https://slsa.dev/verification_summary/v1",
                "--trusted-root",
                str(tmp_path / "root.json"),
                "--cert-identity",
                f"https://github.com/{ref}",
                "--cert-oidc-issuer",
                "https://token.actions.githubusercontent.com",
                "--verified-statements",
                str(tmp_path / "vsa.json"),
            ),
            capture_output=True,
            text=True,
            check=False,
        )
        assert vsa.returncode == 0, vsa.stdout + vsa.stderr
        statements = json.loads((tmp_path / "vsa.json").read_text())["statements"]
        [statement] = next(iter(statements.values()))
        assert statement["predicate"]["verifiedLevels"] == ["SLSA_BUILD_LEVEL_2"]
    verify = subprocess.run(
        (
            sys.executable,
            "-m",
            "chainward",
            "verify-attestation",
            str(git_repo.path / "dist" / "app-1.0.tar.gz"),
            "--trusted-root",
            str(tmp_path / "root.json"),
            "--cert-identity",
            f"https://github.com/{ref}",
            "--cert-oidc-issuer",
            "https://token.actions.githubusercontent.com",
            "--repository",
            "acme/app",
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
