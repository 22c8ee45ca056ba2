"""Output-change thresholds in the model's own units, one rule for every model, layer and read-out.

The rule (from the LASR reproduction's rescaling in CLAIMS.md): a threshold is THRESHOLD_SHARE of
the median change that a full real-to-real swap causes at that writing layer and read-out:
each base prompt's activation replaced by another prompt's real activation. It is measured on
the base prompts with targets drawn apart from the sweeps' (claim stream 'calibration'),
before any sweep runs, and every arm of every claim at that layer uses it.
"""

from __future__ import annotations

import numpy as np
import torch

from lmclaims.families.plateau.conditions import check_nonzero, distinct_from

THRESHOLD_SHARE = 0.1  # of the median full-swap change: the LASR reproduction's rescaling (CLAIMS.md)
SWAPS_PER_BASE = 2  # real-to-real swaps per base prompt behind each threshold's median
ROBUSTNESS = (0.5, 2.0)  # threshold multipliers reported beside the declared one


def swap_changes(engine, real: torch.Tensor, pool: torch.Tensor, gen: torch.Generator) -> np.ndarray:
    """[SWAPS_PER_BASE * N, m] read-out changes when each base in `real` [N, d] is replaced by a
    distinct real activation from `pool` [P, d] (m metrics of the engine's read-out)."""
    scale = float(real.norm(dim=-1).median())
    idx = torch.arange(len(real)).repeat(SWAPS_PER_BASE)
    bases = real[idx]
    steps = distinct_from(pool, bases, gen, scale) - bases
    check_nonzero({"real-to-real swap": steps}, scale)
    changes = engine.path_changes(idx, bases, steps, torch.tensor([0.0, 1.0]))  # [n, 2(, m)]
    changes = changes[:, 1]
    return (changes if changes.ndim == 2 else changes[:, None]).numpy()


def thresholds_from_swaps(changes: dict[str, np.ndarray], share: float = THRESHOLD_SHARE) -> dict[str, float]:
    """{read-out: share x median swap change}; ValueError where a read-out's swaps do not change it."""
    out = {}
    for readout, values in changes.items():
        median = float(np.median(values))
        if not np.isfinite(median) or median <= 0:
            raise ValueError(f"a full real-to-real swap changes the {readout} read-out by {median:g} "
                             f"(median): no threshold in this model's units exists")
        out[readout] = share * median
    return out
