"""Signed commits: bulk reading, OpenPGP/SSH/gitsign verification, ranges, set-up."""
