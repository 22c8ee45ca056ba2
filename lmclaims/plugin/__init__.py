"""The pytest plugin: options, the `claim` marker and fixture, and the claims report."""
