"""Sanity of the model under test: does it predict real text better than the unigram baseline."""
