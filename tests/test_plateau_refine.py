"""The adaptive sweep (`families/plateau/refine`) gives the dense grid's onsets: every threshold
onset (x1, x0.5, x2) and every max-slope onset, for every condition and read-out, on a tiny random
model and on the default model, with the same seeds.

Stated tolerance, in steps of the dense grid: threshold onsets within 1e-3 of a step (the
evaluated sizes are the dense sweep's, up to float rounding) with the same censoring; max-slope
onsets within 0.1 of a step (its parabola through three slopes amplifies that rounding where the
peak is flat: measured up to 0.05 on the default model).
"""

from dataclasses import replace

import numpy as np
import pytest
import torch

from lmclaims.engine.paths import Refinement, coarse_positions, fill_between
from lmclaims.families.plateau.comparison import onsets
from lmclaims.families.plateau.conditions import CONDITIONS
from lmclaims.families.plateau.run import READOUTS, PlateauDesign, fit_activations, run_plateau
from lmclaims.families.plateau.thresholds import ROBUSTNESS
from lmclaims.models.tiny import tiny_model

THRESHOLD_TOLERANCE, SLOPE_TOLERANCE = 1e-3, 0.1  # in dense grid steps


def grid_steps(run, condition: str, kind: str) -> np.ndarray:
    """[N] one dense grid step of each path in the units of `kind`'s onsets."""
    per_step = run.lengths[condition] / (run.design.steps - 1)
    return {"distance": per_step, "plateau_steps": per_step / run.step,
            "max_slope_steps": np.full(len(per_step), 99 / (run.design.steps - 1))}[kind]


def assert_same_onsets(dense, adaptive) -> int:
    """Every onset of `adaptive` within the stated tolerance of `dense`'s; the comparisons made."""
    compared = 0
    for condition in CONDITIONS:
        for readout in READOUTS:
            for kind in ("distance", "plateau_steps", "max_slope_steps"):
                slope = kind == "max_slope_steps"
                for scale in (1.0,) if slope else (1.0, *ROBUSTNESS):
                    threshold = dense.thresholds[readout] * scale
                    (x0, c0), (x1, c1) = (onsets(r, condition, kind, readout, threshold) for r in (dense, adaptive))
                    off = np.abs(x0 - x1) / grid_steps(dense, condition, kind)
                    where = f"{condition} {readout} {kind} x{scale:g}"
                    assert (c0 == c1).all(), f"{where}: censoring differs on {int((c0 != c1).sum())} paths"
                    assert off.max() <= (SLOPE_TOLERANCE if slope else THRESHOLD_TOLERANCE), \
                        f"{where}: off by {off.max():.3g} grid steps"
                    compared += len(x0)
    return compared


def dense_and_adaptive(bridge, prompts, n: int, depth: float, steps: int, every: int):
    fit = fit_activations(bridge, prompts[n:], depth)
    design = PlateauDesign(depth, n, len(prompts) - n, steps, 1.0)
    dense = run_plateau(bridge, prompts[:n], fit, design, seed=7)
    adaptive = run_plateau(bridge, prompts[:n], fit, replace(design, refine_every=every), seed=7)
    return dense, adaptive


@pytest.fixture(scope="module")
def tiny():
    return tiny_model("gemma3", layers=3, seed=21)


@pytest.mark.parametrize("every", [3, 4, 7])
def test_adaptive_onsets_equal_the_dense_grid_on_a_tiny_random_model(tiny, every):
    prompts = torch.randint(3, 512, (224, 8), generator=torch.Generator().manual_seed(1))
    dense, adaptive = dense_and_adaptive(tiny.bridge, prompts, 24, 0.5, 40, every)
    assert assert_same_onsets(dense, adaptive) == 24 * len(CONDITIONS) * len(READOUTS) * 7
    assert adaptive.diagnostics["rows"] < dense.diagnostics["rows"]
    assert "adaptive" in adaptive.diagnostics["sweep"] and dense.diagnostics["sweep"] == "dense"


@pytest.mark.real_model
def test_adaptive_onsets_equal_the_dense_grid_on_the_default_model():
    from lmclaims.data.corpus import EMBEDDED_CORPUS, load_corpus
    from lmclaims.data.prompts import bos_id, sample_windows, tokenize_documents
    from lmclaims.models.loader import load_model
    from lmclaims.models.spec import parse_model

    model = load_model(parse_model("default"), torch.device("cpu"), {"seed": 0})
    tokens = tokenize_documents(model.tokenizer, load_corpus(EMBEDDED_CORPUS).documents)
    prompts = sample_windows(tokens, 8 + 2 * 640, 10, np.random.default_rng(0), prepend=bos_id(model.tokenizer))
    dense, adaptive = dense_and_adaptive(model.bridge, prompts, 8, 0.85, 40, 4)
    assert_same_onsets(dense, adaptive)


def test_fill_between_is_linear_in_the_size_between_coarse_points():
    sizes = torch.tensor([0.0, 0.1, 0.3, 0.6, 1.0])
    at = coarse_positions(5, 2)
    assert at.tolist() == [0, 2, 4]
    coarse = torch.tensor([[0.0, 3.0, 10.0]])
    assert torch.allclose(fill_between(coarse, at, sizes), torch.tensor([[0.0, 1.0, 3.0, 6.0, 10.0]]))


def test_a_refinement_rule_of_the_wrong_shape_is_refused(tiny):
    from lmclaims.engine.perturbation import PerturbationEngine, Readout

    prompts = torch.randint(3, 512, (2, 8), generator=torch.Generator().manual_seed(2))
    engine = PerturbationEngine(tiny.bridge, prompts, 1, Readout("kl"))
    base = engine.clean_acts.float().cpu()
    bad = Refinement(2, lambda coarse: torch.zeros(len(coarse), 1, dtype=torch.bool))
    with pytest.raises(ValueError, match="expected"):
        engine.sweep(torch.arange(2), base, torch.ones_like(base), torch.linspace(0, 1, 9), bad)
    as_ints = Refinement(2, lambda coarse: torch.ones(len(coarse), 4, dtype=torch.long))
    with pytest.raises(ValueError, match="torch.bool"):  # 0/1 ints would index paths, not pick brackets
        engine.sweep(torch.arange(2), base, torch.ones_like(base), torch.linspace(0, 1, 9), as_ints)
    for every in (0, 2.5, True):
        with pytest.raises(ValueError, match="every"):
            Refinement(every, bad.brackets)
    for sizes in (torch.tensor([0.0]), torch.tensor([0.0, 0.5, 0.5, 1.0])):
        with pytest.raises(ValueError, match="strictly increasing"):
            engine.sweep(torch.arange(2), base, torch.ones_like(base), sizes, bad)
