# ruff: noqa
# fmt: off
"""Row: evaluate.load

A real-code-shaped fixture (typical calls from public examples)."""
import evaluate
from evaluate import load

rouge = evaluate.load("rouge")  # expect: unpinned-model-download
judge = load("AIML-TUDA/VerifiableRewardsForScalableLogicalReasoning")  # expect: unpinned-model-download
bleu = evaluate.load("bleu", revision="0123456789abcdef0123456789abcdef01234567")
local = evaluate.load("./metrics/my_metric.py")
