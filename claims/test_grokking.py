"""Grokking on modular addition (Power et al. 2022; Nanda et al. 2023, arXiv 2301.05217; Varma et
al. 2023, arXiv 2309.02390), on one-layer transformers the suite trains itself.

Setup and its deviations from the papers: lmclaims/families/training/setups.py (p = 31, half of
the pairs, full-batch AdamW with weight decay 1). Seeds are the sampling unit: seed k draws the
train/test split and the initial weights. Steps are interpolated between logged points.
"""

import numpy as np
import pytest

pytestmark = pytest.mark.training

from lmclaims.families.training import setups
from lmclaims.families.training.curves import grokking_steps
from lmclaims.families.training.figures import grokking_figure, series_figure
from lmclaims.families.training.sizes import SIZES
from lmclaims.stats import ClaimSpec, Threshold, decide

NANDA = "Nanda et al. 2023, Progress measures for grokking via mechanistic interpretability (arXiv 2301.05217)"
VARMA = "Varma et al. 2023, Explaining grokking through circuit efficiency (arXiv 2309.02390)"
SUBJECT = f"one-layer transformers trained on (a+b) mod {setups.MODULUS}"
TRAIN_LEVEL = Threshold(0.99, "memorised: the training set is fitted (Nanda et al. reach 100%)")
TEST_LEVEL = Threshold(0.95, "generalised: near-perfect test accuracy, as in 'grokked'")
LATE = Threshold(2.0, "'long after': generalisation takes more than twice the steps memorisation took")
FAR_BELOW = Threshold(0.5, "'far below perfect': the continued run loses at least half the test "
                           "set relative to its above-critical control")
group = pytest.mark.xdist_group("training-grokking")


def _steps(runs):
    return [grokking_steps(r.log, TRAIN_LEVEL.value, TEST_LEVEL.value) for r in runs]


@pytest.mark.claim("grokking.delayed_generalisation", source=NANDA, subject=SUBJECT,
                   statement="On modular addition, a small one-layer transformer trained with weight "
                             "decay reaches near-perfect test accuracy long after it fits its training set.")
@group
def test_delayed_generalisation(claim, profile, grokking_runs):
    """Generalising takes more than twice the steps memorising took (ratio over seeds)."""
    k = SIZES[profile.name].grok_seeds
    spec = ClaimSpec(
        statistic="mean step of test acc >= 0.95 / mean step of train acc >= 0.99",
        estimator="ratio_of_means", design="paired", null=LATE.value, alternative="greater", n=k,
        thresholds={"train": TRAIN_LEVEL, "test": TEST_LEVEL, "late": LATE},
        primary="a seed that never generalises counts at its last step (censored, conservative)",
        reference="Nanda et al. 2023 (p=113, 30% of pairs): memorisation by ~1.4k steps, "
                  "generalisation after circuit formation and cleanup, ~9-13k steps")
    claim.declare(spec, seeds=k)
    marks = _steps(grokking_runs(profile.name))
    gen, mem = np.array([m.generalised for m in marks]), np.array([m.memorised for m in marks])
    delay = decide(ClaimSpec("mean delay, steps", "mean", "one-sample", 0.0, "greater", k),
                   gen - mem, rng=claim.rng("resample"), n_resamples=profile.n_resamples)
    claim.note(memorised_steps=mem.tolist(), generalised_steps=gen.tolist(),
               censored=sum(m.censored for m in marks),
               delay_steps=f"{delay.estimate:.0f} [{delay.ci_low:.0f}, {delay.ci_high:.0f}]",
               reference=spec.reference)
    grokking_figure(claim.figure_path("curves"), [r.log for r in grokking_runs(profile.name)],
                    [(m.memorised, m.generalised) for m in marks],
                    f"{SUBJECT}: {k} seeds, median delay shaded")
    claim.conclude(decide(spec, gen, mem, rng=claim.rng("resample"), n_resamples=profile.n_resamples))


