"""Exact binomial test of a share of 0/1 outcomes, for counts that cannot vary.

Twelve training seeds that all represent 5 features have no spread: a bootstrap or sign-flip
test of their mean returns a zero-width interval and p ~ 0, as if the mean were known
exactly. The statement such counts support is about a share ("more than half the seeds
represent at most m features"), and a share has an exact test whatever the data:
`scipy.stats.binomtest`, with the Clopper-Pearson interval (Clopper & Pearson 1934).
The minimum detectable share is found from the exact binomial power (power 0.8).
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, stats

POWER = 0.8


def _critical_count(n: int, null: float, alpha: float) -> int:
    """Smallest k with P(X >= k | null) <= alpha, X ~ Binomial(n, null) (n + 1 if none)."""
    k = int(stats.binom.isf(alpha, n, null)) + 1  # P(X > isf) <= alpha
    return k if stats.binom.sf(k - 1, n, null) <= alpha else k + 1


def minimum_detectable_share(n: int, null: float, alpha: float) -> float:
    """The share at which the one-sided ('greater') exact test rejects with probability 0.8."""
    k = _critical_count(n, null, alpha)
    if k > n:
        return float("nan")
    return float(optimize.brentq(lambda q: stats.binom.sf(k - 1, n, q) - POWER, null, 1.0))


def binomial_rows(x: np.ndarray, null: float, alternative: str, level: float, alpha: float):
    """Per row of 0/1 outcomes (rows, n): share, Clopper-Pearson interval, p (greater, less), MDE.

    Raises ValueError if a value is not 0 or 1.
    """
    if not np.isin(x, (0.0, 1.0)).all():
        raise ValueError("estimator 'share' takes 0/1 outcomes (e.g. count <= m per seed)")
    n = x.shape[-1]
    k = x.sum(axis=-1).astype(int)
    out = {"estimate": k / n, "low": [], "high": [], "p_gt": [], "p_lt": []}
    for ki in k:
        ci = stats.binomtest(int(ki), n, null).proportion_ci(confidence_level=level, method="exact")
        out["low"].append(ci.low)
        out["high"].append(ci.high)
        out["p_gt"].append(stats.binomtest(int(ki), n, null, alternative="greater").pvalue)
        out["p_lt"].append(stats.binomtest(int(ki), n, null, alternative="less").pvalue)
    out = {key: np.asarray(v, dtype=float) for key, v in out.items()}
    if alternative == "greater":
        mde = minimum_detectable_share(n, null, alpha)
    else:  # mirror: a share below the null is a share of failures above 1 - null
        mde = 1 - minimum_detectable_share(n, 1 - null, alpha)
    return out, np.full(len(k), mde)
