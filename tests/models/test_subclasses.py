"""Subclass awareness across the repository: a project class deriving (directly or
through other project classes) from a hub class downloads with from_pretrained."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chainward.cli import main
from chainward.core.pyflow.parse import parse_source
from chainward.inventory.model_refs import analyse, collect
from chainward.inventory.model_refs.python import analyse_file, find_calls, scan_source_full
from tests.conftest import GitRepo

MODELING = """\
from torch import nn
from transformers import PreTrainedModel, PretrainedConfig


class TinyConfig(PretrainedConfig):
    model_type = "tiny"


class TinyPreTrainedModel(PreTrainedModel):
    config_class = TinyConfig


class TinyForCausalLM(TinyPreTrainedModel):
    pass


class Scorer(nn.Module):
    @classmethod
    def from_pretrained(cls, path):
        return cls()
"""

TRAIN = """\
from dataclasses import dataclass

from transformers import HfArgumentParser

from .modeling import Scorer, TinyForCausalLM


@dataclass
class ModelArguments:
    model_name_or_path: str = "org/tiny-base"


def main():
    (args,) = HfArgumentParser(ModelArguments).parse_args_into_dataclasses()
    model = TinyForCausalLM.from_pretrained(args.model_name_or_path)
    scorer = Scorer.from_pretrained("org/not-a-hub-class")
    return model, scorer
"""


def _lines(root: Path, *paths: str) -> set[tuple[str, int]]:
    out = root / "out.json"
    argv = ["check", "--offline", "--exit-zero", "--select", "unpinned-model-download"]
    targets = [str(root / p) for p in paths] or [str(root)]
    main([*argv, "--format", "json", "--output", str(out), *targets])
    return {(f["path"], f["line"]) for f in json.loads(out.read_text())["findings"]}


def test_a_subclass_defined_in_another_file_is_a_hub_loader(git_repo: GitRepo) -> None:
    git_repo.write("pkg/modeling.py", MODELING)
    git_repo.write("pkg/train.py", TRAIN)
    git_repo.write("pkg/__init__.py", "")
    git_repo.commit_all()
    assert _lines(git_repo.path) == {("pkg/train.py", 15)}


def test_pre_commit_file_lists_still_see_the_whole_hierarchy(git_repo: GitRepo) -> None:
    git_repo.write("pkg/modeling.py", MODELING)
    git_repo.write("pkg/train.py", TRAIN)
    git_repo.commit_all()
    # Only train.py is staged/changed: the classes come from the rest of the repository.
    (git_repo.path / "out.json").unlink(missing_ok=True)
    assert {line for _, line in _lines(git_repo.path, "pkg/train.py")} == {15}


def test_a_class_outside_the_hierarchy_is_not_a_loader(git_repo: GitRepo) -> None:
    git_repo.write(
        "pkg/train.py", TRAIN.replace("TinyForCausalLM.from_pretrained", "Scorer.from_pretrained")
    )
    git_repo.commit_all()
    assert _lines(git_repo.path) == set()


def test_forked_analysis_finds_the_same_calls_as_the_serial_one(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Large repositories are analysed in forked workers before the hierarchy is known:
    # calls on project classes are kept only once their class proves to be a hub class.
    git_repo.write("pkg/modeling.py", MODELING)
    git_repo.write("pkg/train.py", TRAIN)
    git_repo.write(
        "pkg/revision.py",
        "from .modeling import Scorer\n\nScorer.from_pretrained('org/x', revision='main')\n",
    )
    git_repo.write(
        "pkg/broken.py", "from transformers import AutoModel\nAutoModel.from_pretrained(\n"
    )
    git_repo.commit_all()
    serial = _lines(git_repo.path)
    monkeypatch.setattr(analyse, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(analyse, "workers", lambda: 2)
    parallel = _lines(git_repo.path)
    # broken.py:2 is its unparsable-file note, reported by both paths.
    expected = {("pkg/train.py", 15), ("pkg/revision.py", 3), ("pkg/broken.py", 2)}
    assert parallel == serial == expected


def test_assumed_calls_settle_on_the_hierarchy() -> None:
    found = scan_source_full("a.py", TRAIN)  # no hierarchy known: no subclass call
    assert found.calls == []
    values = analyse_file(parse_source("a.py", TRAIN))
    assumed = find_calls("a.py", values, assume_subclasses=True)
    assert sorted(assumed.conditions.values()) == ["Scorer", "TinyForCausalLM"]
    settled = assumed.settle(frozenset({"TinyForCausalLM"}))
    assert [(c.line, c.repo_id) for c in settled.calls] == [(15, "org/tiny-base")]
    assert assumed.settle(frozenset()).calls == []


def _all_findings(root: Path) -> list[tuple[str, str, int]]:
    out = root / "out.json"
    main(["check", "--offline", "--exit-zero", "--format", "json", "--output", str(out), str(root)])
    found = json.loads(out.read_text())["findings"]
    return sorted((f["check_id"], f["path"], f["line"]) for f in found)


def test_workers_started_early_give_the_whole_scan_the_serial_result(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On a large repository the models family starts the workers first and checks load
    # calls and model files meanwhile: every finding is the same as in a serial scan,
    # and the other families that read the references (typosquats) get them too.
    git_repo.write("pkg/modeling.py", MODELING)
    git_repo.write("pkg/train.py", TRAIN)
    git_repo.write(
        "pkg/load.py",
        "import torch\nfrom transformers import AutoModel\n\n"
        "def restore(path):\n    return torch.load(path)\n\n"
        "m = AutoModel.from_pretrained('huggingface/bert-base-uncasd')\n",
    )
    git_repo.commit_all()
    serial = _all_findings(git_repo.path)
    monkeypatch.setattr(analyse, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(analyse, "workers", lambda: 2)
    started: list[bool] = []
    real_start = collect.start_model_refs

    def spy(ctx: object) -> bool:
        started.append(real_start(ctx))  # type: ignore[arg-type]
        return started[-1]

    monkeypatch.setattr(collect, "start_model_refs", spy)
    parallel = _all_findings(git_repo.path)
    assert started == [True]
    assert parallel == serial
    ids = {check for check, _, _ in serial}
    assert {"unpinned-model-download", "unsafe-model-load"} <= ids
