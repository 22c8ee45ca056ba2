"""Decide a claim: interval, one-sided p-value, verdict and MDE, by the estimator's own test.

Means and ratios of means use a bootstrap-t test and its inverted interval (studentized.py:
its null is the claim's, "the mean equals the null", where a sign-flip test's is "symmetric
about the null"); medians use a permutation test with a BCa interval at Hesterberg's
expanded level (validity.py), so that small samples are not over-confident; shares of 0/1
outcomes use an exact binomial test (exact.py). Where the data have no spread the record has
no interval and says why; where alpha is unattainable at this n, it says so and names the n
needed, with no MDE; where a statistic overflows, NumericalError.

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
from .exact import binomial_rows
from .orientation import orient as _orient, shifted as _shifted
from .spec import ClaimSpec, TestResult
from .studentized import studentized
from .validity import check_finite, expanded_alpha, tail_pvalues, unattainable

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
    n_needed: int = 0

    def result(self, i: int) -> TestResult:
        """The TestResult of row i."""
        return TestResult(
            float(self.estimate[i]), float(self.ci_low[i]), float(self.ci_high[i]),
            float(self.p_value[i]), self.n, str(self.verdict[i]), str(self.ci_method[i]),
            float(self.mde[i]), self.n_resamples, self.n_needed,
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


@contextmanager
def _quiet():
    """Silence SciPy's degenerate-data warnings: degeneracy is detected per row instead."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _degeneracy(theta: np.ndarray, dist: np.ndarray, low, high, samples: tuple) -> np.ndarray:
    """Per row, why the BCa interval cannot be used ('' where it can; 'no interval: ...' where
    no bootstrap interval exists because every replicate equals the estimate)."""
    why = np.full(theta.shape, "", dtype=object)
    ties = np.mean(dist == theta[:, None], axis=-1)
    why[ties > TIE_LIMIT] = [f"percentile (BCa degenerate: {t:.0%} of bootstrap replicates tie "
                             f"with the estimate)" for t in ties[ties > TIE_LIMIT]]
    why[~(np.isfinite(low) & np.isfinite(high))] = ("percentile (BCa degenerate: NaN endpoints, "
                                                    "e.g. from tied jackknife values)")
    flat = np.ptp(dist, axis=-1) == 0
    constant = np.all([np.ptp(s, axis=-1) == 0 for s in samples], axis=0)
    why[flat] = ("no interval: every bootstrap replicate equals the estimate (the statistic does "
                 "not move with the values that vary)")
    why[flat & constant] = "no interval: constant data (every value equal), nothing to resample"
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
    check_finite(est.name, estimate=theta, bootstrap_replicates=dist)
    why = _degeneracy(theta, dist, bca.confidence_interval.low, bca.confidence_interval.high, samples)
    fall = why != ""
    flat = np.array([w.startswith("no interval") for w in why], dtype=bool)
    low = np.where(flat, np.nan, np.where(fall, pct.confidence_interval.low, bca.confidence_interval.low))
    high = np.where(flat, np.nan, np.where(fall, pct.confidence_interval.high, bca.confidence_interval.high))
    return theta, low, high, bca.standard_error, why


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
    exact = n_max <= n_resamples
    p_gt, p_lt = tail_pvalues(res.null_distribution, res.statistic, exact=exact)
    # the smallest p these values allow: ties in the statistic (a median of an even n) can keep
    # it above 1 / n_max, so it is read from the exact null distribution itself
    null = res.null_distribution
    floor = np.minimum(tail_pvalues(null, null.max(axis=0), True)[0],
                       tail_pvalues(null, null.min(axis=0), True)[1])
    return p_gt, p_lt, np.where(exact, floor, 0.0)


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


def _method_labels(method: str, why: np.ndarray, unattained) -> np.ndarray:
    """Per row: the method, or the reason it was replaced, then why alpha is unattainable."""
    labels = [w if w.startswith("percentile") else "; ".join(filter(None, (method, w)))
              for w in why]
    unattained = np.broadcast_to(np.asarray(unattained, dtype=object), len(labels))
    return np.array(["; ".join(filter(None, (lab, u))) for lab, u in zip(labels, unattained)], dtype=object)


def _floor_reasons(floor: np.ndarray, alpha: float, n: int, structural: str) -> np.ndarray:
    """Per row, why alpha is unattainable: the design's reason, or these values' smallest p."""
    reason = np.full(floor.shape, structural, dtype=object)
    tied = (floor > alpha) & (structural == "")
    reason[tied] = [f"level {alpha:g} unattainable on these values: the smallest p-value of the "
                    f"exact test is {f:.3g} (ties in the statistic); n >= {n + 1} needed at least, "
                    f"no MDE" for f in floor[tied]]
    return reason


