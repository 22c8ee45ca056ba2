"""Decide a claim: BCa bootstrap interval, one-sided permutation p-value, verdict, MDE.

`decide_batch` does the work for many datasets at once (rows of 2-D arrays), which is
what the calibration tests use; `decide` is the same code on one dataset. Row i of a
batch uses the same resamples as `decide` on that row with the same rng state, so the
results agree up to floating-point rounding.

Verdicts are symmetric: "holds" needs the interval to exclude the null on the claimed
side and the one-sided p-value in that direction <= alpha; "contradicted" needs the same
on the other side (the opposite tail of the same permutation distribution). So swapping
the samples turns one into the other exactly. Two samples are put in a canonical
orientation (decided from the sorted values, so not from their order) and the result is
negated back: swapping x and y feeds SciPy the same arrays and exactly negates the
test-scale estimate, interval and p-values.
"""

from __future__ import annotations

import inspect
import math
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

import numpy as np
from scipy import special, stats

from .estimators import ESTIMATORS, Estimator
from .spec import ClaimSpec, TestResult

POWER = 0.8  # power at which the minimum detectable effect is reported
TIE_LIMIT = 0.5  # share of bootstrap replicates equal to the estimate beyond which BCa is not used
BATCH = 64  # resamples per vectorised step; fixed so that results do not depend on the batch


@dataclass(frozen=True)
class BatchResult:
    """The outcome of `decide` for every row of a batch, as arrays."""

    estimate: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    p_value: np.ndarray
    verdict: np.ndarray
    ci_method: np.ndarray
    mde: np.ndarray
    n: int
    n_resamples: int

    def result(self, i: int) -> TestResult:
        """The TestResult of row i."""
        return TestResult(
            float(self.estimate[i]), float(self.ci_low[i]), float(self.ci_high[i]),
            float(self.p_value[i]), self.n, str(self.verdict[i]), str(self.ci_method[i]),
            float(self.mde[i]), self.n_resamples,
        )


def _rng_kwargs(func, rng: np.random.Generator) -> dict:
    """Pass the generator under the keyword this SciPy version knows (rng since 1.15)."""
    name = "rng" if "rng" in inspect.signature(func).parameters else "random_state"
    return {name: rng}


def _as_rows(name: str, values, batched: bool) -> np.ndarray:
    """A finite float array of shape (datasets, n), or ValueError saying what is wrong."""
    a = np.asarray(values, dtype=float)
    if a.ndim != (2 if batched else 1):
        raise ValueError(f"{name} must be {'2' if batched else '1'}-D, got shape {a.shape}")
    bad = np.count_nonzero(~np.isfinite(a))
    if bad:
        raise ValueError(f"{name} contains NaN/inf ({bad} of {a.size} values are not finite)")
    if a.shape[-1] < 3:
        raise ValueError(f"{name} has {a.shape[-1]} values; at least 3 are needed")
    return np.atleast_2d(a)


def _checked(spec: ClaimSpec, x, y, batched: bool):
    """Validate the spec against the data; return the estimator and the arrays."""
    est = ESTIMATORS.get(spec.estimator)
    if est is None:
        raise ValueError(f"unknown estimator {spec.estimator!r}: choose one of {', '.join(ESTIMATORS)}")
    if est.two_sample != (spec.design != "one-sample"):
        raise ValueError(f"estimator {est.name!r} does not fit design {spec.design!r}")
    if (y is None) != (spec.design == "one-sample"):
        need = "takes x only" if y is not None else "needs both x and y"
        raise ValueError(f"design {spec.design!r} {need}")
    if not 0 < spec.alpha < 0.5:
        raise ValueError(f"alpha must be in (0, 0.5), got {spec.alpha}")
    x = _as_rows("x", x, batched)
    y = None if y is None else _as_rows("y", y, batched)
    if y is not None and spec.design == "paired" and x.shape != y.shape:
        raise ValueError(f"paired samples must have equal shapes: x {x.shape}, y {y.shape}")
    if y is not None and len(x) != len(y):
        raise ValueError(f"x and y must hold the same number of datasets: {len(x)} vs {len(y)}")
    if est.log_scale and (spec.null <= 0 or x.min() <= 0 or y.min() <= 0):
        raise ValueError(f"{est.name} needs positive data and a positive null (ratio of positive values)")
    return est, x, y


