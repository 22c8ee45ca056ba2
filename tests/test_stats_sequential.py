"""Group-sequential decisions (stats.sequential) and `claim.sequential`: the plan, stopping, n used."""

from pathlib import Path

import numpy as np
import pytest

from lmclaims.claim import Claim, ClaimMeta
from lmclaims.profiles import get_profile
from lmclaims.stats import HALVES, ClaimSpec, decide, decide_sequential
from lmclaims.stats.budget import entered
from lmclaims.stats.sequential import RHO, decide_sequential_batch, looks


def spec(n=32, fractions=HALVES, estimator="mean_difference", null=0.0):
    design = "one-sample" if estimator == "mean" else "paired"
    return ClaimSpec("s", estimator, design, null, "greater", n, looks=fractions)


def paired(effect, n=32, seed=0):
    g = np.random.default_rng(seed)
    y = g.normal(0, 1, n)
    return y + g.normal(effect, 1, n), y


def test_the_plan_spends_the_level_by_t_to_the_power_rho():
    assert RHO == 2
    plan = looks(spec(), 0.01)
    assert [p.n for p in plan] == [16, 32]
    assert [p.level for p in plan] == pytest.approx([0.0025, 0.0075])
    thirds = looks(spec(30, (1 / 3, 2 / 3, 1.0)), 0.009)
    assert [p.n for p in thirds] == [10, 20, 30]
    assert [p.level for p in thirds] == pytest.approx([0.001, 0.003, 0.005])
    assert sum(p.level for p in looks(spec(37, (0.3, 0.55, 0.8, 1.0)), 0.02)) == pytest.approx(0.02)
    assert [(p.n, p.level) for p in looks(spec(fractions=()), 0.01)] == [(32, 0.01)]


@pytest.mark.parametrize("fractions, n, message", [
    ((0.5, 0.9), 32, "ending at 1"), ((0.6, 0.5, 1.0), 32, "increasing fractions"),
    ((0.0, 1.0), 32, "in \\(0, 1\\]"), ((0.05, 1.0), 32, "at least 3 units"),
    ((0.41, 0.5, 1.0), 10, "more than the look before"),
])
def test_a_bad_plan_is_refused_with_one_line(fractions, n, message):
    with pytest.raises(ValueError, match=message):
        looks(spec(n, fractions), 0.025)


def test_a_clear_effect_stops_at_the_first_look_measuring_only_what_it_needs():
    x, y = paired(2.0)
    asked = []

    def measure(start, stop):
        asked.append((start, stop))
        return x[start:stop], y[start:stop]

    res = decide_sequential(spec(), measure, rng=np.random.default_rng(1), level=0.025)
    assert asked == [(0, 16)] and res.verdict == "holds" and (res.n, res.n_budget) == (16, 32)
    assert res.level == pytest.approx(0.025 / 4) == res.level_spent
    assert [row["look"] for row in res.looks] == [1] and res.looks[0]["verdict"] == "holds"
    assert res.p_value <= res.level


def test_an_undecided_claim_runs_to_the_budget_and_reports_the_last_look():
    x, y = paired(0.0, seed=3)
    res = decide_sequential(spec(), lambda a, b: (x[a:b], y[a:b]), rng=np.random.default_rng(1),
                            level=0.025)
    assert (res.n, res.n_budget, len(res.looks)) == (32, 32, 2) and res.verdict == "inconclusive"
    assert res.level == pytest.approx(0.025 * 3 / 4) and res.level_spent == pytest.approx(0.025)
    again = decide(spec(), x, y, rng=np.random.default_rng(7), level=res.level)
    assert again.mde == pytest.approx(res.mde, rel=0.05)  # the MDE of the last look, at its level


def test_one_look_is_the_fixed_design():
    x, y = paired(0.4)
    one = decide_sequential(spec(fractions=()), lambda a, b: (x[a:b], y[a:b]),
                            rng=np.random.default_rng(5), level=0.01)
    fixed = decide(spec(fractions=()), x, y, rng=np.random.default_rng(5), level=0.01)
    assert (one.estimate, one.ci_low, one.ci_high, one.p_value, one.verdict) == \
           (fixed.estimate, fixed.ci_low, fixed.ci_high, fixed.p_value, fixed.verdict)


