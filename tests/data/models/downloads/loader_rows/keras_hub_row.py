# ruff: noqa
# fmt: off
"""Row: keras_hub / keras_nlp from_preset

A real-code-shaped fixture (typical calls from public examples)."""
import keras_hub

model = keras_hub.models.Gemma3CausalLM.from_preset("hf://google/gemma-3-1b-it")  # expect: unpinned-model-download
kaggle = keras_hub.models.GemmaCausalLM.from_preset("gemma_2b_en")
