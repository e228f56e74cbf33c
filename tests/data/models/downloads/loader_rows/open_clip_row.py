# ruff: noqa
# fmt: off
"""Row: open_clip

A real-code-shaped fixture (typical calls from public examples)."""
import open_clip

model, _, preprocess = open_clip.create_model_and_transforms("ViT-H-14", device="cpu", pretrained="laion2b_s32b_b79k")  # expect: unpinned-model-download
hub, _ = open_clip.create_model_from_pretrained("hf-hub:laion/CLIP-ViT-g-14-laion2B-s12B-b42K")  # expect: unpinned-model-download
local = open_clip.create_model("ViT-B-32", pretrained="weights/open_clip.bin")
