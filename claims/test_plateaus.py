"""Activation plateaus and sensitive directions (Heimersheim 2024, "Activation plateaus &
sensitive directions in GPT2"; LASR re-implementation jettjaniak/teren; improved baselines:
Lee & Heimersheim 2024, arXiv 2410.12555).

Each claim compares the onset of the output change f(t) along two kinds of path from
the last position's residual at a writing layer, at several relative depths, with the
output read as KL at the logits or as relative L2 at the last block.
"""

import pytest

from lmclaims.families.plateau.comparison import OnsetComparison, decide_comparison
from lmclaims.stats import Threshold

SEED_REPORT = "Heimersheim 2024, Activation plateaus & sensitive directions in GPT2 (LessWrong)"
DEPTHS = [pytest.param(d, id=name, marks=pytest.mark.xdist_group(f"plateau-{name}"))
          for name, d in (("early", 0.1), ("middle", 0.5), ("late", 0.85))]
METRICS = ["kl", "l2"]
THRESHOLDS = {
    "kl": Threshold(0.5, "half a nat: the next-token distribution has clearly moved, far above "
                         "fp32 noise and far below the several nats of a full real-to-real swap"),
    "l2": Threshold(0.1, "10% of the clean read-layer norm, as in the LASR reproduction's rescaling"),
}
PLATEAU = OnsetComparison(
    "real+cov", "synthetic+cov", "unpaired", "greater", "threshold",
    "GPT-2 small: plateau 15.12 vs 8.33 steps (about 1.8x), KS 0.568; Gemma 3 270M with the "
    "LASR code: 35.27 vs 21.91 steps (ratio 1.61), KS 0.275")
TOWARD_REAL = OnsetComparison(
    "real+toward_real", "real+cov", "paired", "less", "max_slope",
    "GPT-2 small: max-slope step 51.65 vs 64.89 (ratio 0.80), KS 0.62; Gemma 3 270M with the "
    "LASR code: 48.80 vs 57.13 (ratio 0.85), KS 0.310")
ISOTROPIC = OnsetComparison(
    "real+isotropic", "real+cov", "paired", "greater", "threshold",
    "seed report and Lee & Heimersheim: isotropic directions are 'much less sensitive' (qualitative)")
IMPROVED = OnsetComparison(
    "real+real_diff", "real+cov_diff", "paired", "less", "threshold",
    "Lee & Heimersheim 2024 report minimal practical differences: expect inconclusive")

by_depth = pytest.mark.parametrize("depth", DEPTHS)
by_metric = pytest.mark.parametrize("metric", METRICS)


@pytest.mark.claim("plateau.real_wider_than_synthetic", source=SEED_REPORT, requires=("residual",),
                   statement="Perturbing a real activation in random directions changes the output "
                             "less, for longer, than perturbing a synthetic activation with the same "
                             "mean and covariance.")
@by_metric
@by_depth
def test_real_wider_than_synthetic(claim, plateau, depth, metric):
    """Real bases keep the output unchanged for longer than Gaussian-sampled bases."""
    decide_comparison(claim, plateau(depth, metric), PLATEAU, THRESHOLDS[metric])


@pytest.mark.claim("directions.toward_real_more_sensitive", source=SEED_REPORT, requires=("residual",),
                   statement="From a real activation, moving toward another real activation changes "
                             "the output earlier than moving toward a covariance-matched random point.")
@by_metric
@by_depth
def test_toward_real_more_sensitive(claim, plateau, depth, metric):
    """Paths toward real activations reach their steepest change earlier."""
    decide_comparison(claim, plateau(depth, metric), TOWARD_REAL, THRESHOLDS[metric])


@pytest.mark.claim("directions.isotropic_less_sensitive", source=SEED_REPORT, requires=("residual",),
                   statement="Isotropic random directions are less sensitive than covariance-matched "
                             "random directions of the same length.")
@by_metric
@by_depth
def test_isotropic_less_sensitive(claim, plateau, depth, metric):
    """Isotropic directions cross the threshold later than covariance-matched ones."""
    decide_comparison(claim, plateau(depth, metric), ISOTROPIC, THRESHOLDS[metric])


@pytest.mark.claim("directions.improved_baseline", requires=("residual",),
                   source="Lee & Heimersheim 2024, arXiv 2410.12555",
                   statement="With baselines that do not involve the base activation, real-difference "
                             "directions are still more sensitive than covariance-random differences.")
@by_metric
@by_depth
def test_improved_baseline(claim, plateau, depth, metric):
    """Differences of real activations cross the threshold earlier than differences of samples."""
    decide_comparison(claim, plateau(depth, metric), IMPROVED, THRESHOLDS[metric])
