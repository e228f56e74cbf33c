# ruff: noqa
# fmt: off
"""Row: sentence_transformers.SentenceTransformer

A real-code-shaped fixture (typical calls from public examples)."""
import sentence_transformers
from sentence_transformers import SentenceTransformer

model = SentenceTransformer("all-mpnet-base-v2")  # expect: unpinned-model-download
other = sentence_transformers.SentenceTransformer("BAAI/bge-small-en-v1.5", revision="0123456789abcdef0123456789abcdef01234567")
empty = SentenceTransformer()
