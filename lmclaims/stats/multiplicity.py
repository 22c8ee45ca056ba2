"""Combining tests: Holm's step-down adjustment across a run, and intersection-union claims."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from .spec import SHOWN, TestResult


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


def _deciding(parts: list[tuple[str, TestResult]]) -> tuple[str, TestResult]:
    """The part that decides an intersection-union verdict: a contradicted part, else the one
    with the largest p-value (an untestable part, p NaN, first)."""
    contradicted = [p for p in parts if p[1].verdict == "contradicted"]
    if contradicted:
        return contradicted[0]
    return max(parts, key=lambda p: math.inf if math.isnan(p[1].p_value) else p[1].p_value)


def intersection_union(*parts: TestResult, names: Sequence[str] = ()) -> TestResult:
    """A claim made of several one-sided tests that must all hold (intersection-union test).

    Holds if every part holds (or is shown equivalent), with p = the largest p (Berger 1982,
    Technometrics 24(4)); contradicted if any part is; else n/a, underpowered or inconclusive,
    the first that a part is. Estimate, interval, n, p and MDE are all
    the deciding part's (`_deciding`), so the summary row never mixes one part's numbers with
    another's verdict; every part keeps its own numbers in `parts` (see `part_rows`).
    names: one per part (default 'part 1', 'part 2', ...).
    """
    names = list(names) or [f"part {i + 1}" for i in range(len(parts))]
    if len(names) != len(parts):
        raise ValueError(f"{len(names)} names for {len(parts)} parts")
    named = list(zip(names, parts))
    verdicts = {p.verdict for p in parts}
    verdict = ("holds" if verdicts <= set(SHOWN) else
               next((v for v in ("contradicted", "n/a", "underpowered") if v in verdicts), "inconclusive"))
    name, deciding = _deciding(named)
    return replace(deciding, verdict=verdict, parts=tuple(named), deciding_part=name,
                   ci_method=f"{deciding.ci_method} (numbers of the deciding part: {name})")


def part_rows(result: TestResult) -> list[dict]:
    """Each part of a compound result as a plain row (for `claim.note(parts=...)` and the report)."""
    return [{"part": name, "verdict": p.verdict, "estimate": p.estimate, "ci_low": p.ci_low,
             "ci_high": p.ci_high, "n": p.n, "p_value": p.p_value, "mde": p.mde,
             "n_needed": p.n_needed, "method": p.ci_method} for name, p in result.parts]
