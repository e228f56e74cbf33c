#!/usr/bin/env bash
set -euo pipefail
# install the serving stack
pip install -U "vllm==0.6.3" \
    xformers
curl -fsSL https://ollama.com/install.sh | sudo sh
