"""Turning claim records into the markdown and JSON claims report."""
