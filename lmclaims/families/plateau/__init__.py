"""Plateaus and sensitive directions (seed report, Heimersheim 2024): the experiment on the engine."""
