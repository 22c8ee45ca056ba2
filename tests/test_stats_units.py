"""Unit tests of lmclaims.stats: known cases, input errors, Holm, final verdicts."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from scipy import special, stats

from lmclaims.stats import ESTIMATORS, ClaimSpec, decide, final_verdict, holm
from lmclaims.stats.inference import decide_batch
from lmclaims.stats.validity import tail_pvalues


def spec(estimator="ratio_of_medians", design="paired", null=1.0, alternative="greater", n=64):
    """A ClaimSpec with defaults suited to these tests."""
    return ClaimSpec("test statistic", estimator, design, null, alternative, n)


def lognormal_pair(seed, n=64, log_ratio=0.0, sigma=0.5):
    """Paired positive samples whose medians differ by exp(log_ratio)."""
    rng = np.random.default_rng(seed)
    base = rng.lognormal(0.0, 1.0, n)
    return base * np.exp(log_ratio + sigma * rng.normal(size=n)), base * np.exp(sigma * rng.normal(size=n))


def rng(seed=0):
    return np.random.default_rng(seed)


@pytest.mark.parametrize("design", ["paired", "unpaired"])
@pytest.mark.parametrize("alternative", ["greater", "less"])
def test_clear_effect_holds_and_its_opposite_is_contradicted(design, alternative):
    shift = 0.6 if alternative == "greater" else -0.6
    if design == "paired":
        x, y = lognormal_pair(1, log_ratio=shift, sigma=0.3)
    else:
        x, y = rng(2).lognormal(shift, 0.3, 64), rng(3).lognormal(0.0, 0.3, 50)
    claim = spec(design=design, alternative=alternative)
    assert decide(claim, x, y, rng=rng()).verdict == "holds"
    assert decide(claim, y, x, rng=rng()).verdict == "contradicted"


def test_no_effect_is_inconclusive():
    x, y = lognormal_pair(4, log_ratio=0.0)
    res = decide(spec(), x, y, rng=rng())
    assert res.verdict == "inconclusive"
    assert res.ci_low < 1.0 < res.ci_high and res.p_value > 0.025


def test_result_fields_are_consistent():
    """Paired: the median per-pair ratio with the exact sign test (no resamples); unpaired: the
    ratio of the two medians with the bootstrap percentile test; both at the level decided."""
    x, y = lognormal_pair(5, log_ratio=0.3)
    res = decide(spec(), x, y, rng=rng(), n_resamples=999)
    assert res.estimate == pytest.approx(np.exp(np.median(np.log(x / y))), rel=1e-12)
    assert res.ci_low < res.estimate < res.ci_high and res.ci_method.startswith("sign test")
    assert res.n == 64 and res.n_resamples == 0 and 0 < res.p_value <= 1 and res.level == 0.025
    res = decide(spec(design="unpaired"), x, y, rng=rng(), n_resamples=999)
    assert res.estimate == pytest.approx(np.median(x) / np.median(y), rel=1e-12)
    assert res.ci_low < res.estimate < res.ci_high and res.ci_method.startswith("bootstrap percentile")
    assert res.n == 64 and res.n_resamples == 999 and 0 < res.p_value <= 1


def test_margin_null_shifts_the_permutation_test():
    d = rng(6).normal(1.5, 0.5, 64)
    margin = spec("mean_difference", null=1.0)
    assert decide(margin, d + 10, np.full(64, 10.0), rng=rng()).verdict == "holds"
    assert decide(margin, d - 0.5 + 10, np.full(64, 10.0), rng=rng()).verdict == "inconclusive"


def test_one_sample_mean_with_less_alternative():
    x = rng(7).normal(0.2, 0.3, 50)
    assert decide(spec("mean", "one-sample", 0.5, "less"), x, rng=rng()).verdict == "holds"
    assert decide(spec("mean", "one-sample", 0.5, "greater"), x, rng=rng()).verdict == "contradicted"


def test_constant_differences_have_no_interval_and_no_verdict():
    """Pairs differing by exactly 1: no spread, so no standard error, no interval, no p, no MDE."""
    res = decide(spec("mean_difference", null=0.0), np.full(20, 3.0), np.full(20, 2.0), rng=rng())
    assert "no spread" in res.ci_method and res.verdict == "inconclusive" and res.estimate == 1.0
    assert np.isnan([res.ci_low, res.ci_high, res.p_value, res.mde]).all()


@pytest.mark.parametrize("design", ["paired", "unpaired"])
def test_heavily_tied_integers_give_finite_numbers(design):
    x, y = rng(8).integers(1, 6, (2, 60)).astype(float)
    res = decide(spec(design=design), x, y, rng=rng())
    assert np.isfinite([res.estimate, res.ci_low, res.ci_high, res.p_value, res.mde]).all()


def test_a_median_that_cannot_move_has_no_interval():
    """500 integers in 1..5 per sample: every resample has the same medians, so no interval."""
    x, y = rng(8).integers(1, 6, (2, 500)).astype(float)
    res = decide(spec(design="unpaired"), x, y, rng=rng())
    assert "; no interval: every bootstrap replicate equals the estimate" in res.ci_method
    assert res.verdict == "inconclusive" and np.isnan([res.ci_low, res.ci_high, res.p_value]).all()


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_values_are_rejected(bad):
    x, y = lognormal_pair(9)
    y[3] = bad
    with pytest.raises(ValueError, match=r"y contains NaN/inf \(1 of 64"):
        decide(spec(), x, y, rng=rng())


@pytest.mark.parametrize(
    ("kwargs", "x", "y", "message"),
    [
        ({}, [], [], "x has 0 values; at least 3"),
        ({}, [1.0, 2.0], [1.0, 2.0], "at least 3"),
        ({}, [1.0, 2.0, 3.0], [1.0, 2.0, 3.0, 4.0], "equal shapes"),
        ({}, [1.0, -1.0, 3.0], [1.0, 2.0, 3.0], "non-negative data"),
        ({"design": "unpaired"}, [1.0, 2.0, 3.0], [-1.0, -2.0, -3.0], "non-negative data"),
        ({"alternative": "equivalent"}, [1.0, 2.0, 3.0], [1.0, 2.0, 3.0], "needs margin"),
        ({"estimator": "mean"}, [1.0, 2.0, 3.0], [1.0, 2.0, 3.0], "does not fit design"),
        ({"estimator": "median"}, [1.0, 2.0, 3.0], [1.0, 2.0, 3.0], "unknown estimator"),
        ({}, [1.0, 2.0, 3.0], None, "needs both x and y"),
        ({}, [[1.0, 2.0, 3.0]], [[1.0, 2.0, 3.0]], "must be 1-D"),
    ],
)
def test_invalid_input_raises_a_clear_error(kwargs, x, y, message):
    with pytest.raises(ValueError, match=message):
        decide(spec(**kwargs), x, y, rng=rng())


def test_mde_is_k_standard_errors_from_the_null():
    x, y = lognormal_pair(10)
    k = special.stdtrit(63, 0.975) + special.stdtrit(63, 0.8)  # Student quantiles, n - 1 df
    for alternative, sign in [("greater", 1), ("less", -1)]:
        res = decide(spec(alternative=alternative), x, y, rng=rng())
        boot = stats.bootstrap((np.log(x / y),), np.median, n_resamples=1999, rng=rng(1))
        se_log = sign * math.log(res.mde) / k  # recovers the log-scale standard error
        assert 0.5 * boot.standard_error < se_log < 2 * boot.standard_error
    d = rng(11).normal(0, 2.0, 100)
    res = decide(spec("mean_difference", null=1.0), d, np.zeros(100), rng=rng())
    assert res.ci_method == "bootstrap-t"
    k = special.stdtrit(99, 0.975) + special.stdtrit(99, 0.8)
    assert res.mde - 1.0 == pytest.approx(k * d.std() / 10, rel=0.1)  # bootstrap se ~ sd / sqrt(n)


@pytest.mark.parametrize("n", [6, 30])
@pytest.mark.parametrize("alternative", ["greater", "less"])
def test_tail_pvalues_count_like_scipy(n, alternative):
    x = rng(12).normal(0.3, 1, n)
    res = stats.permutation_test((x,), np.mean, permutation_type="samples", n_resamples=999,
                                 alternative=alternative, rng=rng(13))
    greater, less = tail_pvalues(res.null_distribution, res.statistic, exact=2**n <= 999)
    assert (greater if alternative == "greater" else less) == res.pvalue


def test_batch_rows_agree_with_single_decisions():
    x = rng(14).lognormal(0.2, 1, (6, 40))
    y = rng(15).lognormal(0, 1, (6, 30))
    batch = decide_batch(spec(design="unpaired"), x, y, rng=rng(16), n_resamples=499)
    for i in range(6):
        one = decide(spec(design="unpaired"), x[i], y[i], rng=rng(16), n_resamples=499)
        row = batch.result(i)
        assert (one.verdict, one.ci_method, one.p_value) == (row.verdict, row.ci_method, row.p_value)
        np.testing.assert_allclose([one.estimate, one.ci_low, one.ci_high, one.mde],
                                   [row.estimate, row.ci_low, row.ci_high, row.mde], rtol=1e-12)


def test_estimators_in_natural_units():
    x, y = lognormal_pair(17, n=33)
    assert ESTIMATORS["ratio_of_medians"](x, y) == pytest.approx(np.median(x) / np.median(y))
    assert ESTIMATORS["ratio_of_means"](x, y, paired=True) == pytest.approx(x.mean() / y.mean())
    assert ESTIMATORS["mean_difference"](x, y[:20]) == pytest.approx(x.mean() - y[:20].mean())
    assert ESTIMATORS["mean"](x) == pytest.approx(x.mean())
    z = rng(18).normal(size=(3, 7, 10))
    for axis in range(3):
        assert np.array_equal(ESTIMATORS["ratio_of_medians"].paired_stat(np.exp(z), np.ones_like(z), axis=axis),
                              np.log(np.median(np.exp(z), axis=axis)))


def test_decide_is_fast_enough():
    x, y = lognormal_pair(19, n=100)
    start = time.perf_counter()
    decide(spec(), x, y, rng=rng())
    elapsed = time.perf_counter() - start
    print(f"decide(): paired ratio of medians, n=100, 1999 resamples: {elapsed:.3f} s")
    assert elapsed < 1.0


def test_holm_against_hand_computed_values():
    # sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04 -> running max
    assert holm([0.01, None, 0.04, 0.03, 0.005]) == pytest.approx([0.03, None, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.6]) == [1.0, 1.0]
    assert holm([0.02, 0.02, 0.9]) == pytest.approx([0.06, 0.06, 0.9])
    assert holm([None, None]) == [None, None] and holm([]) == []
    assert holm([0.3]) == [0.3]


@pytest.mark.parametrize("bad", [math.nan, -0.1, 1.5])
def test_holm_rejects_invalid_pvalues(bad):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        holm([0.01, bad])


def test_final_verdict_demotes_holds_that_do_not_survive_holm():
    verdict, note = final_verdict("holds", 0.04, 0.025, p_raw=0.01)
    assert verdict == "inconclusive"
    assert note == "holds before Holm adjustment (p=0.01, adjusted 0.04 > alpha 0.025)"
    assert final_verdict("holds", 0.02, 0.025) == ("holds", "")
    assert final_verdict("holds", 0.025, 0.025) == ("holds", "")
    for raw in ["contradicted", "inconclusive", "error", "n/a"]:
        assert final_verdict(raw, 0.9, 0.025) == (raw, "")
    assert final_verdict("holds", None, 0.025) == ("holds", "")


def test_intersection_union_needs_every_part():
    """All parts hold -> holds with the largest p; any contradicted -> contradicted; else inconclusive."""
    from dataclasses import replace as _replace

    from lmclaims.stats import TestResult, intersection_union

    base = TestResult(2.0, 1.5, 2.5, 0.001, 10, "holds", "BCa", 1.2, 999)
    assert intersection_union(base, _replace(base, p_value=0.01)).p_value == 0.01
    assert intersection_union(base, _replace(base, verdict="inconclusive")).verdict == "inconclusive"
    assert intersection_union(base, _replace(base, verdict="contradicted")).verdict == "contradicted"
    assert intersection_union(base, base).verdict == "holds"