def _by_permutation(est, spec, samples, swap, paired, rng, n_resamples):
    """Medians: BCa interval at the expanded level and the permutation test of the shifted data."""
    n = min(s.shape[-1] for s in samples)
    level = 1 - 2 * expanded_alpha(spec.alpha, n)
    theta, low, high, se, why = _interval(est, samples, paired, level, rng, n_resamples)
    a, b = samples if len(samples) == 2 else (samples[0], None)
    p_gt, p_lt, floor = _pvalues(est, _shifted(est, a, b, swap, spec.null), spec.design, rng, n_resamples)
    no_interval = np.isnan(low)
    nan = partial(np.where, no_interval, np.nan)
    return theta, low, high, se, nan(p_gt), nan(p_lt), why, floor


def _binomial_batch(spec: ClaimSpec, x: np.ndarray) -> BatchResult:
    """Shares of 0/1 outcomes: the exact binomial test, row by row."""
    out, mde = binomial_rows(x, spec.null, spec.alternative, spec.confidence_level, spec.alpha)
    n = x.shape[-1]
    unattained, need = unattainable("binomial", "one-sample", n, n, 0, spec.alpha, spec.null)
    p_claimed, p_other = ((out["p_gt"], out["p_lt"]) if spec.alternative == "greater"
                          else (out["p_lt"], out["p_gt"]))
    verdict = _verdicts(out["low"], out["high"], p_claimed, p_other, spec.null, spec.alternative,
                        spec.alpha)
    method = "exact binomial test, Clopper-Pearson interval"
    return BatchResult(
        estimate=out["estimate"], ci_low=out["low"], ci_high=out["high"], p_value=p_claimed,
        verdict=np.where(unattained != "", "inconclusive", verdict),
        ci_method=_method_labels(method, np.full(len(x), "", dtype=object), unattained),
        mde=mde if not unattained else np.full(len(x), np.nan), n=n, n_resamples=0, n_needed=need)


def decide_batch(spec: ClaimSpec, x, y=None, *, rng: np.random.Generator,
                 n_resamples: int = 1999) -> BatchResult:
    """Decide the claim for every row of the 2-D arrays x (and y) at once.

    Raises ValueError for invalid input and NumericalError where a statistic overflows.
    """
    est, x, y = _checked(spec, x, y, batched=True)
    if est.test == "binomial":
        return _binomial_batch(spec, x)
    paired = spec.design == "paired"
    a, b, swap = (x, None, np.zeros(len(x), bool)) if y is None else _orient(x, y, paired)
    samples = (a,) if b is None else (a, b)
    null_t = est.to_test_scale(spec.null)
    if est.test == "studentized":
        theta, low, high, se, p_gt, p_lt, why = studentized(
            est, samples, paired, np.where(swap, -null_t, null_t), spec.confidence_level, rng,
            n_resamples, BATCH, _rng_kwargs(stats.bootstrap, rng))
        floor = np.zeros(len(theta))
    else:
        theta, low, high, se, p_gt, p_lt, why, floor = _by_permutation(est, spec, samples, swap,
                                                                        paired, rng, n_resamples)
    # back from the canonical orientation: swapping the samples negates everything
    theta, low, high = np.where(swap, -theta, theta), np.where(swap, -high, low), np.where(swap, -low, high)
    p_gt, p_lt = np.where(swap, p_lt, p_gt), np.where(swap, p_gt, p_lt)
    sign = 1.0 if spec.alternative == "greater" else -1.0
    p_claimed, p_other = (p_gt, p_lt) if sign > 0 else (p_lt, p_gt)
    n, m = samples[0].shape[-1], samples[-1].shape[-1]
    structural, need = unattainable(est.test, spec.design, n, m, n_resamples, spec.alpha)
    unattained = _floor_reasons(floor, spec.alpha, min(n, m), structural)
    need = need or (min(n, m) + 1 if np.any(unattained != "") else 0)
    verdict = _verdicts(low, high, p_claimed, p_other, null_t, spec.alternative, spec.alpha)
    mde = null_t + sign * _mde_multiplier(spec.alpha, min(n, m)) * se
    no_mde = np.isnan(low) | (unattained != "")
    return BatchResult(
        estimate=est.from_test_scale(theta), ci_low=est.from_test_scale(low),
        ci_high=est.from_test_scale(high), p_value=p_claimed,
        verdict=np.where(unattained != "", "inconclusive", verdict),
        ci_method=_method_labels("bootstrap-t" if est.test == "studentized" else "BCa", why, unattained),
        mde=np.where(no_mde, np.nan, est.from_test_scale(mde)), n=min(n, m),
        n_resamples=n_resamples, n_needed=need,
    )


def decide(spec: ClaimSpec, x, y=None, *, rng: np.random.Generator, n_resamples: int = 1999) -> TestResult:
    """Decide one claim from its samples: interval, one-sided p-value, verdict and MDE."""
    x = _as_rows("x", x, batched=False)[0]
    y = None if y is None else _as_rows("y", y, batched=False)[0]
    return decide_batch(spec, x[None], None if y is None else y[None], rng=rng,
                        n_resamples=n_resamples).result(0)
