"""GitHub Actions: every ``uses:`` pinned to a full commit SHA."""
