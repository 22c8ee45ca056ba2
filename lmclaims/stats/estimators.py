"""The statistics a claim can estimate, vectorised along `axis`.

Every estimator is computed on a *test scale* where "no effect" is 0 for two-sample
statistics and swapping the two samples negates the value: the identity for means and
differences, the log for ratios (log m(x) - log m(y)). Intervals, permutation tests and
minimum detectable effects are all computed on that scale and mapped back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Estimator:
    """A statistic with its test scale and the way a null value shifts the data."""

    name: str
    two_sample: bool  # compares x with y (paired or unpaired); otherwise one-sample
    log_scale: bool  # ratio of positive quantities, tested as a log-ratio
    paired_stat: Callable | None  # test-scale statistic for paired samples (x, y, axis)
    unpaired_stat: Callable  # test-scale statistic for one sample, or unpaired samples

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
    "mean": Estimator("mean", False, False, None, _mean),
    "mean_difference": Estimator(
        "mean_difference", True, False, _paired_mean_difference, _unpaired_mean_difference
    ),
    "ratio_of_medians": Estimator(
        "ratio_of_medians", True, True, _log_ratio_of(_median), _log_ratio_of(_median)
    ),
    "ratio_of_means": Estimator(
        "ratio_of_means", True, True, _log_ratio_of(_mean), _log_ratio_of(_mean)
    ),
}
