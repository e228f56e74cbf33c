# ruff: noqa
# fmt: off
"""Row: llama_cpp Llama.from_pretrained

A real-code-shaped fixture (typical calls from public examples)."""
from llama_cpp import Llama

llm = Llama.from_pretrained(repo_id="Qwen/Qwen2-0.5B-Instruct-GGUF", filename="*q8_0.gguf")  # expect: unpinned-model-download
