"""How good an SAE is on held-out activations, and comparing two architectures' frontiers.

Conventions (../shared/SAE.md): the fraction of variance unexplained is taken about the mean
over the whole evaluation set, never as a mean of per-batch ratios, so predicting the mean
gives exactly 1. The relative reconstruction bias is the paper's gamma = argmin_g
E||x_hat / g - x||^2 = E||x_hat||^2 / E[x_hat . x] (Rajamanoharan et al. 2024, section 5.2),
computed about the evaluation mean (the residual stream's large mean would otherwise hide the
latents' shrinkage); gamma < 1: shrunk reconstructions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from lmclaims.measure.numerics import check_finite


def fvu(x: torch.Tensor, x_hat: torch.Tensor) -> float:
    """sum ||x - x_hat||^2 / sum ||x - mean(x)||^2 over all rows of x, x_hat [N, d]."""
    x, x_hat = x.double(), x_hat.double()
    total = (x - x.mean(0)).pow(2).sum()
    if not total > 0:
        raise ValueError("FVU is undefined on activations without spread (all rows equal)")
    return float((x - x_hat).pow(2).sum() / total)


def relative_bias(x: torch.Tensor, x_hat: torch.Tensor) -> float:
    """gamma = E||x_hat - m||^2 / E[(x_hat - m) . (x - m)], m = mean of x [N, d] (module docstring)."""
    m = x.double().mean(0)
    xc, hc = x.double() - m, x_hat.double() - m
    cross = (hc * xc).sum()
    if not cross > 0:
        raise ValueError("relative reconstruction bias undefined: reconstructions uncorrelated "
                         "with the activations (E[x_hat . x] <= 0 about the mean)")
    return float(hc.pow(2).sum() / cross)


@dataclass(frozen=True)
class SaeQuality:
    fvu: float  # fraction of variance unexplained, about the mean
    l0: float  # mean number of active latents per token
    dead: int  # latents that never fire on the evaluation tokens
    gamma: float  # relative reconstruction bias (< 1: shrinkage)


@torch.no_grad()
def evaluate(sae, acts: torch.Tensor, batch: int = 4096) -> SaeQuality:
    """Quality of `sae` on held-out activations [N, d]; NumericalError on NaN/inf."""
    recon, active, fired = [], 0.0, torch.zeros(sae.width, dtype=torch.bool)
    for chunk in acts.split(batch):
        f = sae.encode(chunk)
        recon.append(sae.decode(f))
        active += float((f > 0).sum())
        fired |= (f > 0).any(0)
    x_hat = check_finite(torch.cat(recon), "SAE reconstructions")
    return SaeQuality(fvu(acts, x_hat), active / len(acts), int((~fired).sum()),
                      relative_bias(acts, x_hat))


def check_monotone(l1: list[float], l0: list[float], what: str) -> None:
    """Raise ValueError unless L0 falls strictly as the sparsity coefficient rises (a sweep that
    does not move L0 cannot match fidelity)."""
    order = np.argsort(l1)
    values = np.asarray(l0, dtype=float)[order]
    if not np.all(np.diff(values) < 0):
        raise ValueError(f"{what}: L0 does not fall monotonically with the sparsity coefficient "
                         f"(l1 {np.asarray(l1)[order].tolist()} -> L0 {values.round(2).tolist()})")


def matched_logs(front_a: tuple, front_b: tuple, points: int = 16) -> tuple[float, float, tuple]:
    """Compare two frontiers at matched fidelity: each front is (fvu list, y list), interpolated
    linearly in (log FVU, log y) at `points` FVU values evenly spaced in log over the range both
    cover. Returns (mean log y_a, mean log y_b, (low, high) FVU of that range); ValueError where
    the ranges do not overlap. mean log y_a - mean log y_b is the log ratio at matched FVU."""
    (fa, ya), (fb, yb) = front_a, front_b
    la, lb = np.log(np.asarray(fa, dtype=float)), np.log(np.asarray(fb, dtype=float))
    lo, hi = max(la.min(), lb.min()), min(la.max(), lb.max())
    if not hi > lo:
        raise ValueError(f"the two frontiers share no FVU range ({np.exp(la.min()):.3g}-"
                         f"{np.exp(la.max()):.3g} vs {np.exp(lb.min()):.3g}-{np.exp(lb.max()):.3g}): "
                         f"widen the sparsity sweep")
    grid = np.linspace(lo, hi, points)
    ia, ib = np.argsort(la), np.argsort(lb)
    va = np.interp(grid, la[ia], np.log(np.asarray(ya, dtype=float))[ia])
    vb = np.interp(grid, lb[ib], np.log(np.asarray(yb, dtype=float))[ib])
    return float(va.mean()), float(vb.mean()), (float(np.exp(lo)), float(np.exp(hi)))


def front(sweep: dict, arch: str, seed: int, y: str) -> tuple[list[float], list[float]]:
    """(FVU list, `y` list) of one architecture and seed through its sparsity sweep, checking
    that L0 falls as the coefficient rises; sweep maps (arch, l1, seed) -> SaeQuality."""
    keys = sorted(k for k in sweep if k[0] == arch and k[2] == seed)
    if len(keys) < 2:
        raise ValueError(f"{arch} seed {seed}: a frontier needs at least 2 sparsity coefficients")
    check_monotone([k[1] for k in keys], [sweep[k].l0 for k in keys], f"{arch} SAE, seed {seed}")
    return [sweep[k].fvu for k in keys], [getattr(sweep[k], y) for k in keys]


def matched_by_seed(sweep: dict, y: str, a: str = "gated", b: str = "relu") -> dict[str, np.ndarray]:
    """Per seed, the geometric mean of `y` over the FVU range both architectures cover:
    {a: [S], b: [S], 'fvu_low': [S], 'fvu_high': [S]} (see `matched_logs`)."""
    seeds = sorted({k[2] for k in sweep})
    rows = [matched_logs(front(sweep, a, s, y), front(sweep, b, s, y)) for s in seeds]
    return {a: np.exp([r[0] for r in rows]), b: np.exp([r[1] for r in rows]),
            "fvu_low": np.array([r[2][0] for r in rows]), "fvu_high": np.array([r[2][1] for r in rows])}