@pytest.mark.claim("grokking.ungrokking", source=VARMA, subject=SUBJECT,
                   statement="Continuing to train a grokked network on a training set below the "
                             "critical dataset size drops its test accuracy far below perfect; "
                             "continuing on a set above it does not.")
@group
def test_ungrokking(claim, profile, ungrokking_runs):
    """Test accuracy after continued training: above-critical control minus below-critical run > 0.5."""
    k = SIZES[profile.name].grok_seeds
    spec = ClaimSpec(
        statistic="final test accuracy, continued on all training pairs minus on a fifth of them",
        estimator="mean_difference", design="paired", null=FAR_BELOW.value, alternative="greater",
        n=k, thresholds={"far_below": FAR_BELOW},
        primary=f"below: {setups.BELOW_CRITICAL:.0%} of all pairs; control: the grokked run's own "
                f"{setups.GROK_FRACTION:.0%} (above critical: it grokked)",
        reference="Varma et al. 2023, section 5: below the critical dataset size test accuracy "
                  "falls far below perfect; above it, it stays")
    claim.declare(spec, seeds=k)
    below = ungrokking_runs(profile.name, setups.BELOW_CRITICAL)
    above = ungrokking_runs(profile.name, setups.GROK_FRACTION)
    x = np.array([r.log["test_acc"][-1] for r in above])
    y = np.array([r.log["test_acc"][-1] for r in below])
    claim.note(test_acc_above=x.tolist(), test_acc_below=y.tolist(),
               train_acc_below=[r.log["train_acc"][-1] for r in below], reference=spec.reference)
    series_figure(claim.figure_path("test-accuracy"),
                  {"control: all training pairs": [(r.log["step"], r.log["test_acc"]) for r in above],
                   f"below critical: {setups.BELOW_CRITICAL:.0%} of pairs": [(r.log["step"], r.log["test_acc"]) for r in below]},
                  "test accuracy", f"grokked runs (mod {setups.MODULUS}) trained on: all their pairs vs a fifth")
    claim.conclude(decide(spec, x, y, rng=claim.rng("resample"), n_resamples=profile.n_resamples))


@pytest.mark.claim("grokking.efficiency", source=VARMA, subject=SUBJECT,
                   statement="The generalising solution produces larger logits per unit of parameter "
                             "norm than a memorising one trained on the same data for as long.")
@group
def test_efficiency(claim, profile, grokking_runs, memorising_runs):
    """Train-set logit margin per unit parameter norm: grokked run / shuffled-label run, > 1."""
    k = SIZES[profile.name].grok_seeds
    spec = ClaimSpec(
        statistic="mean (correct logit - mean logit) / ||theta|| on the training pairs at the last "
                  "step, grokked run over its shuffled-label twin",
        estimator="ratio_of_means", design="paired", null=1.0, alternative="greater", n=k,
        primary="the twin has the same split, initialisation and recipe, with the training labels "
                "permuted: memorising is its only solution (Varma et al.'s memorisation control); "
                "comparing one run's memorisation step with its last step would confound solution "
                "with training time",
        reference="Varma et al. 2023: the generalising circuit is more efficient (larger logits "
                  "at a given parameter norm); weight decay favours it, hence grokking")
    claim.declare(spec, seeds=k)
    gen_runs, mem_runs = grokking_runs(profile.name), memorising_runs(profile.name)
    gen = np.array([r.log["train_margin_per_norm"][-1] for r in gen_runs])
    mem = np.array([r.log["train_margin_per_norm"][-1] for r in mem_runs])
    claim.note(margin_per_norm_generalising=gen.tolist(), margin_per_norm_memorising=mem.tolist(),
               norm_generalising=[r.log["norm"][-1] for r in gen_runs],
               norm_memorising=[r.log["norm"][-1] for r in mem_runs],
               train_acc_memorising=[r.log["train_acc"][-1] for r in mem_runs],
               test_acc_generalising=[r.log["test_acc"][-1] for r in gen_runs], reference=spec.reference)
    claim.conclude(decide(spec, gen, mem, rng=claim.rng("resample"), n_resamples=profile.n_resamples))
