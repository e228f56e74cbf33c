"""What a file or archive member is, from its bytes (never its suffix), and which names
say "this is a model file" (their content is scanned even when it does not open like a
pickle) or "this is text" (a protocol 0 pickle is not looked for in it)."""

from __future__ import annotations

import struct

PICKLE_MEMBER_SUFFIXES = (".pkl", ".pickle")
# Suffixes that say "this is a model file": their content is scanned even when it does
# not open like a pickle, and a broken one is reported.
MODEL_SUFFIXES = (
    ".bin",
    ".pt",
    ".pth",
    ".ckpt",
    ".pkl",
    ".pickle",
    ".joblib",
    ".npy",
    ".npz",
    ".model",
    ".pth.tar",
    ".dat",
    ".h5",
    ".hdf5",
    ".keras",
    ".onnx",
    ".gguf",
    ".safetensors",
    ".sav",
    ".mar",
    ".nemo",
)
# Suffixes of text and source files: a protocol 0 pickle in one is not looked for.
TEXT_SUFFIXES = (
    ".py",
    ".pyi",
    ".md",
    ".rst",
    ".txt",
    ".json",
    ".jsonl",
    ".yaml",
    ".yml",
    ".toml",
    ".cfg",
    ".ini",
    ".html",
    ".css",
    ".js",
    ".ts",
    ".sh",
    ".c",
    ".h",
    ".cc",
    ".cpp",
    ".cu",
    ".ipynb",
    ".csv",
    ".tsv",
    ".xml",
    ".svg",
    ".tex",
    ".bib",
    ".lock",
    ".in",
    ".j2",
    ".jinja",
    ".sql",
)


# Every opcode the unpickler runs first without error (it pushes, or is PROTO/FRAME/MARK):
# the protocol 4 and 5 ones too (LONG1, LONG4, BINUNICODE8, BINBYTES8, BYTEARRAY8,
# EMPTY_SET), which a hostile pickle may open with before it POPs them. Not EXT*
# (the extension registry is empty unless a program fills it) nor NEXT_BUFFER.
_PICKLE_HEADS = frozenset(b"\x80\x95(}])cNISVXFGJKLMTUBCP\x8c\x88\x89\x8a\x8b\x8d\x8e\x8f\x96")
# Compressed streams a loader unwraps before it unpickles: gzip, bz2, xz and zlib, and
# joblib's other compressors (joblib.load detects them by these same prefixes):
# ``compress="lzma"`` (the legacy .lzma format, ``]\x00``), ``compress="lz4"`` (an LZ4
# frame) and the "ZF" zlib files of joblib before 0.9.3 (``numpy_pickle_compat``).
COMPRESSED_KINDS = ("gzip", "bz2", "xz", "zlib", "lzma", "lz4", "zfile")


def identify(head: bytes) -> str | None:
    """What the bytes are, from their first bytes alone (``None``: nothing we scan)."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return "zip"
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh") and len(head) > 3 and head[3:4].isdigit():
        return "bz2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if head.startswith(b"]\x00"):
        return "lzma"  # a pickle cannot start so: `]` then the byte 0, no opcode
    if head.startswith(b"\x04\x22\x4d\x18"):
        return "lz4"
    if head.startswith(b"ZF0x"):
        return "zfile"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    if _is_tar_header(head):
        return "tar"  # an old (V7) header, no "ustar" magic: tarfile opens it all the same
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return "hdf5"
    if head.startswith(b"GGUF"):
        return "gguf"
    if len(head) >= 2 and head[0] == 0x78 and (head[0] << 8 | head[1]) % 31 == 0:
        return "zlib"
    if len(head) >= 10 and head[8:10] == b'{"' and struct.unpack("<Q", head[:8])[0] < 1 << 32:
        return "safetensors"
    if head[:1] and head[0] in _PICKLE_HEADS:
        return "pickle?"
    return None


def _is_tar_header(head: bytes) -> bool:
    """Whether the first 512 bytes are a tar header by its checksum, as tarfile checks
    one (the sum of the header's bytes with the checksum field read as spaces)."""
    if len(head) < 512 or head[0] == 0:
        return False
    field = head[148:156].replace(b"\x00", b" ").strip()
    if not field or any(byte not in b"01234567" for byte in field):
        return False
    block = head[:148] + b" " * 8 + head[156:512]
    signed = sum(struct.unpack("512b", block))
    return int(field, 8) in (sum(block), signed)


def is_model_name(name: str) -> bool:
    """Whether a file or member name says it holds a model (case-insensitive), also
    under a compression suffix (``model.pkl.gz``)."""
    lower = name.lower()
    for suffix in (".gz", ".bz2", ".xz", ".z", ".lzma", ".lz4"):
        lower = lower.removesuffix(suffix)
    return lower.endswith(MODEL_SUFFIXES)
