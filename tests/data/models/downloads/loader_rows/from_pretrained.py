# ruff: noqa
# fmt: off
"""Row: from_pretrained (transformers, diffusers, peft, optimum, setfit, tokenizers, ...)

A real-code-shaped fixture (typical calls from public examples)."""
import transformers
from diffusers import StableDiffusionXLPipeline
from optimum.onnxruntime import ORTModelForSequenceClassification
from setfit import SetFitModel
from tokenizers import Tokenizer
from transformer_lens import HookedTransformer

tok = transformers.AutoTokenizer.from_pretrained("bert-base-uncased")  # expect: unpinned-model-download
pipe = StableDiffusionXLPipeline.from_pretrained("stabilityai/stable-diffusion-xl-base-1.0", revision="fp16")  # expect: unpinned-model-download
ort = ORTModelForSequenceClassification.from_pretrained("optimum/distilbert-base-uncased-finetuned-sst-2-english")  # expect: unpinned-model-download
setfit = SetFitModel.from_pretrained("sentence-transformers/paraphrase-mpnet-base-v2", revision="0123456789abcdef0123456789abcdef01234567")
raw = Tokenizer.from_pretrained("bert-base-cased")  # expect: unpinned-model-download
lens = HookedTransformer.from_pretrained("pythia-70m")  # expect: unpinned-model-download
local = transformers.AutoModel.from_pretrained("./checkpoints/final")
