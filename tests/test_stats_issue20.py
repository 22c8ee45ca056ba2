"""The six inputs of issue 20 on which verdicts went wrong, each with its right answer.

Calibration of the same kinds (skewed nulls, coverage at the profiles' sample sizes) is in
test_stats_calibration_small_n.py; these are the single inputs, and the exact tests'
attainable levels, which need no simulation.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lmclaims.errors import NumericalError
from lmclaims.report import fmt
from lmclaims.report.markdown import summary_table
from lmclaims.stats import ClaimSpec, TestResult, decide, intersection_union, part_rows
from lmclaims.stats.percentile import unexpanded
from lmclaims.stats.validity import smallest_p


def spec(estimator, design, null, alternative="greater", n=20):
    return ClaimSpec("issue 20", estimator, design, null, alternative, n)


def rng(seed=0):
    return np.random.default_rng(seed)


@pytest.mark.parametrize("n", [3, 4, 5, 6, 8])
def test_exact_sign_flip_reaches_only_its_smallest_p(n):
    """Paired ratio of medians, all pairs far apart: p is exactly 1 / 2**n, the smallest the exact
    test can give; the claim holds only where that is <= alpha, else the record says unattainable,
    gives no MDE and names n = 6 (2**6 = 64 >= 40)."""
    x = np.linspace(10, 20, n)
    y = x / np.linspace(8, 12, n)  # per-pair ratios 8..12, all above 1
    res = decide(spec("ratio_of_medians", "paired", 1.0, n=n), x, y, rng=rng())
    assert res.p_value == smallest_p("permutation", "paired", n, n, 1999) == 1 / 2**n
    attainable = 1 / 2**n <= 0.025
    assert (res.verdict == "holds") == attainable
    assert math.isnan(res.mde) != attainable and res.n_needed == (0 if attainable else 6)
    assert ("unattainable at n=" in res.ci_method) != attainable


@pytest.mark.parametrize("n", [3, 4, 5, 6])
def test_percentile_test_of_two_groups_reaches_the_level_only_where_its_resamples_can(n):
    """Unpaired ratio of medians, groups far apart: every bootstrap replicate is above the null, so
    p is the smallest the test allows, the level whose expanded tail is 1 / (B + 1). At n = 3 the
    expanded tail at 0.025 is about 7e-8, beyond MAX_RESAMPLES: unattainable, n >= 4 named."""
    x, y = np.linspace(10, 20, n), np.linspace(1, 2, n)
    res = decide(spec("ratio_of_medians", "unpaired", 1.0, n=n), x, y, rng=rng())
    assert res.p_value == pytest.approx(float(unexpanded(1 / (res.n_resamples + 1), n)), rel=1e-12)
    attainable = res.p_value <= 0.025
    assert attainable == (n >= 4) and (res.verdict == "holds") == attainable
    assert math.isnan(res.mde) != attainable and res.n_needed == (0 if attainable else 4)
    assert ("unattainable at n=" in res.ci_method) != attainable


@pytest.mark.parametrize("n", [5, 6, 12])
def test_exact_binomial_share_reaches_only_its_smallest_p(n):
    """Every seed a success: p = 0.5**n; at n = 5 (1/32 > 0.025) unattainable, n >= 6 needed."""
    res = decide(spec("share", "one-sample", 0.5, n=n), np.ones(n), rng=rng())
    assert res.p_value == 0.5**n
    assert (res.verdict == "holds") == (n >= 6) and res.n_needed == (0 if n >= 6 else 6)
    assert math.isnan(res.mde) == (n < 6)


def test_issue_input_3_n5_mean_has_a_reachable_level():
    """Issue input 3 (n = 5 one-sample mean): the bootstrap-t's smallest p is 1 / 2000, so the
    level is attainable and the MDE is real: at ten times the reported MDE the claim holds."""
    x = np.array([9.5, 10.0, 11.0, 12.0, 12.5])
    res = decide(spec("mean", "one-sample", 11.0, n=5), x, rng=rng())
    assert math.isfinite(res.mde) and res.n_needed == 0
    shifted = x - 11.0 + 10 * (res.mde - 11.0) + 11.0
    assert decide(spec("mean", "one-sample", 11.0, n=5), shifted, rng=rng()).verdict == "holds"


def test_issue_input_4_constant_counts_have_no_mean_test():
    """Twelve seeds all giving 5 against a mean null of 5.5 ('less'): no spread, so no standard
    error: no interval, no p, no MDE, inconclusive, and the reason points to the count test."""
    res = decide(spec("mean", "one-sample", 5.5, "less", 12), np.full(12, 5.0), rng=rng())
    assert res.verdict == "inconclusive" and res.estimate == 5.0
    assert np.isnan([res.ci_low, res.ci_high, res.p_value, res.mde]).all()
    assert "no spread" in res.ci_method and "'share'" in res.ci_method


def test_issue_input_4_constant_counts_as_a_share():
    """The same twelve seeds as a count rule: 12 of 12 seeds at most m is an exact binomial
    result, p = 2**-12, with a Clopper-Pearson interval of positive width [0.025**(1/12), 1]."""
    res = decide(spec("share", "one-sample", 0.5, n=12), (np.full(12, 5.0) <= 5).astype(float), rng=rng())
    assert res.verdict == "holds" and res.p_value == 0.5**12
    assert res.ci_low == pytest.approx(0.025 ** (1 / 12)) and res.ci_high == 1.0


@pytest.mark.parametrize("estimator", ["ratio_of_medians", "mean_difference", "ratio_of_means"])
def test_issue_input_4_nearly_constant_pairs_are_not_called_constant(estimator):
    """Nineteen equal pairs and one pair at 1e6: not constant data. Medians never move (no
    interval: the per-pair ratios tie, the sign test has nothing to count); a mean moves only with one pair (over a
    third of the resamples have no spread). Either way inconclusive, with the right reason."""
    x, y = np.full(20, 2.0), np.full(20, 2.0)
    x[-1] = 1e6
    null = 1.0 if estimator.startswith("ratio") else 0.0
    res = decide(spec(estimator, "paired", null), x, y, rng=rng())
    assert "constant" not in res.ci_method and res.verdict == "inconclusive"
    reason = "per-pair ratios tie" if estimator == "ratio_of_medians" else "have no spread"
    assert reason in res.ci_method


@pytest.mark.parametrize(("estimator", "design"), [("mean", "one-sample"), ("mean_difference", "paired"),
                                                   ("mean_difference", "unpaired"), ("ratio_of_means", "paired")])
def test_issue_input_6_overflowing_statistics_are_numerical_errors(estimator, design):
    """Twenty finite values near 1.5e308: the mean (or its variance) overflows to inf; that is a
    NumericalError (an `error` in the report), never an inf estimate that 'holds'."""
    x = np.linspace(1.4e308, 1.5e308, 20)
    y = None if design == "one-sample" else (np.linspace(1.0, 2.0, 20) if estimator == "ratio_of_means"
                                             else -x)
    null = 1.0 if estimator == "ratio_of_means" else 0.0
    with pytest.raises(NumericalError, match="NaN/inf"):
        decide(spec(estimator, design, null), x, y, rng=rng())


def _part(estimate, low, high, p, verdict):
    return TestResult(estimate, low, high, p, 12, verdict, "exact binomial test", 0.9, 0)


def test_issue_input_5_a_compound_row_never_mixes_parts():
    """Sparse part holding, dense part contradicted: the claim is contradicted, and its row shows
    the dense part's own estimate, interval and p; each part keeps its own numbers in a row."""
    sparse, dense = _part(8.17, 7.75, 8.5, 0.0002, "holds"), _part(0.1, 0.0, 0.3, 1.0, "contradicted")
    res = intersection_union(sparse, dense, names=("sparse", "dense"))
    assert res.verdict == "contradicted"
    assert (res.estimate, res.ci_low, res.ci_high, res.p_value) == (0.1, 0.0, 0.3, 1.0)
    rows = part_rows(res)
    assert [(r["part"], r["estimate"], r["verdict"]) for r in rows] == [("sparse", 8.17, "holds"),
                                                                        ("dense", 0.1, "contradicted")]
    entry = {"id": "toy.claim", "verdict": "contradicted", "estimate": res.estimate, "ci_low": res.ci_low,
             "ci_high": res.ci_high, "n": 12, "p_value": res.p_value, "details": {"parts": rows}}
    table = summary_table([entry])
    assert "0.1 [0, 0.3]" in table[2] and "8.17" not in table[2]
    assert "sparse" in table[3] and "8.17 [7.75, 8.5]" in table[3] and "holds" in table[3]


