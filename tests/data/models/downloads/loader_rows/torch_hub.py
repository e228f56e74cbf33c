# ruff: noqa
# fmt: off
"""Row: torch.hub

A real-code-shaped fixture (typical calls from public examples)."""
import torch

silero = torch.hub.load(repo_or_dir="snakers4/silero-models", model="silero_tts", language="en")  # expect: unpinned-model-download
dino = torch.hub.load("facebookresearch/dinov2:0123456789abcdef0123456789abcdef01234567", "dinov2_vits14")
local = torch.hub.load("./hubconf_dir", "model", source="local")
