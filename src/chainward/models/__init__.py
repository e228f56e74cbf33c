"""Pinned and verified models: the model lock, hashing, download and pickle scanning,
OpenSSF model signatures. Import submodules directly; this package imports nothing heavy."""
