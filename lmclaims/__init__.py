"""lmclaims: scientific claims about language models, tested with calibrated statistics."""

__version__ = "0.1.0"
