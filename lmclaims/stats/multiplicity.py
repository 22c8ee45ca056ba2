"""Combining tests: Holm's step-down adjustment across a run, and intersection-union claims."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from .spec import TestResult


def holm(pvalues: Sequence[float | None]) -> list[float | None]:
    """Holm step-down adjusted p-values; None entries pass through and do not count in m."""
    present = [i for i, p in enumerate(pvalues) if p is not None]
    raw = np.array([pvalues[i] for i in present], dtype=float)
    if not np.all((raw >= 0) & (raw <= 1)):  # also rejects NaN
        raise ValueError(f"p-values must lie in [0, 1], got {raw[~((raw >= 0) & (raw <= 1))].tolist()}")
    order = np.argsort(raw, kind="stable")
    m = len(raw)
    scaled = (m - np.arange(m)) * raw[order]  # the j-th smallest times (m - j), j from 0
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    out: list[float | None] = [None] * len(pvalues)
    for i, p in zip(present, adjusted):
        out[i] = float(p)
    return out


def final_verdict(raw_verdict: str, p_adjusted: float | None, alpha: float,
                  *, p_raw: float | None = None) -> tuple[str, str]:
    """The verdict after Holm: a 'holds' whose adjusted p exceeds alpha becomes 'inconclusive'."""
    if raw_verdict == "holds" and p_adjusted is not None:
        if math.isnan(p_adjusted):
            raise ValueError("adjusted p-value is NaN")
        if p_adjusted > alpha:
            raw = "" if p_raw is None else f"p={p_raw:.3g}, "
            note = f"holds before Holm adjustment ({raw}adjusted {p_adjusted:.3g} > alpha {alpha:g})"
            return "inconclusive", note
    return raw_verdict, ""


def intersection_union(primary: TestResult, *others: TestResult) -> TestResult:
    """A claim made of several one-sided tests that must all hold (intersection-union test).

    Holds if every part holds, with p = the largest p; contradicted if any part is; else
    inconclusive. Estimate and interval are the primary test's.
    """
    verdicts = {primary.verdict, *(o.verdict for o in others)}
    verdict = ("holds" if verdicts == {"holds"} else
               "contradicted" if "contradicted" in verdicts else "inconclusive")
    p_value = max([primary.p_value, *(o.p_value for o in others)])
    return replace(primary, verdict=verdict, p_value=p_value)
