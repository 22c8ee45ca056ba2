"""Calibration of lmclaims.stats by simulation: false positives, coverage and power.

Each check draws at least 1000 datasets with a known truth as one (datasets, n) array,
decides them with `decide_batch` (the code `decide` runs, one row per dataset) and
compares the observed rate with its nominal value by `scipy.stats.binomtest`, as SciPy's
own test_resampling.py does. Sample sizes and resamples are those of the standard
profile. `pytest tests -m calibration` prints the measured figures.

The rows of one `decide_batch` call share their resampling indices and sign flips, so
their Monte Carlo errors are correlated: under an effect, the permutation distributions
of all rows move together with the shared flips, which overdispersed the power rate
threefold (measured). The datasets are therefore decided in GROUPS calls, each with its
own generator, which keeps the work vectorised and the binomial model honest.
"""

from __future__ import annotations

import time
import zlib
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats

from lmclaims.families.plateau.sizes import SIZES as PLATEAU
from lmclaims.profiles import PROFILES
from lmclaims.stats import ClaimSpec
from lmclaims.stats.inference import decide_batch
from lmclaims.stats.signtest import critical_count

pytestmark = pytest.mark.calibration

N = PLATEAU["standard"].bases  # 96 base points per condition
RESAMPLES = PROFILES["standard"].n_resamples  # 1999
DATASETS = 1000
GROUPS = 20  # independent resampling streams per check (see the module docstring)
SIGMA = 0.8  # log-scale spread of the simulated onsets


def claim(estimator: str, design: str, null: float, alternative: str = "greater") -> ClaimSpec:
    """A pre-registered claim at the standard profile's sample size."""
    return ClaimSpec("simulated", estimator, design, null, alternative, N)


def generator(name: str) -> np.random.Generator:
    """A generator seeded from the check's name (crc32, as the suite seeds tests)."""
    return np.random.default_rng(zlib.crc32(name.encode()))


def paired_lognormal(g, datasets: int, ratio: float = 1.0, rho: float = 0.6):
    """Correlated lognormal pairs; the population medians differ by `ratio`."""
    z = g.normal(size=(2, datasets, N))
    x = np.exp(np.log(ratio) + SIGMA * z[0])
    return x, np.exp(SIGMA * (rho * z[0] + np.sqrt(1 - rho**2) * z[1]))


