"""Subclass awareness across the repository: a project class deriving (directly or
through other project classes) from a hub class downloads with from_pretrained."""

from __future__ import annotations

import json
from pathlib import Path

from chainward.cli import main
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
