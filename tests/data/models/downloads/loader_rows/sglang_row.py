# ruff: noqa
# fmt: off
"""Row: sglang get_tokenizer / get_config / Engine

A real-code-shaped fixture (typical calls from public examples)."""
import sglang as sgl
from sglang.srt.hf_transformers_utils import get_config, get_tokenizer

tokenizer = get_tokenizer("meta-llama/Llama-3.1-8B-Instruct")  # expect: unpinned-model-download
config = get_config("meta-llama/Llama-3.1-8B-Instruct", trust_remote_code=False, revision="0123456789abcdef0123456789abcdef01234567")
engine = sgl.Engine(model_path="Qwen/Qwen2.5-0.5B-Instruct")  # expect: unpinned-model-download
