"""Rescaling a residual along itself versus moving it orthogonally by the same L2 distance.

Every block reads the residual stream through a normalisation, which divides out
the norm; so changing only the norm should matter less than changing the direction.
"""

from __future__ import annotations

import numpy as np
import torch

from lmclaims.engine.perturbation import PerturbationEngine, Readout


def orthogonal_unit(x: torch.Tensor, generator: torch.Generator | None = None,
                    noise: torch.Tensor | None = None) -> torch.Tensor:
    """[N, d] random unit vectors orthogonal to each row of x, from `noise` ([N, d] standard
    normals drawn beforehand) or from fresh draws of `generator`."""
    r = torch.randn(x.shape, generator=generator, dtype=x.dtype) if noise is None else noise.to(x.dtype)
    unit_x = x / x.norm(dim=-1, keepdim=True)
    r = r - (r * unit_x).sum(-1, keepdim=True) * unit_x
    return r / r.norm(dim=-1, keepdim=True)


def rescale_vs_orthogonal(bridge, prompts: torch.Tensor, layer: int, epsilons: np.ndarray,
                          generator: torch.Generator | None = None,
                          noise: torch.Tensor | None = None) -> dict[str, np.ndarray]:
    """{'rescale', 'orthogonal'}: [N, E] KL at relative sizes eps * ||x|| (eps[0] must be 0).

    The orthogonal directions come from `noise` ([N, d_model] standard normals, so that prompts
    measured in chunks get the directions they would get together) or from `generator`."""
    if (generator is None) == (noise is None):
        raise ValueError("rescale_vs_orthogonal takes a generator or noise, exactly one of them")
    engine = PerturbationEngine(bridge, prompts, layer, Readout("kl"))
    x = engine.clean_acts.float().cpu()
    idx = torch.arange(len(x))
    sizes = torch.as_tensor(epsilons, dtype=torch.float32)
    along = x  # base + eps * x = (1 + eps) x: a change of eps * ||x|| along x
    across = orthogonal_unit(x, generator, noise) * x.norm(dim=-1, keepdim=True)
    return {"rescale": engine.path_changes(idx, x, along, sizes).numpy(),
            "orthogonal": engine.path_changes(idx, x, across, sizes).numpy()}
