"""Decide a claim: interval, one-sided p-value, verdict and MDE, each at the decision level.

Each estimator x design has a test whose null is the claim's own null, and an interval that
is that test inverted, both at the level L the verdict is decided at (`budget.decision_level`:
alpha times the claim's share of the run's error budget), so interval, p-value and verdict
never disagree about what was shown:

- means, differences and ratios of means: bootstrap-t (studentized.py), null "the mean
  equals the null";
- paired ratios of medians: median of the per-pair log ratios with the exact sign test and
  its order-statistic interval (signtest.py), null "the median per-pair ratio is the null";
- unpaired ratios of medians: the bootstrap percentile test and interval, one inversion
  (percentile.py), null "the ratio of the two medians is the null", whatever the spreads;
- shares of 0/1 outcomes: the exact binomial test with Clopper-Pearson (exact.py).

Verdicts (verdicts.py): holds / contradicted at L on either side (both kinds of error come out
of the same budget), equivalent for a declared margin (TOST), underpowered where a declared
reference effect lies below the MDE at L, n/a past a declared censored share (censoring.py).
Where the data have no spread the record has no interval and says why; where L is
unattainable at this n, it says so and names the n needed; where a statistic overflows,
NumericalError. Bootstrap resamples are raised where the profile's are too few for L
(validity.enough_resamples), and the record says so.

`decide_batch` does the work for many datasets at once (rows of 2-D arrays), which is what
the calibration tests use; `decide` is the same code on one dataset. Two samples are put in
a canonical orientation (decided from the sorted values, not their order) and the result is
negated back, so swapping x and y exactly swaps "holds" and "contradicted".
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

from . import verdicts as V
from .budget import decision_level
from .censoring import censoring_masks, too_censored
from .estimators import ESTIMATORS
from .exact import binomial_rows
from .orientation import orient as _orient
from .percentile import percentile_test
from .signtest import sign_test
from .spec import ClaimSpec, TestResult
from .studentized import studentized
from .tested import Tested, flipped
from .validity import enough_resamples, expanded_alpha, resampled_floor, unattainable

POWER = 0.8  # power at which the minimum detectable effect is reported
EQUIVALENCE_POWER = 0.9  # per side of TOST, so that both sides together have about POWER
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
    n_needed: np.ndarray | int = 0  # per row: n reaching the level, or the reference effect's
    level: float = float("nan")
    reference_effect: float = float("nan")

    def result(self, i: int) -> TestResult:
        """The TestResult of row i."""
        need = int(np.broadcast_to(self.n_needed, self.verdict.shape)[i])
        return TestResult(
            float(self.estimate[i]), float(self.ci_low[i]), float(self.ci_high[i]),
            float(self.p_value[i]), self.n, str(self.verdict[i]), str(self.ci_method[i]),
            float(self.mde[i]), self.n_resamples, need, level=self.level,
            reference_effect=self.reference_effect,
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
    if spec.alternative == "equivalent":
        spec.region(est.log_scale)  # ValueError without a usable margin
        if est.test == "binomial":
            raise ValueError("estimator 'share' has no equivalence test")
    x = _as_rows("x", x, batched)
    y = None if y is None else _as_rows("y", y, batched)
    if y is not None and spec.design == "paired" and x.shape != y.shape:
        raise ValueError(f"paired samples must have equal shapes: x {x.shape}, y {y.shape}")
    if y is not None and len(x) != len(y):
        raise ValueError(f"x and y must hold the same number of datasets: {len(x)} vs {len(y)}")
    if est.log_scale and (spec.null <= 0 or x.min() < 0 or y.min() < 0):
        raise ValueError(f"{est.name} needs non-negative data and a positive null (a ratio)")
    return est, x, y


@contextmanager
def _quiet():
    """Silence SciPy's degenerate-data warnings: degeneracy is detected per row instead."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        yield



def _binomial(spec: ClaimSpec, x: np.ndarray, level: float) -> Tested:
    """Shares of 0/1 outcomes: the exact binomial test with its Clopper-Pearson interval."""
    out, mde = binomial_rows(x, spec.null, spec.alternative, 1 - 2 * level, level)
    n = x.shape[-1]
    unattained, need = unattainable("binomial", "one-sample", n, n, 0, level, spec.null)
    p = {"greater": out["p_gt"], "less": out["p_lt"]}

    def p_at(point):  # only the null: shares have no equivalence test
        return p["greater"], p["less"]

    return Tested(out["estimate"], out["low"], out["high"], p_at, np.abs(mde - spec.null),
                  np.full(len(x), "", dtype=object), "exact binomial test, Clopper-Pearson interval",
                  n, 0, unattained, need)


