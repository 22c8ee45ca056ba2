"""claims/expectations.py holds predictions, not measurements: each names its source (issue 12)."""

from __future__ import annotations

import re

import pytest

from claims.expectations import EXPECTED_NOT_TO_HOLD

ENTRIES = [(model, claim, reason) for model, claims in EXPECTED_NOT_TO_HOLD.items()
           for claim, reason in claims.items()]


@pytest.mark.parametrize(("model", "claim", "reason"), ENTRIES, ids=[f"{m}:{c}" for m, c, _ in ENTRIES])
def test_every_expectation_names_its_source(model, claim, reason):
    assert re.search(r"Source: \S", reason), f"{model} {claim}: a prediction needs 'Source: ...'"


@pytest.mark.parametrize(("model", "claim", "reason"), ENTRIES, ids=[f"{m}:{c}" for m, c, _ in ENTRIES])
def test_no_expectation_is_a_single_measured_borderline_outcome(model, claim, reason):
    """A p-value or 'holds alone' in a reason is a measured borderline outcome, not a prediction."""
    assert not re.search(r"\bp\s*[=<]|holds alone|family-wise level|measured inconclusive", reason)
    assert "[" not in claim, f"{claim}: one parametrisation singled out is a measurement, not a prediction"
