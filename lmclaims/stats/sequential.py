"""Group-sequential sample sizes: look at a claim's data K times, stop as soon as it is decided.

The plan, declared in the spec before any data (`ClaimSpec.looks`): fractions
t_1 < ... < t_K = 1 of the planned n (the profile's budget), looks at n_k = ceil(t_k n).
Look k is decided, with the claim's own test (`decide`), at the one-sided level

    L_k = L (f(t_k) - f(t_{k-1})),   f(t) = t ** RHO,   f(t_0) = 0,

where L is the claim's level under the run's budget (`budget.decision_level`) and t_k = n_k / n
the information actually planned. f is the power family of alpha-spending functions (Kim &
DeMets 1987, Biometrika 74(1), 149-154; Lan & DeMets 1983, Biometrika 70(3), 659-663, for
spending functions in general; Jennison & Turnbull 2000, Group Sequential Methods, 7.2.1).
RHO = 2 lies between Pocock's shape (RHO = 1, much level early) and O'Brien-Fleming's (about
3, almost none early): with two looks at n/2 and n, 1/4 of L at the first and 3/4 at the last,
so the last look's MDE is about 2-4% larger than a single look's at L, and a large effect
stops at n/2.

The looks are combined by Bonferroni's inequality, not by the joint normal distribution of the
statistics that Lan-DeMets boundaries are computed from:

    P(false "holds" at any look) <= sum_k P(false "holds" at look k) <= sum_k L_k = L,

and likewise for "contradicted", whatever the dependence between looks (nested samples are
strongly dependent) and whatever the test at each look (exact sign and binomial tests,
bootstrap-t, percentile bootstrap), as long as each is valid at its own level. This gives up
the little the correlation between looks would return to the last look, in exchange for no
normal approximation, which these tests do not need elsewhere either. The same union bound
makes the intervals at all looks cover the truth simultaneously with probability >= 1 - 2L
(repeated confidence intervals; Jennison & Turnbull 1989, JRSS B 51(3), 305-361), so the
interval reported where the claim stopped is valid whatever the stopping rule did.

Stopping: at the first look whose verdict is holds, equivalent or contradicted; otherwise the
last look's verdict stands (inconclusive, underpowered or n/a). The result is that look's:
estimate, interval and MDE at its n and level (the last look's where it ran to the end), with
`n_budget` = n, the looks taken and the level spent. The estimate at an early stop is biased
away from the null (it stopped because it was large); the verdict rests on the interval.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from lmclaims.errors import NumericalError

from .budget import decision_level
from .inference import BatchResult, decide, decide_batch
from .spec import ClaimSpec, TestResult, look_sizes

RHO = 2.0  # exponent of the spending function t ** RHO (module docstring)
HALVES = (0.5, 1.0)  # the default plan: a look at half the budget, then at all of it
STOPS = ("holds", "equivalent", "contradicted")  # decided: no further look


@dataclass(frozen=True)
class Look:
    """One planned look: the cumulative sample size and the one-sided level it is decided at."""

    n: int
    level: float


def looks(spec: ClaimSpec, level: float) -> list[Look]:
    """The spec's planned looks at total level `level` (one look at n where `spec.looks` is empty).

    Raises ValueError (one line) where the fractions are not increasing in (0, 1] ending at 1,
    or two looks round to the same n, or the first look has fewer than 3 units.
    """
    sizes = look_sizes(tuple(spec.looks) or (1.0,), spec.n)
    spent = [(m / spec.n) ** RHO for m in sizes]
    shares = np.diff([0.0, *spent[:-1], 1.0])
    return [Look(m, float(level * s)) for m, s in zip(sizes, shares)]


def _row(k: int, look: Look, res: TestResult) -> dict:
    return {"look": k + 1, "n": look.n, "level": look.level, "verdict": res.verdict,
            "estimate": res.estimate, "ci_low": res.ci_low, "ci_high": res.ci_high,
            "p_value": res.p_value}


def decide_sequential(spec: ClaimSpec, measure: Callable[[int, int], tuple], *, rng: np.random.Generator,
                      n_resamples: int = 1999, level: float | None = None) -> TestResult:
    """Decide a claim at its planned looks, measuring only as far as needed.

    measure(start, stop): the samples of units start..stop-1, a tuple (x,) or (x, y) of arrays of
    length stop - start (later calls continue where the last stopped). level: the total one-sided
    level, by default the current claim test's (`budget.decision_level`). Returns the stopping
    look's TestResult with n_budget, looks (one row per look taken) and level_spent.
    Raises ValueError where the looks are not a plan or `measure` returns the wrong length, and
    NumericalError where it returns NaN/inf.
    """
    total = decision_level(spec.alpha) if level is None else level
    plan, parts, taken, start = looks(spec, total), [], [], 0
    for k, look in enumerate(plan):
        got = measure(start, look.n)
        if not isinstance(got, tuple):
            raise ValueError(f"measure({start}, {look.n}) must return a tuple (x,) or (x, y) of arrays; "
                             f"got {type(got).__name__} (a bare array? return (x,))")
        chunk = tuple(np.atleast_1d(np.asarray(a, dtype=float)) for a in got)
        if len(chunk) not in (1, 2) or any(len(a) != look.n - start for a in chunk):
            raise ValueError(f"measure({start}, {look.n}) must return (x,) or (x, y) of "
                             f"{look.n - start} values each; got lengths {[len(a) for a in chunk]}")
        bad = sum(int(np.count_nonzero(~np.isfinite(a))) for a in chunk)
        if bad:
            raise NumericalError(f"measure({start}, {look.n}) returned {bad} NaN/inf values of "
                                 f"{sum(a.size for a in chunk)} (overflow in the measurement?)")
        parts.append(chunk)
        start = look.n
        x, *y = (np.concatenate(s) for s in zip(*parts))
        res = decide(spec, x, y[0] if y else None, rng=rng, n_resamples=n_resamples, level=look.level)
        taken.append(_row(k, look, res))
        if res.verdict in STOPS:
            break
    return replace(res, n_budget=spec.n, looks=tuple(taken),
                   level_spent=float(sum(row["level"] for row in taken)))


@dataclass(frozen=True)
class SequentialBatch:
    """`decide_sequential` for every row of a batch: the stopping look's fields, as arrays."""

    verdict: np.ndarray
    estimate: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    p_value: np.ndarray
    mde: np.ndarray
    look: np.ndarray  # index of the stopping look (0-based)
    n_used: np.ndarray
    plan: list[Look]


