"""The SLSA v1 statement: schema-valid, GitHub-shaped in Actions, AI inputs recorded."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from in_toto_attestation.predicates.provenance.v1 import provenance_pb2
from in_toto_attestation.v1 import statement_pb2
from in_toto_attestation.v1.resource_descriptor import ResourceDescriptor
from in_toto_attestation.v1.statement import Statement

from chainward.provenance.environment import detect_environment
from chainward.provenance.statement import (
    GITHUB_BUILD_TYPE,
    LOCAL_BUILD_TYPE,
    LOCAL_BUILDER_ID,
    build_predicate,
    build_statement,
    collect_inputs,
    expand_subjects,
)
from tests.conftest import GitRepo

DATA = Path(__file__).resolve().parent.parent / "data" / "provenance"

GITHUB_ENV = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "acme/demo",
    "GITHUB_REPOSITORY_ID": "123456",
    "GITHUB_REPOSITORY_OWNER_ID": "7890",
    "GITHUB_REF": "refs/tags/v1.0.0",
    "GITHUB_SHA": "d8b4a6445f38c48b9137a8099706d9b8073146e4",
    "GITHUB_EVENT_NAME": "release",
    "GITHUB_WORKFLOW_REF": "acme/demo/.github/workflows/release.yml@refs/tags/v1.0.0",
    "GITHUB_RUN_ID": "8351058501",
    "GITHUB_RUN_ATTEMPT": "2",
    "RUNNER_ENVIRONMENT": "github-hosted",
}


def validate_schema(statement: dict[str, Any]) -> None:
    """Strict protobuf parsing (unknown fields and wrong types fail) + the bindings' checks."""
    pb = json_format.Parse(json.dumps(statement), statement_pb2.Statement())
    Statement.copy_from_pb(pb).validate()
    predicate = json_format.ParseDict(statement["predicate"], provenance_pb2.Provenance())
    assert predicate.build_definition.build_type
    assert predicate.run_details.builder.id
    for dep in predicate.build_definition.resolved_dependencies:
        ResourceDescriptor.copy_from_pb(dep).validate()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def ai_repo(git_repo: GitRepo) -> GitRepo:
    """A repository with pinned and unpinned AI dependencies, a model lock and a Dockerfile."""
    torch_hash = "a" * 64
    git_repo.write(
        "requirements.txt",
        f"torch==2.1.0 --hash=sha256:{torch_hash}\n"
        "transformers==4.40.0 --hash=sha256:" + "1" * 64 + " --hash=sha256:" + "2" * 64 + "\n"
        "openai>=1.0\n"
        "peft @ git+https://github.com/huggingface/peft@" + "d" * 40 + "\n"
        "accelerate @ git+https://github.com/huggingface/accelerate@main\n"
        "requests==2.31.0\n",
    )
    git_repo.write(
        "pyproject.toml",
        '[project]\nname = "demo"\nversion = "1.0"\n'
        'dependencies = ["safetensors==0.4.3", "numpy==1.26.4"]\n',
    )
    git_repo.write(
        "Dockerfile",
        "FROM python:3.11-slim@sha256:" + "b" * 64 + "\nFROM ubuntu:22.04\n",
    )
    files = {
        "models/tiny/config.json": b'{"hidden": 2}\n',
        "models/tiny/model.safetensors": b"\x00\x01weights" * 100,
        "models/tok/tokenizer.json": b'{"vocab": {}}\n',
    }
    for rel, data in files.items():
        path = git_repo.path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    lock = "version = 1\n"
    for name, source, revision, folder in (
        ("tiny", "hf://acme/tiny-model", "c" * 40, "models/tiny"),
        ("tok", "https://example.com/tok", None, "models/tok"),
    ):
        lock += f'\n[[model]]\nname = "{name}"\nsource = "{source}"\n'
        if revision:
            lock += f'revision = "{revision}"\n'
        lock += f'path = "{folder}"\n'
        for rel, data in sorted(files.items()):
            if rel.startswith(folder + "/"):
                lock += (
                    f'\n[[model.file]]\npath = "{rel}"\nsize = {len(data)}\n'
                    f'sha256 = "{_sha(data)}"\n'
                )
    git_repo.write("chainward.lock", lock)
    git_repo.git("remote", "add", "origin", "https://ci-bot:ghp_secret@github.com/acme/demo.git")
    git_repo.commit_all("init")
    return git_repo


