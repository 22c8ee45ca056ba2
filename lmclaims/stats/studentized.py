"""Bootstrap-t (studentized bootstrap) test and interval for means and ratios of means.

The null of a sign-flip test of a mean is "symmetric about the null", so skewed data whose
mean equals the null "hold" far too often (13% at n = 12 for a shifted lognormal, nominal
2.5%). The bootstrap-t tests the claim's own null, "the mean equals the null": it resamples
t* = (theta* - theta) / se* and compares t = (theta - null) / se with it. The interval is
the inversion of the same test, [theta - q(1 - a) se, theta - q(a) se], so interval and
p-value agree by construction. Efron & Tibshirani 1993, An Introduction to the Bootstrap,
sections 12.5 and 16.4; Hall 1992, The Bootstrap and Edgeworth Expansion, section 3.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from .estimators import Estimator
from .validity import check_finite, tail_pvalues


def _no_spread_reason(est: Estimator, boot_se: np.ndarray, se: np.ndarray, tail: float) -> np.ndarray:
    """Per row, why the bootstrap-t cannot be used ('' where it can)."""
    why = np.full(se.shape, "", dtype=object)
    degenerate = np.mean(boot_se == 0, axis=-1)
    few = degenerate > tail
    why[few] = [f"{d:.1%} of bootstrap resamples have no spread (too few distinct values), more "
                f"than the tail {tail:.3g}: the interval is unbounded" for d in degenerate[few]]
    why[se == 0] = (f"no spread: every value of the {est.name} sample is equal, so its standard error "
                    "is 0 and a mean cannot be tested; a count that cannot vary needs an exact "
                    "test on the count (estimator 'share')")
    return why


def studentized(est: Estimator, samples: tuple, paired: bool, null_t, level: float, rng,
                n_resamples: int, batch: int, rng_kwargs: dict):
    """Per row: test-scale estimate, interval, se, p (greater), p (less) and degeneracy reason.

    samples: arrays of shape (rows, n) (one, or two of equal rows); null_t: the null on the
    test scale, per row or scalar; level: two-sided confidence level of the interval.
    Raises NumericalError if the statistic, its standard error or a resampled value is not finite.
    """
    def stat(*s, axis=-1):
        return np.stack([est.on_test_scale(*s, paired=paired, axis=axis),
                         est.standard_error(*s, paired=paired, axis=axis)])

    with np.errstate(all="ignore"):
        theta, se = stat(*samples)
        res = stats.bootstrap(samples, stat, n_resamples=n_resamples, method="percentile",
                              vectorized=True, paired=paired, axis=-1, batch=batch, **rng_kwargs)
        boot_theta, boot_se = res.bootstrap_distribution
        check_finite(est.name, estimate=theta, standard_error=se, bootstrap_replicates=boot_theta,
                     bootstrap_standard_errors=boot_se)
        t = (boot_theta - theta[:, None]) / boot_se
        t[np.isnan(t)] = 0.0  # 0 / 0: a resample equal to the data's statistic, without spread
        t_obs = (theta - null_t) / se
    tail = (1 - level) / 2
    why = _no_spread_reason(est, boot_se, se, tail)
    p_gt, p_lt = tail_pvalues(t.T, np.where(se > 0, t_obs, 0.0), exact=False)
    with np.errstate(invalid="ignore"):  # infinite t* (resamples without spread) in a tail
        q_low, q_high = np.quantile(t, [tail, 1 - tail], axis=-1)
        low, high = theta - q_high * se, theta - q_low * se
    bad = why != ""
    low, high, p_gt, p_lt = (np.where(bad, np.nan, v) for v in (low, high, p_gt, p_lt))
    return theta, low, high, se, p_gt, p_lt, why
