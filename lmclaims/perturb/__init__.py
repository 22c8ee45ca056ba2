"""Perturbing one activation and measuring how much the model's output changes."""