def test_issue_p_digits_tell_the_level_apart():
    """A Holm p of 0.0252 (inconclusive) and 0.025 (holds) print differently; so do values that
    round onto the level from above, and small p-values on either side of alpha / 32."""
    assert (fmt.p(0.0252, 0.025), fmt.p(0.025, 0.025)) == ("0.0252", "0.025")
    assert fmt.p(0.02504, 0.025) == "0.02504" and fmt.p(0.024996, 0.025) == "0.024996"
    assert fmt.p(0.00077, 0.025 / 32) != fmt.p(0.00079, 0.025 / 32)
    assert fmt.p(None) == "–" and fmt.p(0.5) == "0.5"


def test_a_compound_result_names_its_deciding_part_and_an_unattainable_level_says_the_n():
    """The one-line explanation of a compound claim names the part whose numbers it prints (not the
    claim's main statistic alone); an MDE cell where the level cannot be reached gives the n needed."""
    sparse, dense = _part(8.17, 7.75, 8.5, 0.0002, "holds"), _part(0.1, 0.0, 0.3, 1.0, "contradicted")
    assert intersection_union(sparse, dense, names=("sparse", "dense")).deciding_part == "dense"
    assert fmt.mde({"mde": float("nan"), "n_needed": 6}) == "level unattainable (needs n ≥ 6)"
    assert fmt.mde({"mde": float("nan")}) == "–" and fmt.mde({"mde": 1.25}) == "1.25"
