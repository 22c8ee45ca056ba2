"""Claim families: one folder per family, holding the measurement its claims make."""
