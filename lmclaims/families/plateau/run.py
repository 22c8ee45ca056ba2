"""The plateau experiment (Heimersheim 2024; LASR re-implementation, jettjaniak/teren).

For one writing layer: real and synthetic base points at the last position of real prompts,
the paths of `conditions.CONDITIONS`, and the output change along each path read three ways
from the same forward passes (KL at the logits; L2 distance and cosine distance at the last
block's output). Thresholds come from full real-to-real swaps before the sweeps
(`thresholds`). Every claim of the family at one depth shares one such run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from lmclaims.engine.perturbation import PerturbationEngine, Readout
from lmclaims.families.plateau.conditions import CONDITIONS, draw_paths
from lmclaims.families.plateau.gaussian import FittedGaussian, fit_gaussian
from lmclaims.families.plateau.refine import onset_refinement
from lmclaims.families.plateau.thresholds import ROBUSTNESS, swap_changes, thresholds_from_swaps
from lmclaims.measure.activations import last_position_resid
from lmclaims.models.depth import block_at_depth
from lmclaims.seeding import torch_generator

READOUTS = {"kl": "kl", "l2": "l2_abs", "cos": "cos"}  # read-out id -> engine metric
READOUT_UNITS = {"kl": "KL(P_clean || P_perturbed) at the logits, nats",
                 "l2": "||r(t) - r(0)|| at the last block's output, the model's units",
                 "cos": "1 - cos(r(t), r(0)) at the last block's output"}
PUBLISHED_STEPS = 100  # the LASR code's sweep: 100 steps to the median real-to-real distance


@dataclass(frozen=True)
class PlateauDesign:
    depth: float  # relative depth of the writing layer, 0 (first block) to 1 (last)
    n_bases: int  # paths per condition
    n_fit: int  # real activations the Gaussian is fitted on (>= 2 x d_model)
    steps: int  # sweep points per path, fractions 0..1 of the way
    reach: float  # ray length (the horizon), in units of the median distance between two real activations
    refine_every: int | None = None  # adaptive sweep: coarse step on the grid (`refine`); None: dense


@dataclass
class PlateauRun:
    design: PlateauDesign
    write_layer: int
    read_layer: int
    fractions: np.ndarray  # [S] 0..1 of the way along every path
    lengths: dict[str, np.ndarray]  # condition -> [N] path length, in median activation norms
    curves: dict[str, dict[str, np.ndarray]]  # condition -> read-out -> [N, S] output change (adaptive
    #   sweeps: interpolated between coarse sizes where not evaluated)
    thresholds: dict[str, float]  # read-out -> threshold, THRESHOLD_SHARE x median swap change
    swap_medians: dict[str, float]  # read-out -> median change of a full real-to-real swap
    horizon: float  # ray length = common censoring point of threshold onsets, in median norms
    step: float  # the published sweep's step, median real-to-real distance / 100, in median norms
    diagnostics: dict = field(default_factory=dict)


def diagnostics(real: torch.Tensor, synthetic: torch.Tensor, pool: torch.Tensor,
                gauss: FittedGaussian) -> dict:
    """What a reader needs to judge the covariance baseline (CLAIMS.md, 'A trap')."""
    pool_norms = pool.norm(dim=-1)
    median = float(pool_norms.median())
    return {"median_norm_real": median, "median_norm_synthetic": float(synthetic.norm(dim=-1).median()),
            "top_eigenvalue_share": gauss.top_share, "eigenvalues_clipped": gauss.clipped,
            "fit_activations": len(pool), "d_model": pool.shape[1],
            "outlier_activations_in_fit": int((pool_norms > 5 * median).sum()),
            "median_real_to_real_distance": float((pool - pool.roll(1, 0)).norm(dim=-1).median())}


def calibrate(engine: PerturbationEngine, real: torch.Tensor, pool: torch.Tensor,
              seed: int) -> tuple[dict[str, float], dict[str, float]]:
    """(thresholds, median swap changes) per read-out, from full real-to-real swaps of `real`."""
    changes = swap_changes(engine, real, pool, torch_generator(seed))
    by_readout = {r: changes[:, i] for i, r in enumerate(READOUTS)}
    return thresholds_from_swaps(by_readout), {r: float(np.median(v)) for r, v in by_readout.items()}


def run_plateau(bridge, base_prompts: torch.Tensor, fit_acts: torch.Tensor, design: PlateauDesign,
                seed: int, progress=lambda message: None) -> PlateauRun:
    """Thresholds from swaps, then a sweep of every condition of CONDITIONS with all read-outs."""
    n_layers = int(bridge.cfg.n_layers)
    layer = block_at_depth(design.depth, n_layers)
    engine = PerturbationEngine(bridge, base_prompts, layer, Readout(tuple(READOUTS.values()), n_layers - 1))
    real, pool = engine.clean_acts.float().cpu(), fit_acts.float()
    gauss = fit_gaussian(pool)
    thresholds, swaps = calibrate(engine, real, pool, seed + 1)  # fixed before any sweep
    norm = float(pool.norm(dim=-1).median())
    distance = float((pool - pool.roll(1, 0)).norm(dim=-1).median())
    bases, steps = draw_paths(real, pool, gauss, design.reach * distance, torch_generator(seed))
    fractions = np.linspace(0.0, 1.0, design.steps)
    sizes = torch.as_tensor(fractions, dtype=torch.float32)
    refinement = None if design.refine_every is None else onset_refinement(
        design.refine_every, design.steps, sizes,
        [[thresholds[r] * s for s in (1.0, *ROBUSTNESS)] for r in READOUTS])
    curves, lengths, evaluated = {}, {}, {}
    for i, name in enumerate(CONDITIONS, 1):
        progress(f"plateau sweep at block {layer}: condition {i}/{len(CONDITIONS)} {name}, "
                 f"{len(real)} paths x {design.steps} points"
                 f"{'' if refinement is None else ' (adaptive)'}, read-outs {', '.join(READOUTS)}")
        args = (torch.arange(len(real)), bases[name], steps[name], sizes)
        if refinement is None:
            changes = engine.path_changes(*args)
        else:
            changes, swept = engine.sweep(*args, refinement)
            evaluated[name] = round(float(swept.float().mean()), 3)
        curves[name] = {r: changes[..., k].numpy() for k, r in enumerate(READOUTS)}
        lengths[name] = (steps[name].norm(dim=-1) / norm).numpy()
    diag = {**diagnostics(real, bases["synthetic+cov"], pool, gauss), **engine.stats,
            "median_swap_change": swaps,
            "sweep": ("dense" if refinement is None else
                      f"adaptive: coarse every {design.refine_every} of {design.steps} points, "
                      f"share of grid points evaluated per condition {evaluated}")}
    return PlateauRun(design, layer, n_layers - 1, fractions, lengths, curves, thresholds, swaps,
                      horizon=design.reach * distance / norm, step=distance / norm / PUBLISHED_STEPS,
                      diagnostics=diag)


def fit_activations(bridge, prompts: torch.Tensor, depth: float) -> torch.Tensor:
    """[n, d] real last-position activations at the writing layer of `depth`, for the fit."""
    layer = block_at_depth(depth, int(bridge.cfg.n_layers))
    return last_position_resid(bridge, prompts, [layer])[layer]
