# ruff: noqa
# fmt: off
"""Row: peft PeftModel.from_pretrained

A real-code-shaped fixture (typical calls from public examples)."""
from peft import PeftModel, PeftMixedModel
from transformers import AutoModelForCausalLM

base = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf", revision="0123456789abcdef0123456789abcdef01234567")
model = PeftModel.from_pretrained(base, "timdettmers/guanaco-7b")  # expect: unpinned-model-download
model = PeftModel.from_pretrained(base, "timdettmers/guanaco-7b", revision="0123456789abcdef0123456789abcdef01234567")
mixed = PeftMixedModel.from_pretrained(base, model_id="org/mixed-adapter")  # expect: unpinned-model-download
