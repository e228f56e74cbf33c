"""AI dependencies: the inventory of every manifest, pinning and verification checks."""
