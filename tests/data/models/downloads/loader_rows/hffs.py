# ruff: noqa
# fmt: off
"""Row: huggingface_hub HfFileSystem

A real-code-shaped fixture (typical calls from public examples)."""
from huggingface_hub import HfFileSystem

fs = HfFileSystem()
with fs.open("datasets/HuggingFaceFW/fineweb/sample/10BT/000_00000.parquet", "rb") as f:  # expect: unpinned-model-download
    pass
text = fs.read_text("gpt2@0123456789abcdef0123456789abcdef01234567/config.json")
weights = fs.read_bytes("openai-community/gpt2/model.safetensors")  # expect: unpinned-model-download
