# ruff: noqa
# fmt: off
"""Row: modelscope

A real-code-shaped fixture (typical calls from public examples)."""
from modelscope import AutoModelForCausalLM, snapshot_download

model_dir = snapshot_download("qwen/Qwen-7B-Chat")  # expect: unpinned-model-download
pinned_dir = snapshot_download("qwen/Qwen-7B-Chat", revision="0123456789abcdef0123456789abcdef01234567")
model = AutoModelForCausalLM.from_pretrained("qwen/Qwen-7B-Chat", revision="v1.1.0")  # expect: unpinned-model-download