def _policy(root: Path) -> Any:
    from chainward.catalog import load_registry
    from chainward.core.policy import load_policy

    registry = load_registry()
    schemas = {n: f.policy for n, f in registry.families.items() if f.policy}
    return load_policy(root, schemas, registry.ids(), None)


def test_fixture_repo_lists_every_model_file_and_pinned_ai_dependency(ai_repo: GitRepo) -> None:
    root = ai_repo.path
    inputs = collect_inputs(root, _policy(root))
    dist = root / "dist"
    dist.mkdir()
    (dist / "demo-1.0.tar.gz").write_bytes(b"sdist")
    subjects = expand_subjects(["dist/*"], root)
    environment = detect_environment(root, env={})
    statement = build_statement(subjects, build_predicate(environment, inputs))
    validate_schema(statement)
    deps = statement["predicate"]["buildDefinition"]["resolvedDependencies"]
    by_uri = {d["uri"]: d for d in deps}

    # Every pinned AI dependency, with purl, name and digest when one hash is pinned.
    assert by_uri["pkg:pypi/torch@2.1.0"]["digest"] == {"sha256": "a" * 64}
    assert by_uri["pkg:pypi/torch@2.1.0"]["name"] == "torch"
    transformers = by_uri["pkg:pypi/transformers@4.40.0"]
    assert transformers["annotations"]["declaredIn"] == ["requirements.txt:2"]
    # Two wheel hashes: no single digest, both recorded.
    assert "digest" not in transformers
    assert transformers["annotations"]["hashes"] == ["sha256:" + "1" * 64, "sha256:" + "2" * 64]
    assert "pkg:pypi/safetensors@0.4.3" in by_uri
    # A VCS dependency pinned to a commit is recorded with it; one on a branch is not.
    peft = by_uri["git+https://github.com/huggingface/peft@" + "d" * 40]
    assert peft["digest"] == {"gitCommit": "d" * 40}
    assert not any("accelerate" in u for u in by_uri)
    # Non-AI and unpinned dependencies are not claimed.
    assert not any("requests" in u or "numpy" in u or "openai" in u for u in by_uri)
    [note] = [n for n in inputs.notes if "not pinned" in n]
    assert note.endswith("accelerate, openai")

    # Every model file of the lock, by digest, at its revision.
    lock_text = (root / "chainward.lock").read_text()
    model_deps = [d for d in deps if d.get("annotations", {}).get("kind") == "model-file"]
    assert len(model_deps) == 3
    for dep in model_deps:
        path = dep["annotations"]["path"]
        assert dep["digest"]["sha256"] == _sha((root / path).read_bytes())
        assert dep["digest"]["sha256"] in lock_text
    assert f"pkg:huggingface/acme/tiny-model@{'c' * 40}#model.safetensors" in by_uri
    assert "https://example.com/tok#tokenizer.json" in by_uri

    # The base image pinned by digest; the unpinned one cannot be resolved.
    images = [d for d in deps if d["uri"].startswith("pkg:docker/")]
    assert [d["digest"]["sha256"] for d in images] == ["b" * 64]

    # The source at its commit, with the token stripped from the remote URL.
    head = ai_repo.git("rev-parse", "HEAD").strip()
    assert deps[0] == {
        "uri": "git+https://github.com/acme/demo@refs/heads/main",
        "digest": {"gitCommit": head},
    }
    assert "ghp_secret" not in json.dumps(statement)
    # Outside Actions: a local build type and a builder id that says so.
    assert statement["predicate"]["buildDefinition"]["buildType"] == LOCAL_BUILD_TYPE
    assert statement["predicate"]["runDetails"]["builder"]["id"] == LOCAL_BUILDER_ID
    assert statement["subject"] == [
        {"name": "demo-1.0.tar.gz", "digest": {"sha256": _sha(b"sdist")}}
    ]