def _resampled(est, spec, samples, level, power, rng, n_resamples) -> Tested:
    """Bootstrap methods, in canonical orientation and mapped back."""
    paired = spec.design == "paired"
    a, b, swap = (samples[0], None, np.zeros(len(samples[0]), bool)) if len(samples) == 1 \
        else _orient(*samples, paired)
    canon = (a,) if b is None else (a, b)
    n = min(s.shape[-1] for s in canon)
    tail = level if est.test == "studentized" else expanded_alpha(level, n)
    used, note = enough_resamples(n_resamples, tail)
    kw = dict(rng=rng, n_resamples=used, batch=BATCH, rng_kwargs=_rng_kwargs(stats.bootstrap, rng))
    with _quiet():
        if est.test == "studentized":
            t = studentized(est, canon, paired, level, power, **kw)
        else:
            t = percentile_test(canon, level, power, **kw)
    t.notes += [note] if note else []
    if est.test != "studentized":
        t.unattained, t.n_needed = resampled_floor(level, tail, used, n, lambda m: expanded_alpha(level, m))
    return flipped(t, swap)


def _tested(est, spec, x, y, level, rng, n_resamples, masks) -> Tested:
    """The estimator x design's own test (module docstring), at one-sided level `level`."""
    power = EQUIVALENCE_POWER if spec.alternative == "equivalent" else POWER
    if est.test == "binomial":
        return _binomial(spec, x, level)
    if est.test == "median" and spec.design == "paired":
        return sign_test(x, y, level, power, spec.alternative, masks)
    return _resampled(est, spec, (x,) if y is None else (x, y), level, power, rng, n_resamples)


def _labels(t: Tested, extra: np.ndarray) -> np.ndarray:
    """Per row: the method, then why it degenerates, the level is out of reach, or notes."""
    unattained = np.broadcast_to(np.asarray(t.unattained, dtype=object), t.why.shape)
    return np.array(["; ".join(filter(None, (t.method, w, u, *t.notes, e)))
                     for w, u, e in zip(t.why, unattained, extra)], dtype=object)


def decide_batch(spec: ClaimSpec, x, y=None, *, rng: np.random.Generator, n_resamples: int = 1999,
                 level: float | None = None, censored=None) -> BatchResult:
    """Decide the claim for every row of the 2-D arrays x (and y) at once.

    level: the one-sided decision level; by default the spec's alpha times the current claim
    test's share of the run's error budget (`budget.decision_level`). censored: boolean masks
    like x (and y), for medians: values censored at the end of a sweep (censoring.py).
    Raises ValueError for invalid input and NumericalError where a statistic overflows.
    """
    est, x, y = _checked(spec, x, y, batched=True)
    level = decision_level(spec.alpha) if level is None else level
    masks, na = None, np.full(len(x), "", dtype=object)
    if censored is not None:
        if est.test != "median":
            raise ValueError(f"censored data need a median; estimator {est.name!r} cannot take them")
        masks = censoring_masks(censored, x, y)
        na = too_censored(masks, spec.max_censored)
    t = _tested(est, spec, x, y, level, rng, n_resamples, masks)
    null_t = est.to_test_scale(spec.null)
    if spec.alternative == "equivalent":
        verdict, p = V.equivalence(t, est, spec, level)
    else:
        verdict, p = V.one_sided(t, null_t, spec.alternative, level)
    verdict, need = V.underpowered(verdict, t, est, spec)
    unattained = np.broadcast_to(np.asarray(t.unattained, dtype=object), verdict.shape) != ""
    verdict = np.where(na != "", "n/a", np.where(unattained, "inconclusive", verdict))
    no_mde = np.isnan(t.low) | unattained | (na != "")
    return BatchResult(
        estimate=est.from_test_scale(t.theta), ci_low=est.from_test_scale(t.low),
        ci_high=est.from_test_scale(t.high), p_value=np.where(na != "", np.nan, p),
        verdict=verdict, ci_method=_labels(t, na),
        mde=np.where(no_mde, np.nan, V.mde_value(t, est, spec)), n=t.n,
        n_resamples=t.n_resamples, n_needed=np.where(unattained, t.n_needed, need), level=level,
        reference_effect=math.nan if spec.reference_effect is None else float(spec.reference_effect))


def decide(spec: ClaimSpec, x, y=None, *, rng: np.random.Generator, n_resamples: int = 1999,
           level: float | None = None, censored=None) -> TestResult:
    """Decide one claim from its samples: interval, p-value, verdict and MDE at the decision level.

    For "equivalent" claims (`ClaimSpec(alternative="equivalent", margin=...)`) the verdict is
    "equivalent" where two one-sided tests at the level put the statistic inside the declared
    region (p = the larger of the two). See `decide_batch` for `level` and `censored`.
    """
    x = _as_rows("x", x, batched=False)[0]
    y = None if y is None else _as_rows("y", y, batched=False)[0]
    if censored is not None:
        censored = tuple(np.asarray(c, bool)[None] for c in
                         (censored if isinstance(censored, tuple) else (censored,)))
    return decide_batch(spec, x[None], None if y is None else y[None], rng=rng,
                        n_resamples=n_resamples, level=level, censored=censored).result(0)
