"""Property tests of lmclaims.stats.decide: symmetries and robustness that hold for any data.

The swap property holds exactly, not approximately, by construction: decide() puts two
samples in a canonical orientation decided from their sorted values and negates the
result back (see lmclaims/stats/inference.py), so swapping feeds SciPy the same arrays.
Reordering the observations changes which observations the bootstrap draws, so there
only the estimate is exact; verdicts agree on clear effects and intervals stay close
(within Monte Carlo error).
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from lmclaims.stats import ESTIMATORS, ClaimSpec, decide

RESAMPLES = 499  # fewer than the default: the properties hold for any number of resamples
FLIP = {"holds": "contradicted", "contradicted": "holds", "inconclusive": "inconclusive"}
TWO_SAMPLE = ["mean_difference", "ratio_of_medians", "ratio_of_means"]


def simulate(estimator: str, kind: str, nx: int, ny: int, effect: float, paired: bool, seed: int):
    """Samples with a known effect: continuous (normal / lognormal) or integer-valued (tied)."""
    g = np.random.default_rng(seed)
    if kind == "integer":
        low = 1 if ESTIMATORS[estimator].log_scale else -2
        shift = round(2 * effect)
        x = np.maximum(g.integers(low, low + 5, nx) + shift, low)
        return x.astype(float), g.integers(low, low + 5, ny).astype(float)
    shared = g.normal(0, 1, nx) if paired else 0.0
    x, y = shared + effect + g.normal(0, 0.7, nx), shared + g.normal(0, 0.7, ny)
    return (np.exp(x), np.exp(y)) if ESTIMATORS[estimator].log_scale else (x, y)


@st.composite
def cases(draw, kinds=("continuous", "integer"), estimators=tuple(TWO_SAMPLE), one_sample=False,
          effects=(0.0, 0.2, -0.2, 0.5, -0.5, 1.5, -1.5), min_n=5):
    """A ClaimSpec with null at 'no effect', its two samples (or one), and a seed."""
    estimator = draw(st.sampled_from(estimators + (("mean",) if one_sample else ())))
    design = "one-sample" if estimator == "mean" else draw(st.sampled_from(["paired", "unpaired"]))
    nx = draw(st.integers(min_n, 40))
    ny = nx if design != "unpaired" else draw(st.integers(min_n, 40))
    effect = draw(st.sampled_from(effects))
    seed = draw(st.integers(0, 2**32 - 1))
    x, y = simulate(estimator, draw(st.sampled_from(kinds)), nx, ny, effect, design == "paired", seed)
    null = 1.0 if ESTIMATORS[estimator].log_scale else 0.0
    spec = ClaimSpec("property", estimator, design, null, draw(st.sampled_from(["greater", "less"])), nx)
    return spec, x, None if design == "one-sample" else y, seed


def run(spec, x, y, seed):
    """decide() with a fresh generator seeded with `seed`."""
    return decide(spec, x, y, rng=np.random.default_rng(seed), n_resamples=RESAMPLES)


def swap_symmetric(spec, x, y) -> bool:
    """Whether swapping x and y gives back the same data (as a multiset of values or pairs)."""
    if spec.design == "paired":
        return sorted(zip(x, y)) == sorted(zip(y, x))
    return sorted(x) == sorted(y)


@given(cases())
def test_swapping_the_samples_flips_the_verdict(case):
    spec, x, y, seed = case
    one, two = run(spec, x, y, seed), run(spec, y, x, seed)
    assert two.verdict == FLIP[one.verdict]
    if math.isnan(one.p_value):  # untestable (no spread): untestable both ways, said why
        assert math.isnan(two.p_value) and two.ci_method == one.ci_method
        return
    assert one.p_value + two.p_value >= 1.0  # the two one-sided tails of one null distribution
    if swap_symmetric(spec, x, y):  # the same data both ways: nothing to mirror
        return
    assert two.ci_method == one.ci_method
    if ESTIMATORS[spec.estimator].log_scale:
        np.testing.assert_allclose([two.estimate, two.ci_low, two.ci_high],
                                   [1 / one.estimate, 1 / one.ci_high, 1 / one.ci_low], rtol=1e-12)
    else:  # exact: the test-scale results are negated, not recomputed
        assert (two.estimate, two.ci_low, two.ci_high) == (-one.estimate, -one.ci_high, -one.ci_low)


@given(cases(kinds=("continuous",), estimators=("ratio_of_medians", "ratio_of_means")),
       st.floats(1e-3, 1e3))
def test_rescaling_both_samples_leaves_a_ratio_unchanged(case, c):
    spec, x, y, seed = case
    one, two = run(spec, x, y, seed), run(spec, c * x, c * y, seed)
    assert (two.verdict, two.ci_method) == (one.verdict, one.ci_method)
    np.testing.assert_allclose([two.estimate, two.ci_low, two.ci_high, two.mde, two.p_value],
                               [one.estimate, one.ci_low, one.ci_high, one.mde, one.p_value], rtol=1e-9)


@given(cases(kinds=("continuous",), one_sample=True, effects=(1.5, -1.5), min_n=30),
       st.integers(0, 2**32 - 1))
def test_the_order_of_the_observations_does_not_matter(case, order_seed):
    spec, x, y, seed = case
    g = np.random.default_rng(order_seed)
    order = g.permutation(len(x))
    if y is None:
        shuffled = None
    else:  # paired: the same permutation keeps the pairs together
        shuffled = y[order] if spec.design == "paired" else y[g.permutation(len(y))]
    one = decide(spec, x, y, rng=np.random.default_rng(seed))  # default resamples: less noise
    two = decide(spec, x[order], shuffled, rng=np.random.default_rng(seed))
    assert two.estimate == one.estimate  # statistics sum and select in sorted order
    assert two.verdict == one.verdict  # clear effects: far from the decision boundary
    scale = ESTIMATORS[spec.estimator].to_test_scale
    ends = np.array([[one.ci_low, one.ci_high], [two.ci_low, two.ci_high]])
    width = scale(one.ci_high) - scale(one.ci_low)
    # other draws, same distribution: BCa ends of a median at n ~ 30 move by up to a third of the
    # width between draws (measured), those of means by a few percent
    assert np.all(np.abs(scale(ends[1]) - scale(ends[0])) < 0.5 * width)


@given(cases(one_sample=True))
def test_the_same_seed_gives_the_same_result(case):
    spec, x, y, seed = case
    assert repr(run(spec, x, y, seed)) == repr(run(spec, x, y, seed))  # NaN where no interval


@given(st.data())
def test_integer_or_tied_data_never_give_nan(data):
    estimator = data.draw(st.sampled_from(TWO_SAMPLE + ["mean"]))
    design = "one-sample" if estimator == "mean" else data.draw(st.sampled_from(["paired", "unpaired"]))
    low = 1 if ESTIMATORS[estimator].log_scale else -2
    values = st.integers(low, low + data.draw(st.integers(0, 4)))
    nx = data.draw(st.integers(3, 30))
    ny = nx if design != "unpaired" else data.draw(st.integers(3, 30))
    x = np.array(data.draw(st.lists(values, min_size=nx, max_size=nx)), dtype=float)
    y = np.array(data.draw(st.lists(values, min_size=ny, max_size=ny)), dtype=float)
    null = 1.0 if ESTIMATORS[estimator].log_scale else float(data.draw(values))
    spec = ClaimSpec("ties", estimator, design, null, data.draw(st.sampled_from(["greater", "less"])), nx)
    res = run(spec, x, None if design == "one-sample" else y, data.draw(st.integers(0, 2**32 - 1)))
    assert res.verdict in FLIP and math.isfinite(res.estimate)
    untestable = ("no interval", "no spread", "have no spread", "unattainable")
    if any(why in res.ci_method for why in untestable):  # said why, and no verdict but inconclusive
        assert res.verdict == "inconclusive"
        return
    numbers = [res.estimate, res.ci_low, res.ci_high, res.p_value]
    numbers += [] if "no MDE" in res.ci_method else [res.mde]  # ties where the power is read: said why
    assert all(math.isfinite(v) for v in numbers), res
    assert res.ci_low <= res.ci_high and 0 < res.p_value <= 1
    assert res.ci_method.startswith(("bootstrap-t", "sign test", "bootstrap percentile test"))
