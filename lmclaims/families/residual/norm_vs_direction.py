"""Rescaling a residual along itself versus moving it orthogonally by the same L2 distance.

Every block reads the residual stream through a normalisation, which divides out
the norm; so changing only the norm should matter less than changing the direction.
"""

from __future__ import annotations

import numpy as np
import torch

from lmclaims.engine.perturbation import PerturbationEngine, Readout


def orthogonal_unit(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """[N, d] random unit vectors orthogonal to each row of x."""
    r = torch.randn(x.shape, generator=generator, dtype=x.dtype)
    unit_x = x / x.norm(dim=-1, keepdim=True)
    r = r - (r * unit_x).sum(-1, keepdim=True) * unit_x
    return r / r.norm(dim=-1, keepdim=True)


def rescale_vs_orthogonal(bridge, prompts: torch.Tensor, layer: int, epsilons: np.ndarray,
                          generator: torch.Generator) -> dict[str, np.ndarray]:
    """{'rescale', 'orthogonal'}: [N, E] KL at relative sizes eps * ||x|| (eps[0] must be 0)."""
    engine = PerturbationEngine(bridge, prompts, layer, Readout("kl"))
    x = engine.clean_acts.float().cpu()
    idx = torch.arange(len(x))
    sizes = torch.as_tensor(epsilons, dtype=torch.float32)
    along = x  # base + eps * x = (1 + eps) x: a change of eps * ||x|| along x
    across = orthogonal_unit(x, generator) * x.norm(dim=-1, keepdim=True)
    return {"rescale": engine.path_changes(idx, x, along, sizes).numpy(),
            "orthogonal": engine.path_changes(idx, x, across, sizes).numpy()}
