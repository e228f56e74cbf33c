#!/usr/bin/env bash
# Shapes from public repositories' setup scripts (written for this test).
set -euo pipefail

git clone https://huggingface.co/stabilityai/stable-diffusion-2-1  # expect: unpinned-model-download
git clone https://huggingface.co/openai/whisper-tiny weights/whisper
git -C weights/whisper checkout 0123456789abcdef0123456789abcdef01234567
git lfs clone https://huggingface.co/datasets/tatsu-lab/alpaca data/alpaca  # expect: unpinned-model-download
git clone --branch v1.0 https://hf.co/org/tagged-model  # expect: unpinned-model-download
git clone https://huggingface.co/Helsinki-NLP/$model_name
git clone https://github.com/huggingface/transformers.git
huggingface-cli download TheBloke/Llama-2-7B-GGUF llama-2-7b.Q4_K_M.gguf --local-dir models  # expect: unpinned-model-download
huggingface-cli download --repo-type dataset HuggingFaceH4/ultrachat_200k --revision main  # expect: unpinned-model-download
hf download meta-llama/Llama-3.2-1B --revision 0123456789abcdef0123456789abcdef01234567 --local-dir models/llama
HF_HUB_ENABLE_HF_TRANSFER=1 hf download Qwen/Qwen2.5-0.5B-Instruct  # expect: unpinned-model-download
wget -q https://huggingface.co/TheBloke/Mistral-7B-v0.1-GGUF/resolve/main/mistral-7b-v0.1.Q4_K_M.gguf -O model.gguf  # expect: unpinned-model-download
curl -L -o vocab.json \
  https://huggingface.co/openai-community/gpt2/resolve/0123456789abcdef0123456789abcdef01234567/vocab.json
curl -L -o tok.json https://huggingface.co/bert-base-uncased/raw/main/tokenizer.json  # expect: unpinned-model-download
modelscope download --model qwen/Qwen2.5-7B-Instruct --local_dir ./qwen  # expect: unpinned-model-download
git remote add space https://huggingface.co/spaces/org/demo
echo "see https://huggingface.co/docs for details"
