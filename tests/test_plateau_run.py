"""The plateau experiment: thresholds from one rule on every model, paths of non-zero length,
three read-outs from the same sweeps, and the published designs' onset statistics."""

import numpy as np
import pytest
import torch

from lmclaims.families.plateau.conditions import CONDITIONS, check_nonzero, distinct_from, draw_paths
from lmclaims.families.plateau.gaussian import fit_gaussian
from lmclaims.families.plateau.onsets import distance_onset, slope_step
from lmclaims.families.plateau.run import READOUTS, PlateauDesign, calibrate, fit_activations, run_plateau
from lmclaims.families.plateau.thresholds import SWAPS_PER_BASE, THRESHOLD_SHARE, swap_changes
from lmclaims.engine.perturbation import PerturbationEngine, Readout
from lmclaims.models.depth import block_at_depth
from lmclaims.models.tiny import tiny_model


@pytest.fixture(scope="module")
def tiny():
    return tiny_model("gemma3", layers=3, seed=21)


def _prompts(n, seed, length=8, vocab=512):
    return torch.randint(3, vocab, (n, length), generator=torch.Generator().manual_seed(seed))


def check_threshold_rule(bridge, prompts, pool_prompts, depth=0.5):
    """Each read-out's threshold is THRESHOLD_SHARE x the median change of full real-to-real swaps
    of the base prompts, recomputed here from the swaps themselves, positive and finite."""
    n_layers = int(bridge.cfg.n_layers)
    layer = block_at_depth(depth, n_layers)
    pool = fit_activations(bridge, pool_prompts, depth).float()
    engine = PerturbationEngine(bridge, prompts, layer, Readout(tuple(READOUTS.values()), n_layers - 1))
    thresholds, medians = calibrate(engine, engine.clean_acts.float().cpu(), pool, seed=5)
    from lmclaims.seeding import torch_generator
    again = swap_changes(engine, engine.clean_acts.float().cpu(), pool, torch_generator(5))
    assert again.shape == (SWAPS_PER_BASE * len(prompts), len(READOUTS))
    for i, readout in enumerate(READOUTS):
        assert medians[readout] == pytest.approx(float(np.median(again[:, i])), rel=1e-5)
        assert thresholds[readout] == pytest.approx(THRESHOLD_SHARE * medians[readout], rel=1e-9)
        assert np.isfinite(thresholds[readout]) and thresholds[readout] > 0
    return thresholds


def test_threshold_rule_on_a_tiny_random_model(tiny):
    check_threshold_rule(tiny.bridge, _prompts(6, 1), _prompts(40, 2))


@pytest.mark.real_model
def test_threshold_rule_on_the_default_model():
    """The same rule on the embedded default model (its own units: KL nats, residual L2, cosine)."""
    from lmclaims.models.loader import load_model
    from lmclaims.models.spec import parse_model

    model = load_model(parse_model("default"), torch.device("cpu"), {"seed": 0})
    vocab = int(model.bridge.cfg.d_vocab)
    thresholds = check_threshold_rule(model.bridge, _prompts(4, 3, 10, vocab), _prompts(16, 4, 10, vocab))
    assert thresholds["cos"] < 1.0  # a swap moves the last block's output by less than 90 degrees


def test_no_direction_is_zero_even_with_repeated_activations():
    """A pool with each activation repeated, the bases among it: every path still has length > 0."""
    gen = torch.Generator().manual_seed(3)
    real = torch.randn(8, 16, generator=gen)
    pool = torch.cat([real, real, real[:2]])  # every draw could coincide with its base or partner
    gauss = fit_gaussian(torch.randn(64, 16, generator=gen))
    bases, steps = draw_paths(real, pool, gauss, horizon=2.0, gen=gen)
    assert set(steps) == set(CONDITIONS) == set(bases)
    for name, step in steps.items():
        assert (step.norm(dim=-1) > 1e-3).all(), name
    with pytest.raises(ValueError, match="distinct"):
        distinct_from(real[:1].repeat(5, 1), real[:1].repeat(3, 1), gen, scale=1.0)
    with pytest.raises(ValueError, match="real\\+cov.*length zero"):
        check_nonzero({"real+cov": torch.zeros(2, 16)}, scale=1.0)


def test_run_reads_three_readouts_from_the_same_sweeps(tiny):
    """One run gives every condition's curves for every read-out, zero at the base, and path
    lengths: segments end at their targets, rays at the horizon."""
    design = PlateauDesign(depth=0.5, n_bases=6, n_fit=40, steps=7, reach=1.0)
    fit = fit_activations(tiny.bridge, _prompts(40, 6), 0.5)
    run = run_plateau(tiny.bridge, _prompts(6, 7), fit, design, seed=8)
    assert run.fractions.shape == (7,) and set(run.thresholds) == set(READOUTS)
    for name, condition in CONDITIONS.items():
        for readout in READOUTS:
            curves = run.curves[name][readout]
            assert curves.shape == (6, 7) and np.all(curves[:, 0] < 1e-4) and np.all(curves[:, -1] > 0)
        if not condition.to_target:
            assert np.allclose(run.lengths[name], run.horizon, rtol=1e-4)
    assert run.step * 100 == pytest.approx(run.horizon)  # reach 1: horizon = 100 published steps


def test_distance_onsets_are_censored_at_the_common_horizon():
    """A crossing past the horizon, or none, is censored at the horizon; others interpolate."""
    fractions = np.linspace(0, 1, 5)
    curves = np.array([[0, 1, 2, 3, 4], [0, 0, 0, 0, 4], [0, 0, 0, 0, 0]], dtype=float)
    lengths = np.array([1.0, 4.0, 1.0])
    values, censored = distance_onset(curves, fractions, lengths, threshold=1.5, horizon=2.0)
    assert values[0] == pytest.approx(0.375) and not censored[0]
    assert values[1] == 2.0 and censored[1]  # crosses at 3.5, past the horizon
    assert values[2] == 2.0 and censored[2]


def test_max_slope_step_is_the_published_step_index():
    """The steepest rise of a curve at 40% of the way is near step 0.4 x 99 of 100."""
    fractions = np.linspace(0, 1, 41)
    curves = 1 / (1 + np.exp(-(fractions[None, :] - 0.4) * 40))
    steps, censored = slope_step(curves, fractions)
    assert steps[0] == pytest.approx(0.4 * 99, abs=1.0) and not censored[0]
