"""Figures of the plateau family: f(t) curves with IQR bands, and onset distributions."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lmclaims.plotting import pyplot, save_figure


def curves_figure(path: Path, sizes: np.ndarray, curves: dict[str, np.ndarray], threshold: float,
                  ylabel: str, title: str) -> None:
    """Median output change per condition with its interquartile band, and the threshold."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    for name, c in curves.items():
        q1, med, q3 = np.percentile(c, [25, 50, 75], axis=0)
        ax.plot(sizes, med, label=f"{name} (n={len(c)})")
        ax.fill_between(sizes, q1, q3, alpha=0.25)
    ax.axhline(threshold, color="grey", linestyle="--", linewidth=1, label=f"threshold {threshold:g}")
    ax.set_xlabel("perturbation size t (median activation norms)")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path)


def onsets_figure(path: Path, onsets: dict[str, np.ndarray], xlabel: str, title: str) -> None:
    """Histogram of onsets per condition on shared bins."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    everything = np.concatenate(list(onsets.values()))
    bins = np.linspace(everything.min(), everything.max() + 1e-9, 25)
    for name, values in onsets.items():
        ax.hist(values, bins=bins, alpha=0.5, label=f"{name} (median {np.median(values):.3g})")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("paths")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path)
