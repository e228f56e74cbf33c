# ruff: noqa
# fmt: off
"""Row: timm.create_model

A real-code-shaped fixture (typical calls from public examples)."""
import timm

vit = timm.create_model("hf-hub:timm/vit_base_patch16_224.augreg2_in21k_ft_in1k", pretrained=True)  # expect: unpinned-model-download
pinned = timm.create_model("hf-hub:timm/resnet50.a1_in1k@0123456789abcdef0123456789abcdef01234567")
resnet = timm.create_model("resnet50", pretrained=True)  # expect: unpinned-model-download
scratch = timm.create_model("resnet50", pretrained=False)
