# ruff: noqa
# fmt: off
"""Row: load_adapter (peft, transformers)

A real-code-shaped fixture (typical calls from public examples).
that import peft or transformers)."""
from peft import PeftModel
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained("facebook/opt-350m", revision="0123456789abcdef0123456789abcdef01234567")
model.load_adapter("ybelkada/opt-350m-lora", adapter_name="lora")  # expect: unpinned-model-download
model.load_adapter("ybelkada/opt-350m-lora", adapter_name="pinned", revision="0123456789abcdef0123456789abcdef01234567")
model.load_adapter("./outputs/adapter")
