# ruff: noqa
# fmt: off
"""Row: sentence_transformers CrossEncoder / SparseEncoder

A real-code-shaped fixture (typical calls from public examples)."""
from sentence_transformers import CrossEncoder, SparseEncoder

reranker = CrossEncoder("cross-encoder/ms-marco-MiniLM-L-6-v2")  # expect: unpinned-model-download
sparse = SparseEncoder("naver/splade-cocondenser-ensembledistil", revision="0123456789abcdef0123456789abcdef01234567")
