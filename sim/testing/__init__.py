"""Contract suites that every policy (and, later, verifier) implementation must pass."""
