# ruff: noqa
# fmt: off
"""Row: modelscope MsDataset.load

A real-code-shaped fixture (typical calls from public examples)."""
from modelscope.msdatasets import MsDataset

ds = MsDataset.load("modelscope/chinese-poetry-collection", split="train")  # expect: unpinned-model-download
pinned = MsDataset.load("modelscope/chinese-poetry-collection", version="0123456789abcdef0123456789abcdef01234567")
