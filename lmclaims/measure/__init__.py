"""Measurements shared by several families: token losses, activations, finiteness checks."""
