"""``chainward pin --models``: revision="<40-hex>" written into the calls and the lock,
against recorded hub responses served over real HTTP (``HF_ENDPOINT``)."""

from __future__ import annotations

import ast
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from chainward.cli import main
from chainward.inventory.model_lock import parse_lock
from chainward.models.hubapi import HubClient
from tests.conftest import DATA

HUB = DATA / "models" / "hub"
BERT = "86b5e0934494bd15c9632b12f734a8a67f723594"
PYTHIA = "a39f36b100fe8a5377810d56c3f4789b9c53ac42"
IMDB_MAIN = "e6281661ce1c48d982bc483cf8a173c1bbeb5d31"

TRAIN = """\
from datasets import load_dataset
from transformers import AutoModelForCausalLM, AutoTokenizer

tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")
model = AutoModelForCausalLM.from_pretrained(
    "EleutherAI/pythia-70m",
    torch_dtype="auto",
)
data = load_dataset("stanfordnlp/imdb", split="train", revision="main")
local = AutoModelForCausalLM.from_pretrained("./checkpoints/final")
unknown = AutoModelForCausalLM.from_pretrained("org/not-on-the-hub")
"""


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        name = self.path.removeprefix("/api/").replace("/", "__") + ".json"
        target = HUB / name
        if not target.is_file():
            self.send_error(404)
            return
        body = target.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        return


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("HF_ENDPOINT", endpoint)
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()


def test_client_reads_the_sha_of_a_repository_and_of_a_revision(hub: str) -> None:
    client = HubClient()
    assert client.url("bert-base-uncased") == f"{hub}/api/models/bert-base-uncased"
    assert client.commit("bert-base-uncased") == (BERT, "")
    assert client.commit("stanfordnlp/imdb", "dataset", "main") == (IMDB_MAIN, "")
    sha, why = client.commit("org/not-on-the-hub")
    assert sha is None and "404" in why
    assert HubClient(offline=True).commit("bert-base-uncased")[0] is None


def _check(root: Path) -> set[int]:
    import json

    out = root / "out.json"
    main(["check", "--offline", "--exit-zero", "--format", "json", "--output", str(out), str(root)])
    data = json.loads(out.read_text())
    return {
        f["line"]
        for f in data["findings"]
        if f["check_id"] == "unpinned-model-download" and f["path"] == "train.py"
    }


def test_pin_models_writes_revisions_and_the_lock(
    hub: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "train.py").write_text(TRAIN)
    assert _check(tmp_path) == {4, 5, 9, 11}

    # Without --write: a diff, nothing changed.
    assert main(["pin", "--models", str(tmp_path)]) == 1  # one id is not on the hub
    out = capsys.readouterr()
    assert (
        f'+tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased", revision="{BERT}")'
        in out.out
    )
    assert "train.py:11: not pinned: the hub answered HTTP 404" in out.err
    assert (tmp_path / "train.py").read_text() == TRAIN

    assert main(["pin", "--models", "--write", str(tmp_path)]) == 1
    new = (tmp_path / "train.py").read_text()
    ast.parse(new)  # still Python
    assert f'AutoTokenizer.from_pretrained("bert-base-uncased", revision="{BERT}")' in new
    assert f'    torch_dtype="auto", revision="{PYTHIA}",\n)' in new
    assert f'split="train", revision="{IMDB_MAIN}")' in new
    assert 'from_pretrained("./checkpoints/final")\n' in new
    assert _check(tmp_path) == {11}  # only the id the hub does not know

    lock = parse_lock((tmp_path / "chainward.lock").read_text())
    entries = {m.name: (m.source, m.revision) for m in lock.models}
    assert entries == {
        "bert-base-uncased": ("hf://bert-base-uncased", BERT),
        "EleutherAI/pythia-70m": ("hf://EleutherAI/pythia-70m", PYTHIA),
        "stanfordnlp/imdb": ("hf://datasets/stanfordnlp/imdb", IMDB_MAIN),
    }
    # Idempotent: a second run changes nothing.
    main(["pin", "--models", "--write", str(tmp_path)])
    assert (tmp_path / "train.py").read_text() == new


def test_the_lock_revision_wins_over_the_hub(hub: str, tmp_path: Path) -> None:
    locked = "1" * 40
    (tmp_path / "chainward.lock").write_text(
        'version = 1\n\n[[model]]\nname = "bert"\nsource = "hf://bert-base-uncased"\n'
        f'revision = "{locked}"\n'
    )
    (tmp_path / "a.py").write_text(
        'from transformers import AutoModel\nAutoModel.from_pretrained("bert-base-uncased")\n'
    )
    assert main(["pin", "--models", "--write", str(tmp_path)]) == 0
    assert f'revision="{locked}"' in (tmp_path / "a.py").read_text()


def test_offline_pins_nothing_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "train.py").write_text(TRAIN)
    assert main(["pin", "--models", "--write", "--offline", str(tmp_path)]) == 1
    assert (tmp_path / "train.py").read_text() == TRAIN
    assert not (tmp_path / "chainward.lock").exists()
    assert "not pinned: offline" in capsys.readouterr().err


def test_variable_revisions_are_reported_not_rewritten(
    hub: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        "import sys\nfrom transformers import AutoModel\n"
        'REV = "main"\nAutoModel.from_pretrained("bert-base-uncased", revision=REV)\n'
    )
    (tmp_path / "a.py").write_text(text)
    assert main(["pin", "--models", "--write", str(tmp_path)]) == 1
    assert (tmp_path / "a.py").read_text() == text
    assert "revision comes from an expression" in capsys.readouterr().err


def test_online_check_names_the_current_commit_in_the_fix(hub: str, tmp_path: Path) -> None:
    import json

    (tmp_path / "a.py").write_text(
        'from transformers import AutoModel\nAutoModel.from_pretrained("bert-base-uncased")\n'
    )
    out = tmp_path / "out.json"
    argv = ["check", "--exit-zero", "--select", "unpinned-model-download", "--format", "json"]
    main([*argv, "--output", str(out), str(tmp_path)])
    (finding,) = json.loads(out.read_text())["findings"]
    assert BERT not in finding["fix"]  # not asked unless the policy says so
    (tmp_path / "chainward.toml").write_text("[models]\nonline-revisions = true\n")
    main([*argv, "--output", str(out), str(tmp_path)])
    (finding,) = json.loads(out.read_text())["findings"]
    assert f'revision="{BERT}"' in finding["fix"]
    main([*argv, "--offline", "--output", str(out), str(tmp_path)])
    (finding,) = json.loads(out.read_text())["findings"]
    assert BERT not in finding["fix"]  # --offline opens no socket
