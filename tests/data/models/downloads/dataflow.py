# ruff: noqa
# fmt: off
"""Intra-file data flow: the classes of missed downloads from issue 16, in real-code shapes."""

import argparse
import os
from dataclasses import dataclass, field

import evaluate
from transformers import AutoModelForCausalLM, AutoTokenizer, HfArgumentParser

SHA = "0123456789abcdef0123456789abcdef01234567"
MODELS = {"small": "EleutherAI/pythia-70m", "large": "EleutherAI/pythia-1.4b"}
TASKS = ["org/task-a", "org/task-b"]


def load(name, revision=None):
    # A parameter: its values come from this file's call sites.
    return AutoModelForCausalLM.from_pretrained(name, revision=revision)  # expect: unpinned-model-download


def load_pinned(name):
    return AutoTokenizer.from_pretrained(name, revision=SHA)


def load_local(path):
    return AutoModelForCausalLM.from_pretrained(path)  # bandit-wrong: only called with a local path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="EleutherAI/pythia-160m")
    parser.add_argument("--size", choices=sorted(MODELS), default="small")
    args = parser.parse_args()
    load(args.model)
    load_pinned(args.model)
    load_local("./checkpoints/final")
    AutoModelForCausalLM.from_pretrained(MODELS[args.size])  # expect: unpinned-model-download
    AutoModelForCausalLM.from_pretrained(MODELS["large"], revision=SHA)
    for task in TASKS:
        AutoTokenizer.from_pretrained(task)  # expect: unpinned-model-download
    AutoTokenizer.from_pretrained(os.environ.get("TOKENIZER"))  # bandit-wrong: no default, unknown


@dataclass
class ModelArguments:
    model_name_or_path: str = "meta-llama/Llama-2-7b-hf"
    model_revision: str = field(default="main")


class HFLM:
    def __init__(self, pretrained="gpt2", revision: str = "main"):
        revision = str(revision)  # reads the parameter
        self._create_model(pretrained, revision=revision)

    def _create_model(self, pretrained, revision="main"):
        self.model = AutoModelForCausalLM.from_pretrained(pretrained, revision=revision)  # expect: unpinned-model-download


def train():
    (model_args,) = HfArgumentParser((ModelArguments,)).parse_args_into_dataclasses()
    AutoModelForCausalLM.from_pretrained(  # expect: unpinned-model-download
        model_args.model_name_or_path, revision=model_args.model_revision
    )
    output_dir = "lora-out"
    model = AutoModelForCausalLM.from_pretrained("facebook/opt-125m", revision=SHA)
    model.save_pretrained(output_dir)
    AutoModelForCausalLM.from_pretrained(output_dir)  # bandit-wrong: the folder this file saves into
    metric = evaluate.load("accuracy")  # expect: unpinned-model-download bandit-misses
