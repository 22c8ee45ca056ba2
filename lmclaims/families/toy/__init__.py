"""Toy models trained from scratch in seconds: superposition in a ReLU autoencoder."""