FIELDS = ("verdict", "estimate", "ci_low", "ci_high", "p_value", "mde")


def decide_sequential_batch(spec: ClaimSpec, x, y=None, *, rng: np.random.Generator,
                            n_resamples: int = 1999, level: float | None = None) -> SequentialBatch:
    """Each row of the 2-D arrays (n = spec.n columns, in the order units arrive) decided as
    `decide_sequential` decides one dataset: look k sees the first n_k columns, and a row stops
    at its first decided look (the calibration tests' path). ValueError where x has not n columns."""
    x = np.asarray(x, dtype=float)
    y = None if y is None else np.asarray(y, dtype=float)
    if x.ndim != 2 or x.shape[1] != spec.n or (y is not None and y.shape[1] != spec.n):
        raise ValueError(f"x (and y) must be 2-D with n={spec.n} columns, got {x.shape}")
    total = decision_level(spec.alpha) if level is None else level
    plan = looks(spec, total)
    out = {f: np.empty(len(x), dtype=object if f == "verdict" else float) for f in FIELDS}
    look = np.full(len(x), len(plan) - 1)
    active = np.arange(len(x))
    for k, planned in enumerate(plan):
        res: BatchResult = decide_batch(spec, x[active, :planned.n],
                                        None if y is None else y[active, :planned.n], rng=rng,
                                        n_resamples=n_resamples, level=planned.level)
        stop = np.isin(res.verdict, STOPS) | (k == len(plan) - 1)
        for f in FIELDS:
            out[f][active[stop]] = getattr(res, f)[stop]
        look[active[stop]] = k
        active = active[~stop]
        if not len(active):
            break
    sizes = np.array([p.n for p in plan])
    return SequentialBatch(**out, look=look, n_used=sizes[look], plan=plan)
