"""Calibration of the group-sequential plan (stats.sequential) by simulation: optional stopping.

Each check decides at least 1000 simulated datasets of n = 32 units (the standard profile's n of
model.beats_unigram, induction.repeated_tokens_loss_drop and residual.direction_over_norm) with
looks at 16 and 32 units (HALVES), each dataset stopping at its first decided look, and compares
the observed rate with its nominal value by `scipy.stats.binomtest` (as the other calibration
files do). Checked: false "holds" and false "contradicted" under the null at most the level, for
the estimator x design pairs the sequential claims use, and for a simulated 32-claim run at
alpha / 32; power at the MDE reported for the final look within 0.75-0.85; a large effect stops
early (expected n below the budget) and its interval, reported at the stopping look, still
covers the truth at 1 - 2L (a repeated confidence interval). Each null check also prints the
rate of naive optional stopping (every look at the full level), the bias the plan removes.

The plan is only as valid as the test at each look: a one-sample mean of right-skewed data
(lognormal, log-sd 0.6) is already liberal on its lower side at a fixed n = 32 (false
"contradicted" 0.037 at 0.025, measured over 4000 datasets), and more so at the first look's
n = 16 and level (2.7 times it), so sequentially 0.047. That is the mean test's small-sample
limit, not the spending's; it is not checked here (tests/test_stats_calibration_nulls.py checks
the mean on skewed data at n = 48).
"""

from __future__ import annotations

import time
import zlib
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats

from lmclaims.stats import ClaimSpec
from lmclaims.stats.inference import decide_batch
from lmclaims.stats.sequential import HALVES, STOPS, decide_sequential_batch

pytestmark = pytest.mark.calibration

N, DATASETS, GROUPS, RESAMPLES = 32, 1000, 10, 1999
ALPHA = 0.025


def claim(estimator: str, design: str, null: float) -> ClaimSpec:
    return ClaimSpec("simulated", estimator, design, null, "greater", N, looks=HALVES)


def g_for(name: str) -> np.random.Generator:
    """A generator seeded from the check's name (crc32, as the suite seeds tests)."""
    return np.random.default_rng(zlib.crc32(name.encode()))


def paired_normal(g, rows, difference):
    base = g.normal(0.0, 1.0, (rows, N))
    return base + g.normal(difference, 1.0, (rows, N)), base


def paired_lognormal(g, rows, ratio, sigma=0.8, rho=0.6):
    z = g.normal(size=(2, rows, N))
    return np.exp(np.log(ratio) + sigma * z[0]), np.exp(sigma * (rho * z[0] + np.sqrt(1 - rho**2) * z[1]))


CASES = {  # name: (claim, simulate(g, rows, effect in the statistic's units))
    "paired mean difference (beats_unigram, loss drop), normal": (
        claim("mean_difference", "paired", 1.0), lambda g, rows, e: paired_normal(g, rows, e)),
    "one-sample mean (heads_exist), heavy tails: t3": (
        claim("mean", "one-sample", 0.4), lambda g, rows, e: (e + 0.1 * g.standard_t(3, (rows, N)), None)),
    "paired ratio of medians (direction_over_norm), sign test": (
        claim("ratio_of_medians", "paired", 1.0), lambda g, rows, e: paired_lognormal(g, rows, e)),
}


def sequential(spec, samples, g, level):
    """decide_sequential_batch in GROUPS independent calls (rows of one call share resamples)."""
    start = time.perf_counter()
    x, y = samples
    ys = [None] * GROUPS if y is None else np.array_split(y, GROUPS)
    parts = [decide_sequential_batch(spec, xs, yy, rng=np.random.default_rng(g.integers(2**63)),
                                     n_resamples=RESAMPLES, level=level)
             for xs, yy in zip(np.array_split(x, GROUPS), ys)]
    fields = ("verdict", "ci_low", "ci_high", "mde", "look", "n_used")
    res = SimpleNamespace(**{f: np.concatenate([getattr(p, f) for p in parts]) for f in fields})
    return res, time.perf_counter() - start


