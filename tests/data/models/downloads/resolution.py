# ruff: noqa
# fmt: off
"""Values resolved from the same file: argparse, click, fire, typer, dataclasses, locals."""

import argparse
import os
from dataclasses import dataclass, field

import click
import fire
from transformers import AutoModel, AutoTokenizer

SHA = "0123456789abcdef0123456789abcdef01234567"

parser = argparse.ArgumentParser()
parser.add_argument("--model-name", default="org/argparse-model")
parser.add_argument("--revision", default="main")
parser.add_argument("--pinned-revision", default=SHA)
parser.add_argument("--output-dir")


@dataclass
class TrainConfig:
    base_model: str = "org/dataclass-model"
    tokenizer_name: str = field(default="org/dataclass-tok")
    tokenizer_revision: str = field(default=SHA)


def from_args() -> None:
    args = parser.parse_args()
    AutoModel.from_pretrained(args.model_name, revision=args.revision)  # expect: unpinned-model-download
    AutoModel.from_pretrained(args.model_name, revision=args.pinned_revision)
    AutoModel.from_pretrained(args.output_dir)  # bandit-wrong: no default, so unresolvable (often a local path)


def from_dataclass(cfg: TrainConfig) -> None:
    AutoModel.from_pretrained(cfg.base_model)  # expect: unpinned-model-download
    AutoTokenizer.from_pretrained(cfg.tokenizer_name, revision=cfg.tokenizer_revision)


@click.command()
@click.option("--model", default="org/click-model")
@click.option("--rev", default="v1.2")
def click_main(model: str, rev: str) -> None:
    AutoModel.from_pretrained(model, revision=rev)  # expect: unpinned-model-download


def fire_main(model: str = "org/fire-model", revision: str = SHA) -> None:
    AutoModel.from_pretrained(model, revision=revision)


def fire_branch(model: str = "org/fire-branch", revision: str = "main") -> None:
    AutoModel.from_pretrained(model, revision=revision)  # expect: unpinned-model-download


def locals_and_unknowns(path_from_caller: str) -> None:
    name = "org/local-variable"
    AutoModel.from_pretrained(name)  # expect: unpinned-model-download
    AutoModel.from_pretrained(path_from_caller)  # bandit-wrong: unresolvable, may be a local path
    AutoModel.from_pretrained(os.environ["MODEL"])  # bandit-wrong: unresolvable, may be a local path
    rev = os.environ.get("REV", "main")
    AutoModel.from_pretrained("org/env-revision", revision=rev)  # expect: unpinned-model-download
    AutoModel.from_pretrained(os.getenv("MODEL_ID", "org/env-default"))  # expect: unpinned-model-download
    env_rev = os.environ.get("REV")
    AutoModel.from_pretrained("org/env-no-default", revision=env_rev)


if __name__ == "__main__":
    fire.Fire(fire_main)
