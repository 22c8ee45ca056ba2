"""Figures of the plateau family: f(t) curves with IQR bands beside the onset distributions."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lmclaims.families.plateau.run import READOUT_UNITS
from lmclaims.plotting import pyplot, save_figure

GRID = 60  # points of the common x grid the curves are interpolated onto


def _on_grid(positions: np.ndarray, curves: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """[N, G] each curve [N, S] at its positions [N, S], interpolated onto `grid`; NaN past its end."""
    return np.stack([np.interp(grid, x, y, right=np.nan) for x, y in zip(positions, curves)])


def _positions(run, condition: str, kind: str) -> tuple[np.ndarray, str]:
    """[N, S] where each sweep point of a condition's paths lies, in the onset kind's units."""
    if kind == "max_slope_steps":
        return np.broadcast_to(run.fractions * 99, run.curves[condition]["kl"].shape), "step of 100 along the path"
    dist = run.lengths[condition][:, None] * run.fractions[None, :]
    if kind == "plateau_steps":
        return dist / run.step, "steps of 1/100 of the median real-to-real distance"
    return dist, "distance from the base (median activation norms)"


def comparison_figure(path: Path, run, cmp, readout: str, threshold: float,
                      samples: tuple[np.ndarray, np.ndarray], title: str) -> None:
    """Left: median output change per condition with its interquartile band, and the threshold;
    right: the two conditions' primary onsets on shared bins."""
    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), dpi=90)
    xlabel = ""
    for name in (cmp.a, cmp.b):
        positions, xlabel = _positions(run, name, cmp.onset)
        end = 99 if cmp.onset == "max_slope_steps" else float(np.median(positions[:, -1]))
        grid = np.linspace(0.0, max(end, 1e-9), GRID)
        on_grid = _on_grid(positions, run.curves[name][readout], grid)
        with np.errstate(all="ignore"):
            q1, med, q3 = np.nanpercentile(on_grid, [25, 50, 75], axis=0)
        left.plot(grid, med, label=f"{name} (n={len(on_grid)})")
        left.fill_between(grid, q1, q3, alpha=0.25)
    if cmp.onset != "max_slope_steps":
        left.axhline(threshold, color="grey", linestyle="--", linewidth=1, label=f"threshold {threshold:.3g}")
    left.set(xlabel=xlabel, ylabel=READOUT_UNITS[readout])
    left.legend(fontsize=8)
    everything = np.concatenate(samples)
    bins = np.linspace(everything.min(), everything.max() + 1e-9, 25)
    for name, values in zip((cmp.a, cmp.b), samples):
        right.hist(values, bins=bins, alpha=0.5, label=f"{name} (median {np.median(values):.3g})")
    right.set(xlabel=cmp.onset.replace("_", " "), ylabel="paths")
    right.legend(fontsize=8)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    save_figure(fig, path)
