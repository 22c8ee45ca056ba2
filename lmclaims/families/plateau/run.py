"""The plateau experiment (Heimersheim 2024; LASR re-implementation, jettjaniak/teren).

For one writing layer: real and synthetic base points at the last position of real
prompts, six kinds of (base, direction) path, and the output-change curve f(t) of
each path. The four plateau/direction claims at one depth share one such run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from lmclaims.measure.activations import last_position_resid
from lmclaims.engine.perturbation import Metric, PerturbationEngine, Readout
from lmclaims.models.depth import block_at_depth
from lmclaims.families.plateau.gaussian import FittedGaussian, fit_gaussian
from lmclaims.seeding import torch_generator

# condition -> (base, direction), as defined in CLAIMS.md, family 1
CONDITIONS = {
    "real+cov": "real base, toward a sample of the fitted Gaussian",
    "synthetic+cov": "Gaussian-sampled base, toward another Gaussian sample",
    "real+toward_real": "real base, toward another prompt's real activation",
    "real+isotropic": "real base, standard-normal direction",
    "real+real_diff": "real base, along the difference of two other real activations",
    "real+cov_diff": "real base, along the difference of two Gaussian samples",
}


@dataclass(frozen=True)
class PlateauDesign:
    depth: float  # relative depth of the writing layer, 0 (first block) to 1 (last)
    n_bases: int  # paths per condition
    n_fit: int  # real activations the Gaussian is fitted on (>= 512)
    steps: int  # sweep points from 0 to t_max
    reach: float  # largest perturbation, in units of the median distance between two real activations


@dataclass
class PlateauRun:
    design: PlateauDesign
    metric: Metric
    write_layer: int
    read_layer: int
    sizes: np.ndarray  # [S] in units of the median activation norm
    curves: dict[str, np.ndarray]  # condition -> [N, S] output change
    diagnostics: dict = field(default_factory=dict)


def unit(v: torch.Tensor) -> torch.Tensor:
    return v / v.norm(dim=-1, keepdim=True).clamp_min(1e-12)


def _directions(real: torch.Tensor, pool: torch.Tensor, gauss: FittedGaussian,
                gen: torch.Generator) -> dict[str, torch.Tensor]:
    """Unit directions per condition for real bases `real` [N, d], drawn with `gen`."""
    n = len(real)
    pick = lambda: pool[torch.randint(len(pool), (n,), generator=gen)]
    return {
        "real+cov": unit(gauss.sample(n, gen) - real),
        "real+toward_real": unit(pick() - real),
        "real+isotropic": unit(torch.randn(real.shape, generator=gen)),
        "real+real_diff": unit(pick() - pick()),
        "real+cov_diff": unit(gauss.sample(n, gen) - gauss.sample(n, gen)),
    }


def diagnostics(real: torch.Tensor, synthetic: torch.Tensor, pool: torch.Tensor,
                gauss: FittedGaussian) -> dict:
    """What a reader needs to judge the covariance baseline (CLAIMS.md, 'A trap')."""
    pool_norms = pool.norm(dim=-1)
    median = float(pool_norms.median())
    return {"median_norm_real": median, "median_norm_synthetic": float(synthetic.norm(dim=-1).median()),
            "top_eigenvalue_share": gauss.top_share, "eigenvalues_clipped": gauss.clipped,
            "outlier_activations_in_fit": int((pool_norms > 5 * median).sum()),
            "median_real_to_real_distance": float((pool - pool.roll(1, 0)).norm(dim=-1).median())}


def run_plateau(bridge, base_prompts: torch.Tensor, fit_acts: torch.Tensor, design: PlateauDesign,
                metric: Metric, seed: int, progress=lambda message: None) -> PlateauRun:
    """Sweep every condition of CONDITIONS for the bases of `base_prompts`."""
    n_layers = int(bridge.cfg.n_layers)
    layer = block_at_depth(design.depth, n_layers)
    engine = PerturbationEngine(bridge, base_prompts, layer, Readout(metric, n_layers - 1))
    real = engine.clean_acts.float().cpu()
    gauss = fit_gaussian(fit_acts)
    gen = torch_generator(seed)
    synthetic = gauss.sample(len(real), gen)
    diagnostics_of = diagnostics(real, synthetic, fit_acts, gauss)
    directions = _directions(real, fit_acts, gauss, gen)
    directions["synthetic+cov"] = unit(gauss.sample(len(real), gen) - synthetic)
    norm = float(fit_acts.norm(dim=-1).median())
    t_max = design.reach * diagnostics_of["median_real_to_real_distance"] / norm
    sizes = np.linspace(0.0, t_max, design.steps)
    prompt_idx = torch.arange(len(real))
    curves = {}
    for i, name in enumerate(CONDITIONS, 1):
        progress(f"plateau sweep at block {layer} ({metric}): condition {i}/{len(CONDITIONS)} "
                 f"{name}, {len(real)} paths x {design.steps} sizes")
        bases = synthetic if name.startswith("synthetic") else real
        curves[name] = engine.path_changes(prompt_idx, bases, directions[name],
                                           torch.as_tensor(sizes * norm)).numpy()
    diag = {**diagnostics_of, "t_max_in_median_norms": t_max, **engine.stats}
    return PlateauRun(design, metric, layer, n_layers - 1, sizes, curves, diag)


def fit_activations(bridge, prompts: torch.Tensor, depth: float) -> torch.Tensor:
    """[n, d] real last-position activations at the writing layer of `depth`, for the fit."""
    layer = block_at_depth(depth, int(bridge.cfg.n_layers))
    return last_position_resid(bridge, prompts, [layer])[layer]
