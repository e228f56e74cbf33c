# ruff: noqa
# fmt: off
"""Row: huggingface_hub downloads

A real-code-shaped fixture (typical calls from public examples)."""
from huggingface_hub import HfApi, hf_hub_download, snapshot_download

ckpt = hf_hub_download(repo_id="stabilityai/sv3d", filename="sv3d_u.safetensors", local_dir="checkpoints")  # expect: unpinned-model-download
folder = snapshot_download("openai/whisper-large-v3", revision="0123456789abcdef0123456789abcdef01234567")
data = snapshot_download(repo_id="HuggingFaceH4/ultrachat_200k", repo_type="dataset")  # expect: unpinned-model-download
api = HfApi()
api.hf_hub_download("tau/scrolls", "metrics/scrolls.py", repo_type="dataset", revision="refs/pr/5")  # expect: unpinned-model-download
cached = hf_hub_download("org/model", "config.json", local_files_only=True)
