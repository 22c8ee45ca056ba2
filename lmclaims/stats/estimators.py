"""The statistics a claim can estimate, vectorised along `axis`.

Every estimator is computed on a *test scale* where "no effect" is 0 for two-sample
statistics and swapping the two samples negates the value: the identity for means and
differences, the log for ratios (log m(x) - log m(y)). Intervals, tests and minimum
detectable effects are all computed on that scale and mapped back.

Each estimator names its test: "studentized" (means: a bootstrap-t test and interval,
whose null is "the mean equals the null", which needs a standard error, `standard_error`),
"median" (ratios of medians: paired, the median per-pair log ratio with the exact sign test;
unpaired, the bootstrap percentile test; see inference.py) or "binomial" (a share of 0/1
outcomes: an exact binomial test with a Clopper-Pearson interval).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np


def _sorted(x, axis=-1) -> np.ndarray:
    """A C-ordered copy of x with `axis` moved last and sorted (one copy, sorted in place)."""
    s = np.array(np.moveaxis(x, axis, -1), dtype=float, order="C")
    s.sort(axis=-1)
    return s


def _mean(x, axis=-1):
    """Mean summed in sorted order, so equal multisets give bit-identical means."""
    # A resample holding the data in another order must tie exactly with the estimate, or
    # BCa's bias correction (which counts ties) jumps with rounding noise at small n.
    return _sorted(x, axis).mean(axis=-1)


def _median(x, axis=-1):
    """Median along axis, equal to np.median on finite data but several times faster (SIMD sort)."""
    s = _sorted(x, axis)
    h = s.shape[-1] // 2
    return s[..., h] if s.shape[-1] % 2 else (s[..., h - 1] + s[..., h]) / 2


def _paired_mean_difference(x, y, axis=-1):
    """Mean of the within-pair differences x - y."""
    return _mean(x - y, axis=axis)


def _unpaired_mean_difference(x, y, axis=-1):
    """Difference of the two sample means."""
    return _mean(x, axis=axis) - _mean(y, axis=axis)


def _log_ratio_of(center: Callable) -> Callable:
    """Log of center(x) / center(y), written as a difference of logs."""

    def log_ratio(x, y, axis=-1):
        return np.log(center(x, axis=axis)) - np.log(center(y, axis=axis))

    return log_ratio


def _se_mean(x, axis=-1):
    """Standard error of a mean, sd / sqrt(n) with n - 1 in the variance."""
    return np.std(x, axis=axis, ddof=1) / np.sqrt(np.shape(x)[axis])


def _se_paired_difference(x, y, axis=-1):
    """Standard error of the mean within-pair difference."""
    return _se_mean(x - y, axis=axis)


def _se_unpaired_difference(x, y, axis=-1):
    """Welch's standard error of a difference of two means."""
    return np.hypot(_se_mean(x, axis=axis), _se_mean(y, axis=axis))


def _se_log_ratio_of_means(x, y, axis=-1, paired=False):
    """Delta-method standard error of log mean(x) - log mean(y) (Casella & Berger, 5.5.4)."""
    mx, my = np.mean(x, axis=axis, keepdims=True), np.mean(y, axis=axis, keepdims=True)
    if paired:  # mean of the per-pair influence values x/mx - y/my
        return _se_mean(x / mx - y / my, axis=axis)
    return np.hypot(_se_mean(x / mx, axis=axis), _se_mean(y / my, axis=axis))


@dataclass(frozen=True)
class Estimator:
    """A statistic with its test scale and the way a null value shifts the data."""

    name: str
    two_sample: bool  # compares x with y (paired or unpaired); otherwise one-sample
    log_scale: bool  # ratio of positive quantities, tested as a log-ratio
    paired_stat: Callable | None  # test-scale statistic for paired samples (x, y, axis)
    unpaired_stat: Callable  # test-scale statistic for one sample, or unpaired samples
    test: str = "median"  # "studentized", "median" or "binomial" (module docstring)
    paired_se: Callable | None = None  # standard error of the paired test-scale statistic
    unpaired_se: Callable | None = None  # standard error of the one-sample / unpaired statistic

    def standard_error(self, *samples, paired: bool = False, axis: int = -1):
        """Standard error of the test-scale statistic (studentized estimators only)."""
        fn = self.paired_se if paired else self.unpaired_se
        return fn(*samples, axis=axis)

    def on_test_scale(self, *samples, paired: bool = False, axis: int = -1):
        """The statistic on its test scale (log for ratios)."""
        fn = self.paired_stat if paired else self.unpaired_stat
        return fn(*samples, axis=axis)

    def __call__(self, *samples, paired: bool = False, axis: int = -1):
        """The statistic in its natural units."""
        return self.from_test_scale(self.on_test_scale(*samples, paired=paired, axis=axis))

    def to_test_scale(self, value):
        """Map a value of the statistic (e.g. a null) onto the test scale."""
        return np.log(value) if self.log_scale else value

    def from_test_scale(self, t):
        """Map a test-scale value back to the statistic's natural units."""
        return np.exp(t) if self.log_scale else t

    def shift(self, x, null: float):
        """Move sample x so that `null` becomes the no-effect value (0 on the test scale)."""
        return x / null if self.log_scale else x - null


ESTIMATORS: dict[str, Estimator] = {
    "mean": Estimator("mean", False, False, None, _mean, "studentized", None, _se_mean),
    "mean_difference": Estimator(
        "mean_difference", True, False, _paired_mean_difference, _unpaired_mean_difference,
        "studentized", _se_paired_difference, _se_unpaired_difference),
    "ratio_of_medians": Estimator(
        "ratio_of_medians", True, True, _log_ratio_of(_median), _log_ratio_of(_median)),
    "ratio_of_means": Estimator(
        "ratio_of_means", True, True, _log_ratio_of(_mean), _log_ratio_of(_mean), "studentized",
        partial(_se_log_ratio_of_means, paired=True), _se_log_ratio_of_means),
    # share of successes in 0/1 outcomes, e.g. "seeds representing at most m features"
    "share": Estimator("share", False, False, None, _mean, "binomial"),
}
