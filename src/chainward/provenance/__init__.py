"""SLSA provenance: in-toto statements, OIDC, signing, offline verification."""
