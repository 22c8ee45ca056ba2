"""Do SAE decoder directions behave as sensitive directions? (the seed report's next step;
Lindsey 2024 compares SAE-feature directions with random ones of the same size.)

From the real residual at the last position of short prompts (the plateau family's setting),
perturb along the unit decoder row of a latent active at that base, and along a
covariance-random unit direction (toward a sample of a Gaussian fitted to real activations, the
plateau family's 'real+cov'), with the same sizes; read KL(P_clean || P_perturbed) at the logits
on the perturbation engine, and compare the interpolated threshold onsets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from lmclaims.engine.perturbation import PerturbationEngine, Readout
from lmclaims.families.plateau.gaussian import fit_gaussian


@dataclass(frozen=True)
class FeatureSweep:
    sizes: np.ndarray  # [S] perturbation sizes in units of the median activation norm
    curves: dict[str, np.ndarray]  # "sae_feature" / "covariance" -> [N, S] KL in nats
    latents: np.ndarray  # [N] the latent whose decoder row was followed at each base
    diagnostics: dict


def pick_active_latents(f: torch.Tensor, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(bases with an active latent [K], one latent drawn uniformly among each one's active ones [K])
    from latents f [N, width]."""
    keep, chosen = [], []
    for i, row in enumerate(f):
        active = torch.nonzero(row > 0)[:, 0].numpy()
        if len(active):
            keep.append(i)
            chosen.append(int(rng.choice(active)))
    return np.asarray(keep, dtype=int), np.asarray(chosen, dtype=int)


def feature_sweep(bridge, prompts: torch.Tensor, layer: int, sae, fit_acts: torch.Tensor,
                  steps: int, reach: float, rng: np.random.Generator, gen: torch.Generator,
                  progress=lambda message: None) -> FeatureSweep:
    """Curves along decoder rows and covariance-random directions for the bases of prompts [P, T].

    Sizes run from 0 to `reach` times the median distance between two real activations of
    fit_acts [M, d] (the plateau family's scale). Bases where no latent is active are dropped
    (their count is in the diagnostics).
    """
    engine = PerturbationEngine(bridge, prompts, layer, Readout("kl"))
    real = engine.clean_acts.float().cpu()
    keep, latents = pick_active_latents(sae.encode(real), rng)
    if len(keep) < 3:
        raise ValueError(f"only {len(keep)} of {len(real)} bases have an active SAE latent")
    bases, idx = real[keep], torch.as_tensor(keep)
    gauss = fit_gaussian(fit_acts)
    cov = gauss.sample(len(keep), gen) - bases
    directions = {"sae_feature": sae.W_dec[torch.as_tensor(latents)].float(),
                  "covariance": cov / cov.norm(dim=-1, keepdim=True)}
    norm = float(fit_acts.norm(dim=-1).median())
    spread = float((fit_acts - fit_acts.roll(1, 0)).norm(dim=-1).median())
    sizes = np.linspace(0.0, reach * spread / norm, steps)
    curves = {}
    for name, d in directions.items():
        progress(f"SAE feature sweep at block {layer}: {name}, {len(keep)} paths x {steps} sizes")
        curves[name] = engine.path_changes(idx, bases, d, torch.as_tensor(sizes * norm)).numpy()
    diag = {"bases_without_active_latent": int(len(real) - len(keep)),
            "distinct_latents": int(len(set(latents.tolist()))), "median_norm": norm,
            "top_eigenvalue_share": gauss.top_share, **engine.stats}
    return FeatureSweep(sizes, curves, latents, diag)
