# ruff: noqa
# fmt: off
"""Row: URL fetches of hub files (requests, urllib, torch.hub, wget)

A real-code-shaped fixture: hub file URLs fetched with generic HTTP clients (the
revision is the path segment after resolve/), and fetches of other URLs (not hub
downloads)."""
import urllib.request

import requests
import torch
from huggingface_hub import hf_hub_url

CKPT = "https://huggingface.co/lllyasviel/Annotators/resolve/main/body_pose_model.pth"
state = torch.hub.load_state_dict_from_url(CKPT, map_location="cpu")  # expect: unpinned-model-download
urllib.request.urlretrieve("https://huggingface.co/datasets/org/data/resolve/v1.0/train.jsonl", "train.jsonl")  # expect: unpinned-model-download
url = hf_hub_url("org/model", "config.json")
config = requests.get(url, timeout=10).json()  # expect: unpinned-model-download
pinned = hf_hub_url("org/model", "config.json", revision="0123456789abcdef0123456789abcdef01234567")
requests.get(pinned, timeout=10)
requests.get("https://huggingface.co/org/x/resolve/0123456789abcdef0123456789abcdef01234567/f.bin", timeout=10)
requests.get("https://api.github.com/repos/org/x", timeout=10)
requests.get(url_from_elsewhere, timeout=10)
