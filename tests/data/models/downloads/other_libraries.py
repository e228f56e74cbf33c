# ruff: noqa
# fmt: off
"""sentence-transformers, diffusers, peft, timm, open_clip, torch.hub (Bandit knows none)."""

import open_clip
import timm
import torch
from diffusers import DiffusionPipeline, StableDiffusionPipeline
from peft import AutoPeftModelForCausalLM, PeftModel
from sentence_transformers import CrossEncoder, SentenceTransformer
from sentence_transformers import SentenceTransformer as ST

SHA = "0123456789abcdef0123456789abcdef01234567"
base = None

SentenceTransformer("all-MiniLM-L6-v2")  # expect: unpinned-model-download
SentenceTransformer("org/st", revision=SHA)
ST("org/st-alias", revision="main")  # expect: unpinned-model-download
SentenceTransformer("org/st-pos", None, None, None, None, None, None, False, SHA)
SentenceTransformer("org/st-pos-branch", None, None, None, None, None, None, False, "v1")  # expect: unpinned-model-download
SentenceTransformer("./local-st")
CrossEncoder("cross-encoder/ms-marco-MiniLM-L-6-v2")  # expect: unpinned-model-download
DiffusionPipeline.from_pretrained("org/diffusion")  # expect: unpinned-model-download
StableDiffusionPipeline.from_pretrained("org/sd", revision=SHA)
PeftModel.from_pretrained(base, "org/adapter")  # expect: unpinned-model-download
PeftModel.from_pretrained(base, "org/adapter-pinned", revision=SHA)
PeftModel.from_pretrained(base, model_id="org/adapter-kw")  # expect: unpinned-model-download
AutoPeftModelForCausalLM.from_pretrained("org/auto-peft")  # expect: unpinned-model-download
timm.create_model("hf-hub:timm/vit_base_patch16_224.augreg_in21k")  # expect: unpinned-model-download
timm.create_model("hf-hub:timm/vit_small@" + SHA)
timm.create_model("hf-hub:timm/vit_tiny@main")  # expect: unpinned-model-download
timm.create_model("resnet50", pretrained=True)  # expect: unpinned-model-download
timm.create_model("resnet18", True)  # expect: unpinned-model-download
timm.create_model("resnet34")
timm.create_model("resnet50", pretrained=True, pretrained_cfg_overlay=dict(file="weights/r50.safetensors"))
open_clip.create_model_and_transforms("ViT-B-32", pretrained="laion2b_s34b_b79k")  # expect: unpinned-model-download
open_clip.create_model_and_transforms("hf-hub:laion/CLIP-ViT-B-32-laion2B-s34B-b79K")  # expect: unpinned-model-download
open_clip.create_model("ViT-B-32", pretrained="weights/open_clip.bin")
open_clip.create_model("ViT-B-32")
torch.hub.load("pytorch/vision", "resnet18")  # expect: unpinned-model-download
torch.hub.load("pytorch/vision:v0.10.0", "resnet18", pretrained=True)  # expect: unpinned-model-download
torch.hub.load("pytorch/vision:" + SHA, "resnet18")
torch.hub.load("./hubconf_dir", "model", source="local")
torch.hub.load(repo_or_dir="facebookresearch/dino:main", model="dino_vits16")  # expect: unpinned-model-download
