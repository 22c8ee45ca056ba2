"""From a method's p-values and interval to the verdict, at the decision level L.

One-sided claims ("greater" / "less"), with p+ and p- the one-sided p-values at the null:

    holds         p(claimed side) <= L and the interval excludes the null on that side
    contradicted  p(other side)   <= L and the interval excludes it on the other side
    underpowered  neither, and the declared reference effect lies nearer the null than the MDE
                  at L (power 0.8): this n could not be expected to show the published effect;
                  n needed = ceil(n (MDE distance / reference distance)^2), the 1/sqrt(n) scaling
    inconclusive  otherwise.

Equivalence claims (two one-sided tests, Schuirmann 1987, J. Pharmacokin. Biopharm. 15(6)):
with the declared region [lo, hi], "equivalent" where both p(greater at lo) and p(less at hi)
are <= L (p = their maximum), i.e. the 1 - 2L interval lies inside the region; "contradicted"
where a one-sided test at L puts the statistic beyond a bound; else inconclusive.
Each test's interval is its own test inverted (tested.py), so the two conditions agree
except at Monte Carlo and tie edges; requiring both keeps the verdict conservative there.
"""

from __future__ import annotations

import math

import numpy as np

from .estimators import Estimator
from .spec import ClaimSpec
from .tested import Tested


def one_sided(t: Tested, null_t: float, alternative: str, level: float):
    """(verdict, p in the claimed direction) per row."""
    p_gt, p_lt = t.p_at(np.full(len(t.theta), null_t))
    above, below = t.low > null_t, t.high < null_t
    claimed, other = (above, below) if alternative == "greater" else (below, above)
    p_claim, p_other = (p_gt, p_lt) if alternative == "greater" else (p_lt, p_gt)
    verdict = np.where(claimed & (p_claim <= level), "holds",
                       np.where(other & (p_other <= level), "contradicted", "inconclusive"))
    return verdict.astype(object), p_claim


def equivalence(t: Tested, est: Estimator, spec: ClaimSpec, level: float):
    """(verdict, TOST p) per row against the spec's equivalence region."""
    lo, hi = (float(est.to_test_scale(v)) for v in spec.region(est.log_scale))
    rows = len(t.theta)
    above_lo, below_lo = t.p_at(np.full(rows, lo))
    above_hi, below_hi = t.p_at(np.full(rows, hi))
    p = np.maximum(above_lo, below_hi)
    inside = (t.low > lo) & (t.high < hi)
    beyond = ((above_hi <= level) & (t.low > hi)) | ((below_lo <= level) & (t.high < lo))
    verdict = np.where(inside & (p <= level), "equivalent",
                       np.where(beyond, "contradicted", "inconclusive"))
    return verdict.astype(object), p


def underpowered(verdict, t: Tested, est: Estimator, spec: ClaimSpec):
    """Inconclusive rows whose reference effect lies below the MDE become 'underpowered';
    returns (verdicts, n needed for the reference effect, per row; 0 where it does not apply)."""
    need = np.zeros(len(verdict), dtype=int)
    if spec.reference_effect is None or spec.alternative == "equivalent":
        return verdict, need
    sign = 1.0 if spec.alternative == "greater" else -1.0
    with np.errstate(all="ignore"):
        ref = sign * (est.to_test_scale(spec.reference_effect) - est.to_test_scale(spec.null))
    if not ref > 0:  # a reference on the null or the other side: no n makes it detectable
        return verdict, need
    short = (verdict == "inconclusive") & (t.mde_dist > ref)
    need[short] = [math.ceil(t.n * (m / ref) ** 2) for m in t.mde_dist[short]]
    return np.where(short, "underpowered", verdict).astype(object), need


def mde_value(t: Tested, est: Estimator, spec: ClaimSpec) -> np.ndarray:
    """The MDE in the statistic's units: null + distance on the claimed side (equivalence: the
    upper bound of the smallest region that would be shown equivalent with power about 0.8)."""
    null_t = est.to_test_scale(spec.null)
    sign = -1.0 if spec.alternative == "less" else 1.0
    return est.from_test_scale(null_t + sign * t.mde_dist)