def test_github_actions_predicate_has_attest_build_provenance_shape(tmp_path: Path) -> None:
    (tmp_path / "a.whl").write_bytes(b"wheel")
    environment = detect_environment(tmp_path, env=GITHUB_ENV)
    predicate = build_predicate(environment, collect_inputs(tmp_path, _policy(tmp_path)))
    statement = build_statement(expand_subjects(["a.whl"], tmp_path), predicate)
    validate_schema(statement)
    # The same fields and values attest-build-provenance writes (compare the real one in
    # pep740/pypi_attestations-0.0.19.tar.gz.slsa.attestation).
    assert predicate["buildDefinition"]["buildType"] == GITHUB_BUILD_TYPE
    assert predicate["buildDefinition"]["externalParameters"] == {
        "workflow": {
            "ref": "refs/tags/v1.0.0",
            "repository": "https://github.com/acme/demo",
            "path": ".github/workflows/release.yml",
        }
    }
    assert predicate["buildDefinition"]["internalParameters"] == {
        "github": {
            "event_name": "release",
            "repository_id": "123456",
            "repository_owner_id": "7890",
            "runner_environment": "github-hosted",
        }
    }
    assert predicate["buildDefinition"]["resolvedDependencies"][0] == {
        "uri": "git+https://github.com/acme/demo@refs/tags/v1.0.0",
        "digest": {"gitCommit": "d8b4a6445f38c48b9137a8099706d9b8073146e4"},
    }
    assert predicate["runDetails"] == {
        "builder": {
            "id": "https://github.com/acme/demo/.github/workflows/release.yml@refs/tags/v1.0.0"
        },
        "metadata": {
            "invocationId": "https://github.com/acme/demo/actions/runs/8351058501/attempts/2"
        },
    }


def test_real_github_provenance_has_the_same_keys() -> None:
    import base64

    attestation = json.loads(
        (DATA / "pep740" / "pypi_attestations-0.0.19.tar.gz.slsa.attestation").read_text()
    )
    real = json.loads(base64.b64decode(attestation["envelope"]["statement"]))["predicate"]
    ours = build_predicate(detect_environment(Path(), env=GITHUB_ENV), collect_inputs_empty())

    def keys(obj: Any, prefix: str = "") -> set[str]:
        if not isinstance(obj, dict):
            return set()
        out = set()
        for k, v in obj.items():
            if k == "resolvedDependencies":
                out.add(prefix + k)
                continue
            out.add(prefix + k)
            out |= keys(v, prefix + k + ".")
        return out

    assert keys(real) == keys(ours)


def collect_inputs_empty() -> Any:
    from chainward.provenance.statement import Inputs

    return Inputs()


def test_missing_actions_variables_are_an_input_error(tmp_path: Path) -> None:
    from chainward.core.errors import InputError

    with pytest.raises(InputError, match="GITHUB_SHA"):
        detect_environment(tmp_path, env={"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "a/b"})


def test_subject_patterns_must_match_files(tmp_path: Path) -> None:
    from chainward.core.errors import InputError

    (tmp_path / "dist").mkdir()
    with pytest.raises(InputError, match="no file matches"):
        expand_subjects(["dist/*.whl"], tmp_path)
    with pytest.raises(InputError, match="no regular file"):
        expand_subjects(["dist"], tmp_path)
    (tmp_path / "dist" / "a.whl").write_bytes(b"1")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "a.whl").write_bytes(b"2")
    with pytest.raises(InputError, match=r"two subjects are named 'a\.whl'"):
        expand_subjects(["dist/*", "other/*"], tmp_path)
    # The same file twice is one subject.
    assert len(expand_subjects(["dist/a.whl", "dist/*"], tmp_path)) == 1
