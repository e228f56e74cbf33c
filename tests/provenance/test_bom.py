"""The CycloneDX AI BOM: schema-valid documents, model cards, graph; BOM attestations."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from chainward.provenance.bom import validate_cyclonedx
from chainward.provenance.modelcard import parse_card, read_model_card
from tests.conftest import GitRepo
from tests.provenance.test_local_key import make_key

DATA = Path(__file__).resolve().parent.parent / "data" / "provenance" / "bom"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "demo-ai-project"
TORCH_HASH = "sha256:" + "ab" * 32


def _lock_entry(repo: GitRepo, folder: str, files: list[str]) -> str:
    text = (
        "version = 1\n\n[[model]]\n"
        'name = "tiny"\nsource = "hf://acme-ai/tiny-sentiment"\n'
        f'revision = "{"1" * 40}"\npath = "{folder}"\n'
    )
    for name in files:
        data = (repo.path / folder / name).read_bytes()
        text += (
            f'\n[[model.file]]\npath = "{folder}/{name}"\nsize = {len(data)}\n'
            f'sha256 = "{hashlib.sha256(data).hexdigest()}"\n'
        )
    return text


@pytest.fixture
def ai_release(git_repo: GitRepo) -> GitRepo:
    """A repository with a hash-pinned AI dependency, a locked model with a model card,
    a base image by digest, a workflow and a release artifact."""
    git_repo.write("requirements.txt", f"torch==2.1.0 --hash={TORCH_HASH}\nrequests==2.32.0\n")
    git_repo.write("Dockerfile", "FROM python:3.12-slim@sha256:" + "cd" * 32 + "\n")
    git_repo.write(
        ".github/workflows/release.yml",
        "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@" + "e" * 40 + "\n"
        "      - uses: actions/setup-python@v5\n",
    )
    card = (DATA / "model-card" / "README.md").read_text()
    git_repo.write("models/tiny/README.md", card)
    git_repo.write(
        "models/tiny/config.json",
        json.dumps(
            {"architectures": ["DistilBertForSequenceClassification"], "model_type": "distilbert"}
        ),
    )
    git_repo.write("models/tiny/model.safetensors", "weights-v1")
    git_repo.write(
        "chainward.lock", _lock_entry(git_repo, "models/tiny", ["config.json", "model.safetensors"])
    )
    git_repo.write("dist/app-1.0.tar.gz", "sdist bytes\n")
    git_repo.git("remote", "add", "origin", "git@github.com:acme/app.git")
    git_repo.commit_all("release")
    return git_repo


def _bom(cli: Any, root: Path, tmp_path: Path) -> dict[str, Any]:
    out = tmp_path / "bom.json"
    result = cli("bom", "--root", str(root), "-o", str(out))
    assert result.code == 0, result.err
    document: dict[str, Any] = json.loads(out.read_text())
    return document


def _by_ref(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["bom-ref"]: c for c in document["components"]}


def test_bom_is_schema_valid_and_records_everything(
    ai_release: GitRepo, cli: Any, tmp_path: Path
) -> None:
    document = _bom(cli, ai_release.path, tmp_path)
    assert document["bomFormat"] == "CycloneDX"
    assert document["specVersion"] == "1.7"
    assert validate_cyclonedx(document) == []
    components = _by_ref(document)

    torch = components["pkg:pypi/torch@2.1.0"]
    assert torch["purl"] == "pkg:pypi/torch@2.1.0"
    assert torch["hashes"] == [{"alg": "SHA-256", "content": "ab" * 32}]
    assert "pkg:pypi/requests@2.32.0" not in components  # not an AI package

    model = components["model:tiny"]
    assert model["type"] == "machine-learning-model"
    assert model["purl"] == f"pkg:huggingface/acme-ai/tiny-sentiment@{'1' * 40}"
    assert model["licenses"] == [{"license": {"id": "Apache-2.0"}}]
    files = {c["name"]: c["hashes"][0]["content"] for c in model["components"]}
    weights = (ai_release.path / "models/tiny/model.safetensors").read_bytes()
    assert files["models/tiny/model.safetensors"] == hashlib.sha256(weights).hexdigest()
    card = model["modelCard"]
    params = card["modelParameters"]
    assert params["task"] == "text-classification"
    assert params["modelArchitecture"] == "DistilBertForSequenceClassification"
    assert params["architectureFamily"] == "distilbert"
    assert params["datasets"] == [{"ref": "dataset:stanfordnlp/imdb"}]
    notes = {p["name"]: p["value"] for p in card["properties"]}
    assert notes["chainward:training-notes"].startswith("Fine-tuned for 3 epochs")
    assert "Accuracy" not in notes["chainward:training-notes"]  # the next section
    assert notes["chainward:base-model"] == "distilbert/distilbert-base-uncased"
    ancestors = model["pedigree"]["ancestors"]
    assert ancestors[0]["purl"] == "pkg:huggingface/distilbert/distilbert-base-uncased"

    dataset = components["dataset:stanfordnlp/imdb"]
    assert dataset["type"] == "data"

    image = next(c for c in document["components"] if c["type"] == "container")
    assert image["purl"] == "pkg:docker/python@sha256:" + "cd" * 32 + "?tag=3.12-slim"
    assert image["hashes"] == [{"alg": "SHA-256", "content": "cd" * 32}]

    actions = {c["name"]: c for c in document["components"] if c["type"] == "application"}
    assert actions["actions/checkout"]["version"] == "e" * 40
    pinned = {p["name"]: p["value"] for p in actions["actions/setup-python"]["properties"]}
    assert pinned["chainward:pinned"] == "false"

    graph = {d["ref"]: set(d.get("dependsOn", [])) for d in document["dependencies"]}
    assert {"model:tiny", "pkg:pypi/torch@2.1.0"} <= graph["project"]
    assert graph["model:tiny"] == {"dataset:stanfordnlp/imdb"}
    head = ai_release.git("rev-parse", "HEAD").strip()
    assert document["metadata"]["component"]["version"] == head


def test_schema_validation_catches_an_invalid_document(
    ai_release: GitRepo, cli: Any, tmp_path: Path
) -> None:
    document = _bom(cli, ai_release.path, tmp_path)
    model = next(c for c in document["components"] if c["bom-ref"] == "model:tiny")
    model["modelCard"]["modelParameters"]["approach"] = {"type": "guesswork"}
    assert validate_cyclonedx(document)


def test_bom_of_the_demo_project_is_schema_valid(cli: Any, tmp_path: Path) -> None:
    root = tmp_path / "demo"
    shutil.copytree(EXAMPLE, root)
    document = _bom(cli, root, tmp_path)
    assert validate_cyclonedx(document) == []
    model = _by_ref(document)["model:sentiment"]
    # No README in the model folder: the architecture comes from config.json alone.
    assert "modelArchitecture" in model["modelCard"]["modelParameters"] or any(
        p["name"] == "chainward:model-card" for p in model["modelCard"]["properties"]
    )
    assert len(model["components"]) == 2


def test_bom_of_real_world_manifests_is_schema_valid(cli: Any, tmp_path: Path) -> None:
    root = tmp_path / "whisper"
    shutil.copytree(DATA / "whisper", root)
    document = _bom(cli, root, tmp_path)
    assert validate_cyclonedx(document) == []
    names = {c["name"] for c in document["components"]}
    assert {"torch", "tiktoken", "triton", "actions/checkout"} <= names


def test_spdx_is_refused_with_the_reason(ai_release: GitRepo, cli: Any) -> None:
    result = cli("bom", "--root", str(ai_release.path), "--format", "spdx")
    assert result.code == 2
    assert "SPDX 3.0.1" in result.err


def test_model_card_parsing_is_data_only() -> None:
    fields, _, problem = parse_card("---\nlicense: !!python/object/apply:os.system ['x']\n---\n")
    assert problem is None  # the tag is composed, never constructed
    assert fields["license"] == ("x",) or fields["license"] == ()
    _, _, problem = parse_card("---\nlicense: [unclosed\n---\nbody")
    assert problem and "not valid YAML" in problem
    assert parse_card("no front matter")[0] == {}


def test_missing_model_folder_gives_an_empty_card(tmp_path: Path) -> None:
    card = read_model_card(tmp_path / "absent", "absent")
    assert card.empty and card.source == ()


# --- the BOM attestation -----------------------------------------------------------------


def test_attest_bom_signed_and_verified_and_flipped_hash_fails(
    ai_release: GitRepo, cli: Any, tmp_path: Path
) -> None:
    private, public = make_key(tmp_path, "signer", "ec")
    attested = cli(
        "attest", "dist/app-1.0.tar.gz", "--key", str(private), "--bom", cwd=ai_release.path
    )
    assert attested.code == 0, attested.err
    dist = ai_release.path / "dist"
    bom_file = dist / "app-1.0.tar.gz.cdx.intoto.jsonl"
    assert attested.out.split() == [str(dist / "app-1.0.tar.gz.intoto.jsonl"), str(bom_file)]
    envelope = json.loads(bom_file.read_text())
    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert statement["predicateType"] == "https://cyclonedx.org/bom"
    assert statement["subject"][0]["name"] == "app-1.0.tar.gz"
    assert validate_cyclonedx(statement["predicate"]) == []

    artifact = str(dist / "app-1.0.tar.gz")
    ok = cli("verify-attestation", artifact, "--key", str(public), cwd=ai_release.path)
    assert ok.code == 0, ok.out + ok.err
    assert "model files match the BOM" in ok.err

    # A model file changes after the release: its hash no longer matches the BOM.
    weights = ai_release.path / "models/tiny/model.safetensors"
    weights.write_text("weights-v2")
    changed = cli("verify-attestation", artifact, "--key", str(public), cwd=ai_release.path)
    assert changed.code == 1
    assert "models/tiny/model.safetensors: sha256 is" in changed.out
    weights.write_text("weights-v1")

    # One model hash flipped inside the signed BOM: the signature no longer verifies.
    payload = base64.b64decode(envelope["payload"])
    digest = hashlib.sha256(b"weights-v1").hexdigest()
    flipped = digest[:-1] + ("0" if digest[-1] != "0" else "1")
    envelope["payload"] = base64.b64encode(
        payload.replace(digest.encode(), flipped.encode())
    ).decode()
    bom_file.write_text(json.dumps(envelope) + "\n")
    tampered = cli("verify-attestation", artifact, "--key", str(public), cwd=ai_release.path)
    assert tampered.code == 1
    assert "BOM attestation" in tampered.out

    # A model folder that is not there cannot be checked: not verified, never a pass.
    elsewhere = cli(
        "verify-attestation",
        artifact,
        "--key",
        str(public),
        "--bom-bundle",
        str(bom_file),
        "--model-root",
        str(tmp_path),
    )
    assert elsewhere.code == 1


def test_vcs_url_and_registry_purls(git_repo: GitRepo, cli: Any, tmp_path: Path) -> None:
    commit = "0123456789abcdef0123456789abcdef01234567"
    git_repo.write(
        "requirements.txt",
        f"peft @ git+https://user:token@github.com/huggingface/peft.git@{commit}\n"
        "transformers @ git+https://github.com/huggingface/transformers.git@main\n"
        "flash-attn @ https://example.org/wheels/flash_attn-2.8.3+cu128-cp312-cp312-linux_x86_64.whl"
        f" --hash={TORCH_HASH}\n"
        "gradio @ https://example.org/wheels/gradio-4.37.2-py3-none-any.whl\n",
    )
    git_repo.write("Dockerfile", "FROM nvcr.io/nvidia/pytorch:26.01-py3\n")
    git_repo.commit_all("deps")
    document = _bom(cli, git_repo.path, tmp_path)
    assert validate_cyclonedx(document) == []
    libraries = {c["name"]: c for c in document["components"] if c["type"] == "library"}

    def pinned(component: dict[str, Any]) -> str:
        return next(p["value"] for p in component["properties"] if p["name"] == "chainward:pinned")

    peft = libraries["peft"]
    assert peft["version"] == commit
    assert peft["purl"].startswith(f"pkg:pypi/peft@{commit}?vcs_url=")
    assert "token" not in json.dumps(document)  # credentials never reach the BOM
    assert pinned(peft) == "true"
    assert pinned(libraries["transformers"]) == "false"  # a branch
    assert libraries["flash-attn"]["version"] == "2.8.3+cu128"
    assert "download_url=" in libraries["flash-attn"]["purl"]
    assert pinned(libraries["flash-attn"]) == "true"  # a hash pins the URL's content
    assert pinned(libraries["gradio"]) == "false"  # no hash: the URL can change
    image = next(c for c in document["components"] if c["type"] == "container")
    assert image["purl"] == "pkg:docker/nvidia/pytorch@26.01-py3?repository_url=nvcr.io"


def test_code_downloads_are_listed_with_their_scope(
    ai_release: GitRepo, cli: Any, tmp_path: Path
) -> None:
    sha = "3" * 40
    ai_release.write(
        "app/serve.py",
        "from transformers import AutoModel\nfrom datasets import load_dataset\n"
        f'model = AutoModel.from_pretrained("acme-ai/reranker", revision="{sha}")\n'
        'data = load_dataset("stanfordnlp/imdb", revision="main")\n'
        'again = AutoModel.from_pretrained("acme-ai/tiny-sentiment")\n'
        "hub = __import__('torch').hub.load('pytorch/vision:v0.10.0', 'resnet18')\n",
    )
    ai_release.write(
        "tests/test_model.py",
        "from transformers import AutoModel\n"
        'AutoModel.from_pretrained("hf-internal-testing/tiny-random-bert")\n',
    )
    ai_release.write(
        "examples/demo.py",
        'import transformers\ntransformers.pipeline("text-generation", model="gpt2")\n',
    )
    ai_release.commit_all("code")
    document = _bom(cli, ai_release.path, tmp_path)
    assert validate_cyclonedx(document) == []
    refs = _by_ref(document)
    reranker = refs[f"hub-model:acme-ai/reranker@{sha}"]
    assert reranker["purl"] == f"pkg:huggingface/acme-ai/reranker@{sha}"
    assert "scope" not in reranker  # required: the application's own code
    assert refs["hub-model:hf-internal-testing/tiny-random-bert@unpinned"]["scope"] == "excluded"
    assert refs["hub-model:gpt2@unpinned"]["scope"] == "optional"
    # The locked model is not listed twice because the code downloads it too.
    assert not [r for r in refs if r.startswith("hub-model:acme-ai/tiny-sentiment")]
    imdb = refs["dataset:stanfordnlp/imdb@main"]
    props = {p["name"]: p["value"] for p in imdb["properties"]}
    assert props["chainward:pinned"] == "false"
    assert props["chainward:downloaded-in"] == "app/serve.py:4"
    graph = {d["ref"]: set(d.get("dependsOn", [])) for d in document["dependencies"]}
    assert f"hub-model:acme-ai/reranker@{sha}" in graph["project"]
