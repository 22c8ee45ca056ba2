"""Measurements on a model: small functions from tensors to per-unit numbers."""
