# ruff: noqa
# fmt: off
"""Row: datasets.load_dataset_builder

A real-code-shaped fixture (typical calls from public examples)."""
from datasets import load_dataset_builder

builder = load_dataset_builder("rotten_tomatoes")  # expect: unpinned-model-download
pinned = load_dataset_builder("cornell-movie-review-data/rotten_tomatoes", revision="0123456789abcdef0123456789abcdef01234567")
