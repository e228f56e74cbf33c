# ruff: noqa
# fmt: off
"""Row: vllm.LLM

A real-code-shaped fixture (typical calls from public examples)."""
from vllm import LLM

llm = LLM(model="Qwen/Qwen2.5-0.5B-Instruct", tensor_parallel_size=1)  # expect: unpinned-model-download
pinned = LLM(model="facebook/opt-125m", revision="0123456789abcdef0123456789abcdef01234567")
