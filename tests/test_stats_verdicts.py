"""The verdicts added by issue 12: equivalent (TOST), underpowered, n/a past a censored share,
zeros in ratio claims, the decision level from the run's budget, and interval/p agreement."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from lmclaims.stats import ClaimSpec, decide, decide_batch
from lmclaims.stats.budget import decision_level, entered

N = 48


def rng(seed=0):
    return np.random.default_rng(seed)


def spec(design="paired", alternative="greater", **kw):
    return ClaimSpec("sim", "ratio_of_medians", design, 1.0, alternative, N, **kw)


@pytest.mark.parametrize("design", ["paired", "unpaired"])
def test_a_ratio_near_one_is_equivalent_within_a_wide_margin_and_not_a_narrow_one(design):
    x = rng(1).lognormal(0, 0.3, N)
    y = x * rng(2).lognormal(0, 0.1, N) if design == "paired" else rng(2).lognormal(0, 0.3, N)
    wide = decide(spec(design, "equivalent", margin=2.0), x, y, rng=rng())
    narrow = decide(spec(design, "equivalent", margin=1.01), x, y, rng=rng())
    assert wide.verdict == "equivalent" and wide.p_value <= 0.025
    assert 0.5 < wide.ci_low and wide.ci_high < 2.0
    assert narrow.verdict == "inconclusive" and narrow.p_value > 0.025


def test_a_ratio_far_outside_the_margin_is_contradicted_as_equivalent():
    x = rng(3).lognormal(1.0, 0.2, N)
    res = decide(spec("paired", "equivalent", margin=1.25), x, x / 3, rng=rng())
    assert res.verdict == "contradicted"


@pytest.mark.calibration
@pytest.mark.parametrize("design", ["paired", "unpaired"])
def test_false_equivalent_at_the_margin_is_at_most_alpha(design):
    """True ratio exactly at the margin 1.25 (TOST's least favourable null): 'equivalent' in at most
    alpha of 1000 datasets (one-sided binomial test)."""
    g = rng(4)
    y = g.lognormal(0, 0.3, (1000, N))
    x = 1.25 * (y * g.lognormal(0, 0.1, (1000, N)) if design == "paired" else g.lognormal(0, 0.3, (1000, N)))
    res = decide_batch(spec(design, "equivalent", margin=1.25), x, y, rng=g, n_resamples=999)
    count = int(np.sum(res.verdict == "equivalent"))
    print(f"\n  calibration: {design} false 'equivalent' at the margin: {count}/1000")
    assert stats.binomtest(count, 1000, 0.025, alternative="greater").pvalue > 0.01


def test_a_reference_effect_below_the_mde_is_underpowered_with_the_n_needed():
    x, y = rng(5).lognormal(0, 0.8, (2, N))
    res = decide(spec(reference_effect=1.05), x, y, rng=rng())
    assert res.verdict == "underpowered" and res.mde > 1.05
    want = math.ceil(N * (math.log(res.mde) / math.log(1.05)) ** 2)
    assert res.n_needed == want and res.reference_effect == 1.05
    big = decide(spec(reference_effect=50.0), x, y, rng=rng())
    assert big.verdict == "inconclusive" and big.n_needed == 0


def test_a_shown_claim_is_never_underpowered():
    x = rng(6).lognormal(1.0, 0.3, N)
    res = decide(spec(reference_effect=1.01), x, x / rng(7).lognormal(0.5, 0.1, N) / 2, rng=rng())
    assert res.verdict in ("holds", "contradicted")


@pytest.mark.parametrize("design", ["paired", "unpaired"])
def test_zeros_in_a_ratio_claim_are_values_not_errors(design):
    """A KL clamped to 0: the ratio is 0 for that pair (or the median moves a rank), no error."""
    x, y = rng(8).lognormal(1.0, 0.3, (2, N))
    x[:3] = 0.0
    res = decide(spec(design), x, y, rng=rng())
    assert res.verdict in ("holds", "contradicted", "inconclusive") and math.isfinite(res.estimate)


def test_past_the_declared_censored_share_the_claim_is_na():
    x, y = rng(9).lognormal(0, 0.5, (2, N))
    cap = np.quantile(x, 0.6)
    cx = x >= cap
    res = decide(spec("unpaired"), np.minimum(x, cap), y, rng=rng(), censored=(cx, np.zeros(N, bool)))
    assert res.verdict == "n/a" and "exceed the declared 25%" in res.ci_method and math.isnan(res.p_value)
    ok = decide(spec("unpaired", max_censored=0.5), np.minimum(x, cap), y, rng=rng(),
                censored=(cx, np.zeros(N, bool)))
    assert ok.verdict != "n/a"


def test_fully_censored_comparisons_are_na_not_one_to_one():
    """Issue 12: every onset censored used to give ratio 1 [1, 1], p = 1, 'MDE 1.0'."""
    full = np.full(N, 5.0)
    res = decide(spec("paired"), full, full, rng=rng(), censored=(np.ones(N, bool), np.ones(N, bool)))
    assert res.verdict == "n/a" and math.isnan(res.mde)


def test_censored_values_below_observed_ones_are_rejected():
    x, y = rng(10).lognormal(0, 0.5, (2, N))
    with pytest.raises(ValueError, match="at or above every observed one"):
        decide(spec("unpaired"), x, y, rng=rng(), censored=(x == x.min(), np.zeros(N, bool)))


def test_the_kaplan_meier_median_equals_the_sample_median_under_end_of_sweep_censoring():
    """scipy.stats.ecdf on CensoredData: with one censoring time above every observation and
    under half censored, the Kaplan-Meier median is the sample median with censored at t_max."""
    x = rng(11).lognormal(0, 0.5, 41)
    cap = np.quantile(x, 0.8)
    data = stats.CensoredData(uncensored=x[x < cap], right=np.full(np.sum(x >= cap), cap))
    sf = stats.ecdf(data).sf
    km_median = sf.quantiles[np.argmax(sf.probabilities <= 0.5)]
    assert km_median == pytest.approx(np.median(np.minimum(x, cap)))


def test_decide_runs_at_the_budget_share_entered_by_the_claim_fixture():
    x, y = rng(12).lognormal(0, 0.5, (2, N))
    assert decision_level(0.025) == 0.025
    with entered(1 / 32):
        res = decide(spec("unpaired"), x, y, rng=rng())
        assert decision_level(0.025) == pytest.approx(0.025 / 32)
    assert res.level == pytest.approx(0.025 / 32) and decision_level(0.025) == 0.025
    wide = decide(spec("unpaired"), x, y, rng=rng())
    assert res.ci_low < wide.ci_low and wide.ci_high < res.ci_high  # the interval at the level


@pytest.mark.parametrize(("design", "level"), [("paired", 0.025), ("paired", 0.025 / 32),
                                               ("unpaired", 0.025), ("unpaired", 0.025 / 8)])
def test_interval_and_p_agree_at_the_decision_level(design, level):
    """The interval excludes the null on the claimed side exactly where p <= level (one inversion)."""
    g = rng(13)
    y = g.lognormal(0, 0.5, (200, N))
    x = y * g.lognormal(0, 0.5, (200, N)) if design == "paired" else g.lognormal(0, 0.5, (200, N))
    x *= np.exp(g.uniform(0, 0.8, (200, 1)))  # effects from none to clear
    res = decide_batch(spec(design), x, y, rng=g, n_resamples=999, level=level)
    agree = (res.ci_low > 1.0) == (res.p_value <= level)
    assert agree.mean() >= (1.0 if design == "paired" else 0.99), agree.mean()
    assert np.any(res.verdict == "holds") and np.any(res.verdict == "inconclusive")
