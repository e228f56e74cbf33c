# ruff: noqa
# fmt: off
"""huggingface_hub: hf_hub_download, snapshot_download, HfApi methods, aliases."""

import huggingface_hub
from huggingface_hub import HfApi, snapshot_download
from huggingface_hub import hf_hub_download as dl

SHA = "fedcba9876543210fedcba9876543210fedcba98"

dl("org/alias", "model.safetensors")  # expect: unpinned-model-download
dl(repo_id="org/alias-kw", filename="config.json", revision=SHA)
huggingface_hub.hf_hub_download(repo_id="org/mod", filename="f.bin")  # expect: unpinned-model-download
huggingface_hub.hf_hub_download(repo_id="org/mod", filename="f.bin", revision="v2.0.0")  # expect: unpinned-model-download
snapshot_download("org/snap")  # expect: unpinned-model-download
snapshot_download("org/snap-pr", revision="refs/pr/1")  # expect: unpinned-model-download
snapshot_download("org/snap-full", revision=SHA)
snapshot_download("org/ds", repo_type="dataset")  # expect: unpinned-model-download
api = HfApi()
api.snapshot_download(repo_id="org/api-snap")  # expect: unpinned-model-download
api.hf_hub_download("org/api-file", "weights.bin", revision="main")  # expect: unpinned-model-download
HfApi().hf_hub_download("org/inline-api", "w.bin", revision=SHA)
huggingface_hub.from_pretrained_keras("org/keras")  # expect: unpinned-model-download bandit-misses
