# ruff: noqa
# fmt: off
"""Row: mlx_lm.load

A real-code-shaped fixture (typical calls from public examples)."""
from mlx_lm import load

model, tokenizer = load("mlx-community/Mistral-7B-Instruct-v0.3-4bit")  # expect: unpinned-model-download
pinned, _ = load("mlx-community/Llama-3.2-1B-Instruct-4bit", revision="0123456789abcdef0123456789abcdef01234567")
