"""The dependency checks: pure functions from inventory records and policy to findings."""
