"""Parsers that turn manifests into typed records with file and line."""