def test_the_level_comes_from_the_budget_share_by_default():
    x, y = paired(2.0)
    with entered(1 / 8):
        res = decide_sequential(spec(), lambda a, b: (x[a:b], y[a:b]), rng=np.random.default_rng(1))
    assert res.level == pytest.approx(0.025 / 8 / 4)


def test_measure_must_return_the_units_asked_for():
    with pytest.raises(ValueError, match=r"measure\(0, 16\) must return \(x,\) or \(x, y\) of 16 values"):
        decide_sequential(spec(), lambda a, b: (np.ones(3), np.ones(3)), rng=np.random.default_rng(1))


def test_the_batch_path_decides_each_row_as_one_dataset_would():
    """The sign test needs no resamples, so the two paths must agree row by row."""
    g = np.random.default_rng(4)
    x = g.lognormal(0, 0.8, (60, 32)) * np.exp(g.uniform(0, 1.2, (60, 1)))
    y = g.lognormal(0, 0.8, (60, 32))
    s = spec(estimator="ratio_of_medians", null=1.0)
    batch = decide_sequential_batch(s, x, y, rng=g, level=0.025)
    for i in range(len(x)):
        one = decide_sequential(s, lambda a, b: (x[i, a:b], y[i, a:b]), rng=g, level=0.025)
        assert (one.verdict, one.n, one.ci_low) == (batch.verdict[i], batch.n_used[i], batch.ci_low[i])
    assert set(batch.n_used) == {16, 32}


def test_claim_sequential_returns_the_samples_used_and_notes_the_looks():
    claim = Claim(ClaimMeta("demo.seq", "s", "s"), "test_x.py::test_x", 7, get_profile("smoke"),
                  Path("/tmp/f"), Path("/tmp"))
    claim.declare(spec())
    x, y = paired(2.0)
    result, (xs, ys) = claim.sequential(lambda a, b: (x[a:b], y[a:b]))
    assert result.n == 16 and np.array_equal(xs, x[:16]) and np.array_equal(ys, y[:16])
    assert claim.details["looks"][0]["n"] == 16
    claim.conclude(result)
    assert "n=16 of 32, look 1" in claim.message


def test_a_measure_returning_a_bare_array_is_told_to_return_a_tuple():
    """The most likely slip (found by a new user): the message itself used to crash (len() of a
    0-d array)."""
    from lmclaims.stats import ClaimSpec
    from lmclaims.stats.sequential import HALVES, decide_sequential

    spec = ClaimSpec(statistic="mean", estimator="mean", design="one-sample", null=0.0,
                     alternative="greater", n=16, looks=HALVES)
    with pytest.raises(ValueError, match="return a tuple"):
        decide_sequential(spec, lambda a, b: np.ones(b - a), rng=np.random.default_rng(0), level=0.025)


def test_claim_sequential_gives_the_same_messages_as_decide_sequential():
    """Through `claim.sequential` too, a bare array is told to return a tuple, and NaN from the
    measure is a one-line NumericalError, not a verdict or a traceback about lengths."""
    from lmclaims.errors import NumericalError

    claim = Claim(ClaimMeta("demo.seq", "s", "s"), "test_x.py::test_x", 7, get_profile("smoke"),
                  Path("/tmp/f"), Path("/tmp"))
    claim.declare(spec())
    with pytest.raises(ValueError, match="return a tuple"):
        claim.sequential(lambda a, b: np.ones(b - a))
    x, y = paired(2.0)
    x[3] = np.nan
    with pytest.raises(NumericalError, match=r"measure\(0, 16\) returned 1 NaN/inf values of 32"):
        claim.sequential(lambda a, b: (x[a:b], y[a:b]))


def test_a_spec_with_a_bad_plan_or_a_marker_style_primary_is_refused_when_built():
    """Found by a new user: the looks were checked only when a claim was decided, and a
    `primary={...}` meant for the claim marker was accepted by the spec and did nothing."""
    with pytest.raises(ValueError, match="ending at 1"):
        spec(32, (0.5, 0.9))
    with pytest.raises(ValueError, match="at least 3 units"):
        spec(4, HALVES)
    with pytest.raises(ValueError, match=r"@pytest.mark.claim\(\.\.\., primary="):
        ClaimSpec("s", "mean", "one-sample", 0.0, "greater", 32, primary={"depth": 0.1})
