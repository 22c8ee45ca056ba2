"""Calibration at the sample sizes the profiles use: coverage, and false 'holds' under skewed nulls.

Issue 20: intervals labelled 95% covered 0.86 at n = 6, and sign-flip tests of a mean held
falsely in 13% of skewed datasets at n = 12 (nominal 2.5%), while the calibration suite only
simulated n = 48 and normal data. Every estimator x design a claim uses is simulated here at
every n a profile gives it (lmclaims/profiles.py), with DATASETS datasets decided by
`decide_batch` in GROUPS independent streams, and the count checked by `scipy.stats.binomtest`.
Resamples are fewer than the profiles' (RESAMPLES): coverage and level depend on the number of
resamples only through Monte Carlo noise of the interval's ends. The full profile's n = 1000
(ratio of medians) is left out for time: BCa is first-order accurate there.

Known failures are data (KNOWN_LIMITS, strict xfail): no test of a mean holds its level for every
skewed distribution at small n (Bahadur & Savage 1956, Ann. Math. Statist. 27(4)); the
bootstrap-t cuts the false 'holds' of a right-skewed null on the 'less' side but not to 2.5%.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from scipy import stats

from lmclaims.families.induction.sizes import SIZES as INDUCTION
from lmclaims.families.model.sizes import SIZES as UNIGRAM
from lmclaims.families.plateau.sizes import SIZES as PLATEAU
from lmclaims.families.residual.sizes import SIZES as RESIDUAL
from lmclaims.families.toy.sizes import SIZES as TOY
from lmclaims.stats import ClaimSpec
from lmclaims.stats.inference import decide_batch

pytestmark = pytest.mark.calibration

DATASETS, GROUPS, RESAMPLES = 1000, 20, 999
LOGNORMAL_MEAN = float(np.exp(0.5))  # mean of lognormal(0, 1)


def _sizes(table: dict, *fields, minus_half=False) -> list[int]:
    """The n of one claim across profiles (the held-out half for induction.heads_exist)."""
    values = {getattr(sizes, f) - (getattr(sizes, f) // 2 if minus_half else 0)
              for sizes in table.values() for f in fields}
    return sorted(v for v in values if v <= 256)


SIZES = {  # estimator x design -> the n the claims use it at
    ("mean", "one-sample"): _sizes(INDUCTION, "seqs", minus_half=True),  # induction.heads_exist
    ("mean_difference", "paired"): sorted({*_sizes(UNIGRAM, "docs"), *_sizes(INDUCTION, "seqs")}),
    ("ratio_of_medians", "paired"): sorted({*_sizes(RESIDUAL, "prompts"), *_sizes(PLATEAU, "bases")}),
    ("ratio_of_medians", "unpaired"): _sizes(PLATEAU, "bases"),
    ("share", "one-sample"): _sizes(TOY, "seeds"),
}
CASES = [(e, d, n) for (e, d), ns in SIZES.items() for n in ns]


def _simulate(estimator, design, n, g, effect: bool):
    """(spec, x, y, truth): skewed data at the null (effect False), or with a known effect."""
    shape = (DATASETS, n)
    if estimator == "share":
        p = 0.5
        return ClaimSpec("sim", "share", design, 0.5, "greater", n), (g.random(shape) < p).astype(float), None, p
    if estimator == "mean":  # right-skewed: lognormal(0, 1) moved so its mean is the null (or 0.3 above)
        truth = 0.5 + (0.3 if effect else 0.0)
        x = g.lognormal(0, 1, shape) - LOGNORMAL_MEAN + truth if not effect else g.normal(truth, 1, shape)
        return ClaimSpec("sim", "mean", design, 0.5, "greater", n), x, None, truth
    if estimator == "mean_difference":
        base = g.normal(0, 1, shape)
        d = g.normal(1.3, 1, shape) if effect else g.lognormal(0, 1, shape) - LOGNORMAL_MEAN + 1.0
        return ClaimSpec("sim", estimator, design, 1.0, "greater", n), base + d, base, 1.3 if effect else 1.0
    ratio, sigma = (1.3, 0.8) if effect else (1.0, 1.5)  # skewed null: heavy lognormal margins
    z = g.normal(size=(2, *shape))
    if design == "paired":
        x, y = np.exp(np.log(ratio) + sigma * z[0]), np.exp(sigma * (0.6 * z[0] + 0.8 * z[1]))
    else:
        x, y = np.exp(np.log(ratio) + sigma * z[0]), np.exp(sigma * z[1])
    return ClaimSpec("sim", estimator, design, 1.0, "greater", n), x, y, ratio


def _decide(spec, x, y, g):
    ys = [None] * GROUPS if y is None else np.array_split(y, GROUPS)
    parts = [decide_batch(spec, xs, yy, rng=np.random.default_rng(g.integers(2**63)), n_resamples=RESAMPLES)
             for xs, yy in zip(np.array_split(x, GROUPS), ys)]
    return {f: np.concatenate([getattr(r, f) for r in parts]) for f in ("verdict", "ci_low", "ci_high")}


def _id(case):
    return f"{case[0]}-{case[1]}-n{case[2]}"


SKEW_LIMIT = ("right-skewed lognormal(0, 1) null, 'less' side: the bootstrap-t's false 'holds' "
              "stays above alpha up to n = 200 (O(1/n) error); no test of a mean is valid for every "
              "skewed distribution (Bahadur & Savage 1956)")
KNOWN_LIMITS = {  # (estimator, design, alternative) -> (largest n that fails, reason); strict xfail
    ("mean", "one-sample", "less"): (200, SKEW_LIMIT),
    ("mean_difference", "paired", "less"): (200, SKEW_LIMIT),
}


@pytest.mark.parametrize("alternative", ["greater", "less"])
@pytest.mark.parametrize("case", CASES, ids=_id)
def test_skewed_null_false_holds_rate_is_at_most_alpha(case, alternative, request):
    """Data skewed (or, for shares, Bernoulli) exactly at the null: 'holds' at most alpha of the time."""
    estimator, design, n = case
    largest, why = KNOWN_LIMITS.get((estimator, design, alternative), (0, ""))
    if n <= largest:
        request.applymarker(pytest.mark.xfail(reason=why, strict=True))
    g = np.random.default_rng(zlib.crc32(f"skewed {_id(case)} {alternative}".encode()))
    spec, x, y, _ = _simulate(estimator, design, n, g, effect=False)
    spec = ClaimSpec(spec.statistic, spec.estimator, spec.design, spec.null, alternative, n)
    res = _decide(spec, x, y, g)
    count = int(np.count_nonzero(res["verdict"] == "holds"))
    p = stats.binomtest(count, DATASETS, spec.alpha, alternative="greater").pvalue
    assert p > 0.01, f"{_id(case)} ({alternative}): false 'holds' {count}/{DATASETS}, binomtest p={p:.2g}"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_coverage_is_at_least_nominal_at_profile_sizes(case):
    """The interval labelled 95% covers the true value in at least 95% of datasets (binomial test)."""
    g = np.random.default_rng(zlib.crc32(f"coverage {_id(case)}".encode()))
    spec, x, y, truth = _simulate(*case, g, effect=True)
    res = _decide(spec, x, y, g)
    covered = int(np.count_nonzero((res["ci_low"] <= truth) & (truth <= res["ci_high"])))
    p = stats.binomtest(covered, DATASETS, spec.confidence_level, alternative="less").pvalue
    assert p > 0.01, f"{_id(case)}: coverage {covered}/{DATASETS}, binomtest p={p:.2g}"