def _lex_sign(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Per row, the sign of the first entry where u and v differ (0 where equal)."""
    d = (u > v).astype(np.int8) - (u < v).astype(np.int8)
    first = np.argmax(d != 0, axis=-1)
    return np.take_along_axis(d, first[:, None], axis=-1)[:, 0]


def _pairs_key(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per row, the pairs sorted lexicographically and flattened: paired data without their order."""
    order = np.lexsort((y, x), axis=-1)
    pairs = np.stack([np.take_along_axis(x, order, -1), np.take_along_axis(y, order, -1)], -1)
    return pairs.reshape(len(x), -1)


def _orient(x: np.ndarray, y: np.ndarray, paired: bool):
    """The two samples in canonical orientation, and the rows where that swapped them."""
    if paired:
        key = _lex_sign(_pairs_key(x, y), _pairs_key(y, x))
    elif x.shape[-1] != y.shape[-1]:  # the larger sample goes first
        swap = np.full(len(x), x.shape[-1] < y.shape[-1])
        return (y, x, swap) if swap[0] else (x, y, swap)
    else:
        xs, ys = np.sort(x, axis=-1), np.sort(y, axis=-1)
        key = _lex_sign(np.concatenate([xs, ys], -1), np.concatenate([ys, xs], -1))
    col = (key < 0)[:, None]
    return np.where(col, y, x), np.where(col, x, y), key < 0


@contextmanager
def _quiet():
    """Silence SciPy's degenerate-data warnings: degeneracy is detected per row instead."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _degeneracy(theta: np.ndarray, dist: np.ndarray, low, high) -> np.ndarray:
    """Per row, why the BCa interval cannot be used ('' where it can)."""
    why = np.full(theta.shape, "", dtype=object)
    ties = np.mean(dist == theta[:, None], axis=-1)
    why[ties > TIE_LIMIT] = [f"{t:.0%} of bootstrap replicates tie with the estimate"
                             for t in ties[ties > TIE_LIMIT]]
    why[~(np.isfinite(low) & np.isfinite(high))] = "NaN endpoints, e.g. from tied jackknife values"
    why[np.ptp(dist, axis=-1) == 0] = "constant data"
    return why


def _interval(est: Estimator, samples: tuple, paired: bool, level: float, rng, n_resamples: int):
    """Per row: test-scale estimate, interval, standard error and BCa-degeneracy reason."""
    stat = partial(est.on_test_scale, paired=paired)
    kw = dict(vectorized=True, paired=paired, axis=-1, confidence_level=level, batch=BATCH)
    with _quiet():
        bca = stats.bootstrap(samples, stat, n_resamples=n_resamples, method="BCa",
                              **kw, **_rng_kwargs(stats.bootstrap, rng))
        pct = stats.bootstrap(samples, stat, n_resamples=0, method="percentile",
                              bootstrap_result=bca, **kw)
    theta = stat(*samples, axis=-1)
    dist = bca.bootstrap_distribution
    why = _degeneracy(theta, dist, bca.confidence_interval.low, bca.confidence_interval.high)
    fall = why != ""
    flat = np.ptp(dist, axis=-1) == 0
    low = np.where(flat, theta, np.where(fall, pct.confidence_interval.low, bca.confidence_interval.low))
    high = np.where(flat, theta, np.where(fall, pct.confidence_interval.high, bca.confidence_interval.high))
    return theta, low, high, bca.standard_error, why


def tail_pvalues(null: np.ndarray, observed: np.ndarray, exact: bool):
    """Both one-sided p-values (greater, less), counted the way scipy.stats.permutation_test counts."""
    tol = np.abs(observed) * 100 * np.finfo(float).eps
    extra = 0 if exact else 1

    def rate(hits):
        return np.clip((np.count_nonzero(hits, axis=0) + extra) / (len(null) + extra), 0.0, 1.0)

    return rate(null >= observed - tol), rate(null <= observed + tol)


def _pvalues(est: Estimator, samples: tuple, design: str, rng, n_resamples: int):
    """Per row: one-sided permutation p-values (greater, less) of the test-scale statistic."""
    n = samples[0].shape[-1]
    if design == "unpaired":
        kind, n_max = "independent", math.comb(n + samples[1].shape[-1], n)
    else:  # sign flips of one sample, or swaps within pairs
        kind, n_max = "samples", 2**n
    res = stats.permutation_test(
        samples, partial(est.on_test_scale, paired=design == "paired"), permutation_type=kind,
        vectorized=True, n_resamples=n_resamples, batch=BATCH, alternative="greater", axis=-1,
        **_rng_kwargs(stats.permutation_test, rng),
    )
    return tail_pvalues(res.null_distribution, res.statistic, exact=n_max <= n_resamples)


def _shifted(est: Estimator, a, b, swap, null: float):
    """The canonical samples with x (wherever it now sits) shifted so that `null` is no effect."""
    if b is None:
        return (est.shift(a, null),)
    if a.shape != b.shape:
        return (a, est.shift(b, null)) if swap[0] else (est.shift(a, null), b)
    col = swap[:, None]
    return np.where(col, a, est.shift(a, null)), np.where(col, est.shift(b, null), b)


def _verdicts(low, high, p_claimed, p_other, null_t, alternative: str, alpha: float):
    """holds / contradicted / inconclusive per row, from the interval and both one-sided p-values."""
    above, below = low > null_t, high < null_t
    claimed, other = (above, below) if alternative == "greater" else (below, above)
    return np.where(claimed & (p_claimed <= alpha), "holds",
                    np.where(other & (p_other <= alpha), "contradicted", "inconclusive"))


def _mde_multiplier(alpha: float, n: int) -> float:
    """Standard errors between the null and the MDE: t_{1-alpha} + t_{power} with n - 1 df."""
    # Student rather than normal quantiles (they agree for large n): the standard error is
    # itself estimated, and with z quantiles the power at the MDE measured ~0.76 at n = 48.
    return float(special.stdtrit(n - 1, 1 - alpha) + special.stdtrit(n - 1, POWER))


def _method_labels(why: np.ndarray) -> np.ndarray:
    """'BCa', or 'percentile (BCa degenerate: <why>)' per row."""
    return np.array([f"percentile (BCa degenerate: {w})" if w else "BCa" for w in why], dtype=object)


def decide_batch(spec: ClaimSpec, x, y=None, *, rng: np.random.Generator,
                 n_resamples: int = 1999) -> BatchResult:
    """Decide the claim for every row of the 2-D arrays x (and y) at once."""
    est, x, y = _checked(spec, x, y, batched=True)
    paired = spec.design == "paired"
    a, b, swap = (x, None, np.zeros(len(x), bool)) if y is None else _orient(x, y, paired)
    samples = (a,) if b is None else (a, b)
    theta, low, high, se, why = _interval(est, samples, paired, spec.confidence_level, rng, n_resamples)
    p_gt, p_lt = _pvalues(est, _shifted(est, a, b, swap, spec.null), spec.design, rng, n_resamples)
    # back from the canonical orientation: swapping the samples negates everything
    theta, low, high = np.where(swap, -theta, theta), np.where(swap, -high, low), np.where(swap, -low, high)
    p_gt, p_lt = np.where(swap, p_lt, p_gt), np.where(swap, p_gt, p_lt)
    sign = 1.0 if spec.alternative == "greater" else -1.0
    p_claimed, p_other = (p_gt, p_lt) if sign > 0 else (p_lt, p_gt)
    null_t = est.to_test_scale(spec.null)
    n = min(s.shape[-1] for s in samples)
    k = _mde_multiplier(spec.alpha, n)
    return BatchResult(
        estimate=est.from_test_scale(theta), ci_low=est.from_test_scale(low),
        ci_high=est.from_test_scale(high), p_value=p_claimed,
        verdict=_verdicts(low, high, p_claimed, p_other, null_t, spec.alternative, spec.alpha),
        ci_method=_method_labels(why), mde=est.from_test_scale(null_t + sign * k * se),
        n=n, n_resamples=n_resamples,
    )


def decide(spec: ClaimSpec, x, y=None, *, rng: np.random.Generator, n_resamples: int = 1999) -> TestResult:
    """Decide one claim from its samples: interval, one-sided p-value, verdict and MDE."""
    x = _as_rows("x", x, batched=False)[0]
    y = None if y is None else _as_rows("y", y, batched=False)[0]
    return decide_batch(spec, x[None], None if y is None else y[None], rng=rng,
                        n_resamples=n_resamples).result(0)
