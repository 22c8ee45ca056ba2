"""What a test can and cannot say: finite statistics, attainable levels, small-sample intervals.

- A statistic that overflows on finite data (values near 1.8e308 summed) must end as an
  `error`, never as a verdict: `check_finite` raises `NumericalError`.
- An exact test has a smallest p-value (1 / 2**n for n sign flips, 1 / C(n + m, n) for a
  two-sample permutation test, null**n for a binomial test, 1 / (B + 1) with B random
  resamples). Where it exceeds alpha no data can make the claim hold, so no MDE exists:
  `unattainable` says so and names the n (or the number of resamples) that would be needed.
- Bootstrap intervals are too narrow at small n (the plug-in variance divides by n and the
  quantiles are normal, not Student). `expanded_alpha` widens them as Hesterberg's
  expanded percentile interval does (Hesterberg 2015, "What Teachers Should Know About the
  Bootstrap", The American Statistician 69(4), section 4.6; Hesterberg 1999).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special, stats

from lmclaims.errors import NumericalError


def check_finite(what: str, **arrays) -> None:
    """Raise NumericalError naming `what` and the array if any value is NaN or inf."""
    for name, values in arrays.items():
        bad = np.count_nonzero(~np.isfinite(values))
        if bad:
            raise NumericalError(f"{bad} NaN/inf values in {name} of {what} (overflow on finite "
                                 f"data? values beyond about 1e154 overflow a variance)")


def expanded_alpha(alpha: float, n: int) -> float:
    """Tail level whose normal quantile is sqrt(n / (n - 1)) times Student's t_{n-1, 1-alpha}."""
    return float(stats.norm.cdf(-math.sqrt(n / (n - 1)) * special.stdtrit(n - 1, 1 - alpha)))


def smallest_p(test: str, design: str, n: int, m: int, n_resamples: int, null: float = 0.5) -> float:
    """The smallest one-sided p-value the test can return at these sample sizes."""
    if test == "binomial":
        return min(null, 1 - null) ** n
    if test == "permutation":
        n_max = math.comb(n + m, n) if design == "unpaired" else 2**n
        if n_max <= n_resamples:  # exact enumeration: only the observed arrangement is as extreme
            return 1 / n_max
    return 1 / (n_resamples + 1)


def _n_needed(test: str, design: str, alpha: float, null: float) -> int:
    """Smallest n (per group, equal groups) at which the exact test can reach alpha."""
    if test == "binomial":
        return math.ceil(math.log(alpha) / math.log(min(null, 1 - null)))
    n = 1
    while (math.comb(2 * n, n) if design == "unpaired" else 2**n) < 1 / alpha:
        n += 1
    return n


def unattainable(test: str, design: str, n: int, m: int, n_resamples: int, alpha: float,
                 null: float = 0.5) -> tuple[str, int]:
    """('', 0) where alpha is attainable; else the reason and the n needed (0: more resamples)."""
    p_min = smallest_p(test, design, n, m, n_resamples, null)
    if p_min <= alpha:
        return "", 0
    if p_min == 1 / (n_resamples + 1):
        return (f"level {alpha:g} unattainable with {n_resamples} resamples (smallest p "
                f"{p_min:.3g}); at least {math.ceil(1 / alpha) - 1} resamples needed, no MDE"), 0
    need = _n_needed(test, design, alpha, null)
    return (f"level {alpha:g} unattainable at n={n}: the smallest p-value of this exact test is "
            f"{p_min:.3g}; n >= {need} needed, no MDE"), need


def tail_pvalues(null: np.ndarray, observed: np.ndarray, exact: bool):
    """Both one-sided p-values (greater, less), counted the way scipy.stats.permutation_test counts.

    null: resampled statistics, shape (resamples, rows); observed: shape (rows,).
    """
    tol = np.abs(observed) * 100 * np.finfo(float).eps
    extra = 0 if exact else 1

    def rate(hits):
        return np.clip((np.count_nonzero(hits, axis=0) + extra) / (len(null) + extra), 0.0, 1.0)

    return rate(null >= observed - tol), rate(null <= observed + tol)


TAIL_REPLICATES = 10  # resampled values expected beyond the decision level's quantile, at least
MAX_RESAMPLES = 100_000  # the most resamples a claim is given (memory and time of one decision)


def enough_resamples(requested: int, tail: float) -> tuple[int, str]:
    """Resamples for a Monte Carlo tail share `tail`: the request, raised to TAIL_REPLICATES / tail.

    A bootstrap p-value is at least 1 / (B + 1), and its Monte Carlo error near the level is
    about sqrt(tail / B): with fewer than ~10 replicates beyond the quantile the decision is
    noise, and below 1 / tail none can reach it (the smoke profile's 999 against alpha / 32).
    Returns the number used and a note where it was raised ('' otherwise).
    """
    need = min(math.ceil(TAIL_REPLICATES / tail), MAX_RESAMPLES)
    if requested >= need:
        return requested, ""
    return need, (f"resamples raised from {requested} to {need} so that the level's tail "
                  f"({tail:.3g}) holds {min(TAIL_REPLICATES, round(need * tail, 2)):g} of them")


def resampled_floor(level: float, tail: float, n_resamples: int, n: int, need_n) -> tuple[str, int]:
    """('', 0) where a bootstrap test with this tail share can reach `level`; else why not and the
    smallest n at which it could (need_n(n) -> the tail share at sample size n)."""
    if n_resamples * tail >= 1:
        return "", 0
    more = next((m for m in range(n + 1, 100_000) if need_n(m) * MAX_RESAMPLES >= TAIL_REPLICATES), 0)
    return (f"level {level:.3g} unattainable at n={n}: its tail share {tail:.3g} is below one in "
            f"{n_resamples} resamples; n >= {more} needed, no MDE"), more
