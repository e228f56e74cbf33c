# ruff: noqa
# fmt: off
"""Row: datasets.load_metric

A real-code-shaped fixture (typical calls from public examples)."""
from datasets import load_metric

metric = load_metric("squad_v2" if version_2_with_negative else "squad")  # expect: unpinned-model-download
glue = load_metric("glue", "mrpc", revision="0123456789abcdef0123456789abcdef01234567")
