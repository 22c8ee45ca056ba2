"""Random-effects meta-analysis (DerSimonian-Laird) of one claim's effect across models.

Own implementation, a few lines of arithmetic: the maintained library that has it
(`statsmodels.stats.meta_analysis.combine_effects(..., method_re="dl")`) is not among the
locked dependencies; tests/test_matrix_meta.py checks this code against numbers from
statsmodels 0.15 and against the closed form where the models agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054  # standard normal 97.5% quantile: the reports' intervals are 95% two-sided
RATIO_ESTIMATORS = ("ratio", "ratio_of_medians", "ratio_of_means")  # pooled on the log scale


@dataclass(frozen=True)
class Pooled:
    """A pooled effect on the analysis scale (log for ratios) with its spread between models."""
    estimate: float  # the random-effects mean
    ci_low: float  # 95% interval, estimate -/+ Z95 * se
    ci_high: float
    se: float
    tau2: float  # between-model variance, DerSimonian-Laird, truncated at 0
    i2: float  # share of the total variation due to between-model spread, in [0, 1]
    q: float  # Cochran's Q
    k: int  # models pooled


def is_ratio(estimator: str | None) -> bool:
    """Whether an estimator names a ratio (its effect is pooled as a log ratio)."""
    return bool(estimator) and (estimator in RATIO_ESTIMATORS or "ratio" in estimator)


def effect_and_se(estimate: float, ci_low: float, ci_high: float, log: bool,
                  z: float = Z95) -> tuple[float, float] | None:
    """(effect, standard error) from a two-sided interval, on the log scale if log; None if unusable.

    z: the interval's normal quantile (Z95 for a 95% interval; a claim of one-sided level alpha
    shows the 1 - 2 alpha interval, z = Phi^-1(1 - alpha)). SE = (upper - lower) / (2 x 1.96), the Cochrane Handbook's rule for getting a standard error
    from a 95% confidence interval (Higgins et al., Cochrane Handbook for Systematic Reviews of
    Interventions, v6.4, section 6.3.1), applied to log(estimate) and log(bounds) for ratios
    (section 6.3.2). None where a bound is missing, not finite, not positive for a log, or the
    interval has no width (a degenerate bootstrap, e.g. every resample at 1.0).
    """
    values = (estimate, ci_low, ci_high)
    if any(v is None or not math.isfinite(v) for v in values) or (log and min(values) <= 0):
        return None
    effect, low, high = (math.log(v) for v in values) if log else values
    se = (high - low) / (2 * z)
    return (effect, se) if se > 0 else None


def dersimonian_laird(effects: list[float], ses: list[float]) -> Pooled:
    """Pool k >= 2 effects with standard errors ses by DerSimonian & Laird's random-effects model.

    DerSimonian R, Laird N (1986), Meta-analysis in clinical trials, Controlled Clinical Trials
    7(3):177-188: w = 1/se^2, Q = sum w (y - y_fixed)^2, tau^2 = max(0, (Q - (k-1)) /
    (sum w - sum w^2 / sum w)), then weights 1/(se^2 + tau^2). I^2 = max(0, (Q - (k-1)) / Q)
    (Higgins JPT, Thompson SG (2002), Statistics in Medicine 21:1539-1558).
    Raises ValueError for fewer than two effects or a non-positive standard error.
    """
    if len(effects) != len(ses) or len(effects) < 2:
        raise ValueError(f"need at least two effects with one SE each, got {len(effects)}, {len(ses)}")
    if min(ses) <= 0:
        raise ValueError(f"standard errors must be positive, got {min(ses)}")
    w = [1 / s**2 for s in ses]
    fixed = sum(wi * y for wi, y in zip(w, effects)) / sum(w)
    q = sum(wi * (y - fixed) ** 2 for wi, y in zip(w, effects))
    df = len(effects) - 1
    tau2 = max(0.0, (q - df) / (sum(w) - sum(wi**2 for wi in w) / sum(w)))
    w_re = [1 / (s**2 + tau2) for s in ses]
    mean = sum(wi * y for wi, y in zip(w_re, effects)) / sum(w_re)
    se = math.sqrt(1 / sum(w_re))
    i2 = max(0.0, (q - df) / q) if q > 0 else 0.0
    return Pooled(mean, mean - Z95 * se, mean + Z95 * se, se, tau2, i2, q, len(effects))
