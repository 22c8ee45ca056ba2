"""Which stretches of a plateau path to sweep densely, from a coarse sweep (engine `Refinement`).

The claims read two kinds of onset from each curve (`onsets`): the first crossing of a
threshold (x1 and the robustness multipliers), and the steepest rise. On the dense grid
the first is decided by the bracket in which the curve first reaches the threshold, the
second by the grid interval of the largest slope and its two neighbours. So after a
coarse sweep (every `every`-th grid size) only these brackets are swept on the grid:

- for each read-out and threshold: the bracket ending at the first coarse size whose change
  reaches it (none if no coarse size does: the onset is censored either way);
- for each read-out: the bracket of the largest coarse slope and the brackets on either side.
  Its densest slope is at least its mean slope, which is at least every other bracket's mean
  slope, i.e. the slope the filled curve has there, so the steepest filled interval lies in
  what was swept.

The onsets then equal the dense grid's wherever the curve does not cross a threshold and fall
back below it between two coarse sizes, and has no interval steeper than the chosen bracket's
inside a bracket of smaller mean slope (checked against dense sweeps in
tests/test_plateau_refine.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from lmclaims.engine.paths import Refinement, coarse_positions


def onset_refinement(every: int, n_sizes: int, fractions: torch.Tensor,
                     thresholds: Sequence[Sequence[float]]) -> Refinement:
    """The Refinement for curves of m read-outs on `fractions` [n_sizes]; thresholds[i]: the
    thresholds of read-out i (model units) whose first crossings the claims read."""
    at = coarse_positions(n_sizes, every)
    widths = (fractions[at[1:]] - fractions[at[:-1]]).double()

    def brackets(coarse: torch.Tensor) -> torch.Tensor:
        curves = coarse if coarse.dim() == 3 else coarse[..., None]  # [k, C, m]
        k, n_coarse, m = curves.shape
        if m != len(thresholds):
            raise ValueError(f"{m} read-outs in the sweep but thresholds for {len(thresholds)}")
        picked = torch.zeros(k, n_coarse - 1, dtype=torch.bool)
        rows = torch.arange(k)
        for i in range(m):
            f = curves[..., i].double()
            for threshold in thresholds[i]:
                above = f >= threshold
                first = above.to(torch.int8).argmax(1)
                cross = above.any(1) & (first > 0)
                picked[rows[cross], first[cross] - 1] = True
            steepest = (f.diff(dim=1) / widths).argmax(1)
            for shift in (-1, 0, 1):
                picked[rows, (steepest + shift).clamp(0, n_coarse - 2)] = True
        return picked

    return Refinement(every, brackets)
