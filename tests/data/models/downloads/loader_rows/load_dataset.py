# ruff: noqa
# fmt: off
"""Row: datasets.load_dataset

A real-code-shaped fixture (typical calls from public examples)."""
import datasets
from datasets import load_dataset

train = load_dataset("timdettmers/openassistant-guanaco", split="train")  # expect: unpinned-model-download
glue = datasets.load_dataset("glue", "mrpc")  # expect: unpinned-model-download
pinned = load_dataset("openai/gsm8k", "main", revision="0123456789abcdef0123456789abcdef01234567")
local = load_dataset("json", data_files="data/train.jsonl")
