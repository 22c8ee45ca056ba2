"""The paths of the plateau experiment: (base, end) pairs per condition, none of length zero.

Every path is a segment from a base point x0 to x0 + step, swept at fractions 0..1 of the way:
toward a target (step = target - x0, the published code's "perturb_activation"), or along a
unit direction up to a common horizon (step = horizon * direction). Definitions follow
CLAIMS.md, family 1; "improved baselines" (directions that do not involve the base) follow
Lee & Heimersheim 2024, arXiv 2410.12555.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from lmclaims.families.plateau.gaussian import FittedGaussian

MIN_STEP = 1e-6  # a path shorter than this share of the median activation norm counts as zero
REDRAWS = 20  # attempts to draw a real activation distinct from the one it must differ from


@dataclass(frozen=True)
class Condition:
    base: str  # "real": the prompt's own activation; "synthetic": a sample of the fitted Gaussian
    to_target: bool  # True: swept all the way to a target point; False: a ray up to the horizon
    text: str


CONDITIONS = {
    "real+toward_real": Condition("real", True, "real base, all the way to another prompt's real activation"),
    "real+cov": Condition("real", True, "real base, all the way to a sample of the fitted Gaussian"),
    "synthetic+cov": Condition("synthetic", True, "Gaussian-sampled base, all the way to another Gaussian sample"),
    "real+isotropic": Condition("real", False, "real base, along a standard-normal direction"),
    "real+real_diff": Condition("real", False, "real base, along the difference of two distinct other real "
                                               "activations (no base in the direction)"),
    "real+cov_diff": Condition("real", False, "real base, along the difference of two Gaussian samples "
                                              "(no base in the direction)"),
}


def unit(v: torch.Tensor) -> torch.Tensor:
    return v / v.norm(dim=-1, keepdim=True).clamp_min(1e-12)


def distinct_from(pool: torch.Tensor, avoid: torch.Tensor, gen: torch.Generator, scale: float) -> torch.Tensor:
    """[N, d] rows of `pool` [P, d], each differing from its row of `avoid` [N, d] by > MIN_STEP * scale.

    Two draws can coincide (the same row drawn twice, or a corpus window repeated): such rows are
    redrawn; ValueError if the pool holds nothing distinct for some row after REDRAWS attempts.
    """
    picked = pool[torch.randint(len(pool), (len(avoid),), generator=gen)]
    for _ in range(REDRAWS):
        same = (picked - avoid).norm(dim=-1) <= MIN_STEP * scale
        if not same.any():
            return picked
        picked[same] = pool[torch.randint(len(pool), (int(same.sum()),), generator=gen)]
    raise ValueError(f"no real activation distinct from {int(same.sum())} of the {len(avoid)} points "
                     f"in a pool of {len(pool)}: the prompts repeat")


def check_nonzero(steps: dict[str, torch.Tensor], scale: float) -> None:
    """ValueError naming any condition with a path shorter than MIN_STEP * scale."""
    for name, step in steps.items():
        short = int((step.norm(dim=-1) <= MIN_STEP * scale).sum())
        if short:
            raise ValueError(f"condition {name}: {short} of {len(step)} paths have length zero")


def draw_paths(real: torch.Tensor, pool: torch.Tensor, gauss: FittedGaussian, horizon: float,
               gen: torch.Generator) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """Bases and steps, {condition: [N, d]}, for real bases `real` [N, d] (model units).

    `pool` [P, d]: other real activations (targets, differences); `horizon`: length of the rays,
    in the activations' units. Raises ValueError if any path would have length zero.
    """
    n, scale = len(real), float(real.norm(dim=-1).median())
    synthetic = gauss.sample(n, gen)
    first = distinct_from(pool, real, gen, scale)
    ends = {"real+toward_real": distinct_from(pool, real, gen, scale) - real,
            "real+cov": gauss.sample(n, gen) - real,
            "synthetic+cov": gauss.sample(n, gen) - synthetic,
            "real+isotropic": torch.randn(real.shape, generator=gen, dtype=real.dtype),
            "real+real_diff": first - distinct_from(pool, first, gen, scale),
            "real+cov_diff": gauss.sample(n, gen) - gauss.sample(n, gen)}
    steps = {name: (step if CONDITIONS[name].to_target else horizon * unit(step)) for name, step in ends.items()}
    check_nonzero(steps, scale)
    bases = {name: (synthetic if c.base == "synthetic" else real) for name, c in CONDITIONS.items()}
    return bases, steps
