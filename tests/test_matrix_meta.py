"""The DerSimonian-Laird pooling behind `lmclaims matrix`'s pooled column."""

import math

import pytest

from lmclaims.report.meta_analysis import Z95, dersimonian_laird, effect_and_se, is_ratio


def test_matches_statsmodels_combine_effects():
    """Numbers from statsmodels 0.15 `combine_effects(y, v, method_re="dl")` on the same data
    (an independent implementation, run once outside the locked environment)."""
    pooled = dersimonian_laird([0.31, 0.18, 0.52, -0.05], [0.1, 0.02**0.5, 0.015**0.5, 0.03**0.5])
    assert pooled.estimate == pytest.approx(0.263883, abs=1e-6)
    assert pooled.se == pytest.approx(0.107126, abs=1e-6)
    assert (pooled.ci_low, pooled.ci_high) == pytest.approx((0.053920, 0.473846), abs=1e-6)
    assert pooled.tau2 == pytest.approx(0.02826, abs=1e-6)
    assert pooled.i2 == pytest.approx(0.626122, abs=1e-6) and pooled.q == pytest.approx(8.024)


def test_agreeing_models_give_the_fixed_effect_and_no_spread():
    """Effects closer than their errors: tau^2 = I^2 = 0 and the inverse-variance mean."""
    pooled = dersimonian_laird([0.2, 0.21, 0.19], [0.1, 0.1, 0.2])
    w = [100, 100, 25]
    assert pooled.tau2 == 0 and pooled.i2 == 0
    assert pooled.estimate == pytest.approx((20 + 21 + 4.75) / sum(w))
    assert pooled.se == pytest.approx(1 / math.sqrt(sum(w)))


def test_se_comes_from_the_interval_on_the_log_scale_for_ratios():
    effect, se = effect_and_se(2.0, 1.0, 4.0, log=True)
    assert effect == pytest.approx(math.log(2)) and se == pytest.approx(math.log(4) / (2 * Z95))
    assert effect_and_se(3.0, 1.0, 5.0, log=False) == pytest.approx((3.0, 4 / (2 * Z95)))
    assert effect_and_se(0.5, -0.1, 1.0, log=True) is None  # no log of a negative bound
    assert effect_and_se(1.0, 1.0, 1.0, log=False) is None  # an interval without width
    assert effect_and_se(1.0, None, 2.0, log=False) is None
    assert is_ratio("ratio_of_medians") and not is_ratio("mean_difference") and not is_ratio(None)


def test_fewer_than_two_models_cannot_be_pooled():
    with pytest.raises(ValueError, match="at least two"):
        dersimonian_laird([0.1], [0.1])
