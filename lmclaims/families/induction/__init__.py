"""Induction (Olsson et al. 2022): repeated random sequences, copy losses, induction scores."""