def naive(spec, samples, g, level):
    """Optional stopping without spending: every look at the full level (the bias to avoid)."""
    x, y = samples
    verdict = np.full(len(x), "inconclusive", dtype=object)
    open_rows = np.ones(len(x), bool)
    for n in (N // 2, N):
        res = decide_batch(spec, x[:, :n], None if y is None else y[:, :n], rng=g,
                           n_resamples=RESAMPLES, level=level)
        stop = open_rows & np.isin(res.verdict, STOPS)
        verdict[stop] = res.verdict[stop]
        open_rows &= ~stop
    return verdict


@pytest.fixture
def show(capsys):
    def write(text: str) -> None:
        with capsys.disabled():
            print(f"\n  calibration: {text}")
    return write


@pytest.mark.parametrize("case", list(CASES))
def test_optional_stopping_keeps_false_verdicts_within_the_level(case, show):
    """Under the null (the statistic equals the null), stopping at the first decided look gives
    false holds and false contradicted each at most alpha (one-sided binomial test)."""
    spec, simulate = CASES[case]
    g = g_for(case)
    samples = simulate(g, DATASETS, spec.null)
    res, seconds = sequential(spec, samples, g, ALPHA)
    unspent = naive(spec, samples, g, ALPHA)
    for verdict in ("holds", "contradicted"):
        count = int(np.count_nonzero(res.verdict == verdict))
        p = stats.binomtest(count, DATASETS, ALPHA, alternative="greater").pvalue
        show(f"sequential {case}: false '{verdict}' {count / DATASETS:.4f} (alpha {ALPHA}; naive "
             f"optional stopping {np.mean(unspent == verdict):.4f}; binomtest p={p:.3f}; mean n "
             f"{res.n_used.mean():.1f} of {N}; {seconds:.1f} s)")
        assert p > 0.01


def test_a_run_of_32_sequential_claims_keeps_its_family_wise_rates():
    """1000 simulated runs of 32 true-null sequential claims, each at alpha / 32 (stats.budget)
    split over its looks: P(any false holds) and P(any false contradicted) each <= alpha."""
    spec, simulate = CASES["paired ratio of medians (direction_over_norm), sign test"]
    g, claims = g_for("sequential family"), 32
    x, y = simulate(g, DATASETS * claims, 1.0)
    res = decide_sequential_batch(spec, x, y, rng=g, level=ALPHA / claims)
    verdict = res.verdict.reshape(DATASETS, claims)
    for kind in ("holds", "contradicted"):
        runs = int(np.count_nonzero((verdict == kind).any(axis=1)))
        p = stats.binomtest(runs, DATASETS, ALPHA, alternative="greater").pvalue
        print(f"sequential family of {claims}: P(any false {kind}) {runs / DATASETS:.4f} (p={p:.3f})")
        assert p > 0.01


POWER_CASES = {  # name: (case, level)
    "paired mean difference, alpha": ("paired mean difference (beats_unigram, loss drop), normal", ALPHA),
    "paired ratio of medians, alpha": ("paired ratio of medians (direction_over_norm), sign test", ALPHA),
    "paired ratio of medians, alpha / 32": ("paired ratio of medians (direction_over_norm), sign test", ALPHA / 32),
}
POWER_DATASETS, PILOT_DATASETS = 2000, 500


def final_look_mde(spec, simulate, g, level) -> float:
    """The MDE the claim reports for its final look (median over null datasets that reach it)."""
    pilot, _ = sequential(spec, simulate(g, PILOT_DATASETS, spec.null), g, level)
    return float(np.nanmedian(pilot.mde[pilot.look == len(HALVES) - 1]))


@pytest.mark.parametrize("name", list(POWER_CASES))
def test_power_at_the_final_look_mde_is_about_80_percent(name, show):
    """At the MDE reported for the final look, the sequential claim holds in 75-85% of datasets
    (looks before it add what they stop; their levels come out of the final look's)."""
    case, level = POWER_CASES[name]
    spec, simulate = CASES[case]
    g = g_for(name)
    mde = final_look_mde(spec, simulate, g, level)
    res, seconds = sequential(spec, simulate(g, POWER_DATASETS, mde), g, level)
    rate = float(np.mean(res.verdict == "holds"))
    show(f"sequential {name}: final-look MDE {mde:.4f}; 'holds' rate at it {rate:.4f} (target 0.8, "
         f"{POWER_DATASETS} datasets, stopped at look 1: {np.mean(res.look == 0):.3f}, {seconds:.1f} s)")
    assert 0.75 <= rate <= 0.85


@pytest.mark.parametrize("case", list(CASES))
def test_a_large_effect_stops_early_and_its_interval_still_covers(case, show):
    """At twice the final look's MDE most datasets stop at the first look (expected n below the
    budget), and the interval reported at the stopping look covers the truth at >= 1 - 2 alpha."""
    spec, simulate = CASES[case]
    g = g_for(case + " large")
    mde = final_look_mde(spec, simulate, g, ALPHA)
    truth = spec.null + 2 * (mde - spec.null) if spec.estimator != "ratio_of_medians" else mde**2
    res, seconds = sequential(spec, simulate(g, DATASETS, truth), g, ALPHA)
    early = int(np.count_nonzero(res.look == 0))
    covered = int(np.count_nonzero((res.ci_low <= truth) & (truth <= res.ci_high)))
    p_early = stats.binomtest(early, DATASETS, 0.5, alternative="greater").pvalue
    p_cover = stats.binomtest(covered, DATASETS, 1 - 2 * ALPHA, alternative="less").pvalue
    show(f"sequential {case}: effect {truth:.4f} (2 x final-look MDE): expected n "
         f"{res.n_used.mean():.1f} of {N}, stopped at look 1 {early / DATASETS:.3f}; coverage "
         f"{covered / DATASETS:.4f} (>= {1 - 2 * ALPHA}, binomtest p={p_cover:.3f}; {seconds:.1f} s)")
    assert res.n_used.mean() < N and p_early < 0.01
    assert p_cover > 0.01
