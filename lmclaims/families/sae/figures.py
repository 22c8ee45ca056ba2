"""Figures of the SAE family: the L0-vs-fidelity frontier per architecture, ratio distributions."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lmclaims.plotting import pyplot as _pyplot, save_figure

COLORS = {"relu": "tab:blue", "gated": "tab:orange"}


def frontier_figure(path: Path, sweep: dict, y: str, title: str) -> None:
    """L0 (x, log) against `y` ('fvu' or 'gamma') per architecture: one line per seed through its
    sparsity sweep; sweep maps (arch, l1, seed) -> SaeQuality."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    for arch in sorted({k[0] for k in sweep}):
        for seed in sorted({k[2] for k in sweep if k[0] == arch}):
            keys = sorted(k for k in sweep if k[0] == arch and k[2] == seed)
            pts = np.array([(sweep[k].l0, getattr(sweep[k], y)) for k in keys])
            ax.plot(pts[:, 0], pts[:, 1], "o-", color=COLORS.get(arch), alpha=0.6,
                    label=arch if seed == 0 else None)
    ax.set_xscale("log")
    if y == "fvu":
        ax.set_yscale("log")
    else:
        ax.axhline(1.0, color="grey", linestyle="--", linewidth=1, label="no shrinkage")
    ax.set_xlabel("L0 (active latents per token, held-out)")
    ax.set_ylabel({"fvu": "fraction of variance unexplained", "gamma": "relative reconstruction "
                   "bias gamma"}.get(y, y))
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path)


def ratio_figure(path: Path, ratios: dict[str, np.ndarray], reference: tuple[float, float] | None,
                 xlabel: str, title: str) -> None:
    """Histograms of per-prompt ratios (log x axis), with a shaded published range if given."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    everything = np.log10(np.concatenate(list(ratios.values())))
    bins = np.logspace(everything.min() - 0.05, everything.max() + 0.05, 30)
    for name, values in ratios.items():
        ax.hist(values, bins=bins, alpha=0.5, label=f"{name} (median {np.median(values):.3g})")
    if reference:
        ax.axvspan(*reference, color="grey", alpha=0.15, label=f"published {reference[0]:g}-{reference[1]:g}")
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("prompts")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path)
