# ruff: noqa
# fmt: off
"""Row: diffusers from_single_file

A real-code-shaped fixture: a single checkpoint file named by its hub URL (the branch in
the URL moves), by a commit URL (pinned), or by a local path (nothing is fetched)."""
import os

import torch
from diffusers import StableDiffusionPipeline, StableDiffusionXLPipeline

url = "https://huggingface.co/stabilityai/stable-diffusion-xl-base-1.0/blob/main/sd_xl_base_1.0.safetensors"
pipe = StableDiffusionXLPipeline.from_single_file(url, torch_dtype=torch.float16)  # expect: unpinned-model-download
pinned = StableDiffusionPipeline.from_single_file(
    "https://huggingface.co/org/sd/resolve/0123456789abcdef0123456789abcdef01234567/v1-5.safetensors"
)
local = StableDiffusionPipeline.from_single_file(os.path.join("models", "v1-5.ckpt"))
local2 = StableDiffusionPipeline.from_single_file("./v1-5-pruned.safetensors")
