"""The shared core: findings, policy, registry, files, suppressions, errors."""