def unpaired_lognormal(g, datasets: int, ratio: float = 1.0):
    """Independent lognormal samples of sizes N and N - N // 6 whose medians differ by `ratio`."""
    return g.lognormal(np.log(ratio), SIGMA, (datasets, N)), g.lognormal(0.0, SIGMA, (datasets, N - N // 6))


def paired_normal(g, datasets: int, difference: float = 0.0):
    """Pairs sharing a per-unit level; the mean within-pair difference is `difference`."""
    base = g.normal(0.0, 1.0, (datasets, N))
    return base + g.normal(difference, 1.0, (datasets, N)), base


def decided(spec: ClaimSpec, samples: tuple, g: np.random.Generator, level: float | None = None):
    """decide_batch on simulated samples in GROUPS independent calls: concatenated fields, seconds."""
    start = time.perf_counter()
    x, y = samples
    parts = [
        decide_batch(spec, xs, ys, rng=np.random.default_rng(g.integers(2**63)), n_resamples=RESAMPLES,
                     level=level)
        for xs, ys in zip(np.array_split(x, GROUPS), [None] * GROUPS if y is None else np.array_split(y, GROUPS))
    ]
    fields = ("verdict", "ci_low", "ci_high", "mde", "ci_method")
    res = SimpleNamespace(**{f: np.concatenate([getattr(r, f) for r in parts]) for f in fields})
    return res, time.perf_counter() - start


NULL_CASES = {
    "paired ratio of medians, identical lognormal margins": (
        claim("ratio_of_medians", "paired", 1.0), lambda g: paired_lognormal(g, DATASETS)),
    f"unpaired ratio of medians, identical lognormals, n {N} vs {N - N // 6}": (
        claim("ratio_of_medians", "unpaired", 1.0, "less"), lambda g: unpaired_lognormal(g, DATASETS)),
    "one-sample mean, true mean = null 0.5": (
        claim("mean", "one-sample", 0.5), lambda g: (g.normal(0.5, 1.0, (DATASETS, N)), None)),
    "paired mean difference, true difference = margin 1": (
        claim("mean_difference", "paired", 1.0), lambda g: paired_normal(g, DATASETS, 1.0)),
}


@pytest.fixture
def show(capsys):
    """Print a measured figure even though pytest captures output."""
    def write(text: str) -> None:
        with capsys.disabled():
            print(f"\n  calibration: {text}")
    return write


@pytest.mark.parametrize("case", list(NULL_CASES))
def test_false_positive_rate_is_at_most_alpha(case, show):
    spec, simulate = NULL_CASES[case]
    g = generator(case)
    res, seconds = decided(spec, simulate(g), g)
    for verdict in ("holds", "contradicted"):  # under the null both are false discoveries
        count = int(np.count_nonzero(res.verdict == verdict))
        p = stats.binomtest(count, DATASETS, spec.alpha, alternative="greater").pvalue
        show(f"{case}: false '{verdict}' rate {count / DATASETS:.4f} (alpha {spec.alpha}, "
             f"{DATASETS} datasets, binomtest p={p:.3f}, {seconds:.1f} s)")
        assert p > 0.01


COVERAGE_CASES = {
    "paired mean difference 0.3, normal": (
        claim("mean_difference", "paired", 0.0), lambda g: paired_normal(g, DATASETS, 0.3), 0.3),
    "unpaired ratio of medians 1.5, lognormal": (
        claim("ratio_of_medians", "unpaired", 1.0), lambda g: unpaired_lognormal(g, DATASETS, 1.5), 1.5),
    "paired ratio of medians 1.2, correlated lognormal": (
        claim("ratio_of_medians", "paired", 1.0), lambda g: paired_lognormal(g, DATASETS, 1.2), 1.2),
}


OVER_COVERAGE = 0.03  # coverage this far above nominal still passes (conservative, not invalid)


@pytest.mark.parametrize("case", list(COVERAGE_CASES))
def test_intervals_cover_the_truth_at_the_nominal_rate(case, show):
    """Coverage is not below nominal (one-sided binomial test: an interval that covers less is
    invalid) and at most OVER_COVERAGE above it (a valid but needlessly wide interval). The
    unpaired median's percentile interval is conservative at n = 48 (0.967 measured at nominal
    0.95: the bootstrap distribution of a median sits on few order statistics), which a
    two-sided test at nominal called a failure by chance of the seed (p 0.011, then < 0.01)."""
    spec, simulate, truth = COVERAGE_CASES[case]
    g = generator(case)
    res, seconds = decided(spec, simulate(g), g)
    covered = int(np.count_nonzero((res.ci_low <= truth) & (truth <= res.ci_high)))
    nominal = attained_coverage(spec)
    p = stats.binomtest(covered, DATASETS, nominal, alternative="less").pvalue
    show(f"{case}: coverage {covered / DATASETS:.4f} (nominal {nominal:.4f}, "
         f"binomtest p (below nominal)={p:.3f}, {seconds:.1f} s)")
    assert p > 0.01 and covered / DATASETS <= nominal + OVER_COVERAGE


def attained_coverage(spec: ClaimSpec, level: float | None = None) -> float:
    """The interval's coverage by construction: 1 - 2L, except for the sign test's order-statistic
    interval, whose discreteness attains 1 - 2 P(Bin(n, 1/2) >= k) >= 1 - 2L (0.971 at n = 48)."""
    level = spec.alpha if level is None else level
    if spec.estimator == "ratio_of_medians" and spec.design == "paired":
        return 1 - 2 * stats.binom.sf(critical_count(N, level) - 1, N, 0.5)
    return 1 - 2 * level


POWER_CASES = {  # case: (claim, simulate, decision level as a share of alpha)
    "paired mean difference, normal": (
        claim("mean_difference", "paired", 0.0), lambda g, d, effect: paired_normal(g, d, effect), 1),
    "unpaired ratio of medians, lognormal": (
        claim("ratio_of_medians", "unpaired", 1.0), lambda g, d, effect: unpaired_lognormal(g, d, effect), 1),
    "paired ratio of medians (sign test), lognormal": (
        claim("ratio_of_medians", "paired", 1.0), lambda g, d, effect: paired_lognormal(g, d, effect), 1),
    "paired ratio of medians (sign test), lognormal, at alpha / 32": (
        claim("ratio_of_medians", "paired", 1.0), lambda g, d, effect: paired_lognormal(g, d, effect), 1 / 32),
}
POWER_DATASETS = 2000
PILOT_DATASETS = 500


@pytest.mark.parametrize("case", list(POWER_CASES))
def test_power_at_the_reported_mde_is_about_80_percent(case, show):
    """At the MDE a claim reports (at its decision level), it holds in about 80% of datasets."""
    spec, simulate, share = POWER_CASES[case]
    g, level = generator(case), spec.alpha * share
    pilot, _ = decided(spec, simulate(g, PILOT_DATASETS, spec.null), g, level)  # no effect: its MDE
    mde = float(np.median(pilot.mde))
    res, seconds = decided(spec, simulate(g, POWER_DATASETS, mde), g, level)
    rate = np.mean(res.verdict == "holds")
    p = stats.binomtest(int(rate * POWER_DATASETS), POWER_DATASETS, 0.8).pvalue
    show(f"{case}, n={N}, level {level:.3g}: reported MDE {mde:.4f}; at that effect 'holds' rate {rate:.4f} "
         f"(target 0.8, binomtest p={p:.3f}, {POWER_DATASETS} datasets, {seconds:.1f} s)")
    # A band rather than binomtest: the MDE is an approximation (Student quantiles times a
    # bootstrap standard error that is itself estimated, slightly biased for a mean and
    # noisy for a median), and 'holds' needs the interval AND the permutation p-value. At
    # n=48 the power at the MDE measured 0.78 (mean difference) and 0.82 (ratio of
    # medians) over 8000 datasets each. 0.8 +- 0.05 leaves over 2.5 standard errors of this
    # check (binomial 0.009 plus pilot noise) beyond those offsets, and still fails for an
    # MDE off by 10% (power 0.71 or 0.87).
    assert 0.75 <= rate <= 0.85
