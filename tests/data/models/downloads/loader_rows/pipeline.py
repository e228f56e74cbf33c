# ruff: noqa
# fmt: off
"""Row: transformers.pipeline

A real-code-shaped fixture (typical calls from public examples)."""
from transformers import pipeline
from transformers.pipelines import pipeline as make_pipeline

classifier = pipeline("sentiment-analysis", model="distilbert-base-uncased-finetuned-sst-2-english")  # expect: unpinned-model-download
asr = make_pipeline("automatic-speech-recognition", "openai/whisper-tiny", revision="0123456789abcdef0123456789abcdef01234567")
table = make_pipeline("table-question-answering", model="google/tapas-base-finetuned-wtq")  # expect: unpinned-model-download
default = pipeline("summarization")
