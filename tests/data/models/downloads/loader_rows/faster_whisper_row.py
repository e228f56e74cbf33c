# ruff: noqa
# fmt: off
"""Row: faster_whisper WhisperModel

A real-code-shaped fixture (typical calls from public examples)."""
from faster_whisper import WhisperModel

model = WhisperModel("large-v3", device="cuda", compute_type="float16")  # expect: unpinned-model-download
local = WhisperModel("/models/whisper-large-v3-ct2")
pinned = WhisperModel("small", revision="0123456789abcdef0123456789abcdef01234567")
