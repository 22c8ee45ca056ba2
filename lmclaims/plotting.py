"""The one matplotlib set-up of the suite: a headless backend, and figures saved whole or not at all."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lmclaims.files import atomic_file


def pyplot():
    """matplotlib.pyplot on the non-interactive Agg backend (imported on first use: it is slow)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path: Path, **savefig) -> Path:
    """Save `fig` as PNG at `path` atomically (no half-written file on failure), close it, return path."""
    try:
        with atomic_file(path, suffix=".png") as tmp:
            fig.savefig(tmp, format="png", **savefig)
    finally:
        pyplot().close(fig)
    return path


def curves_figure(path: Path, sizes: np.ndarray, curves: dict[str, np.ndarray], threshold: float,
                  ylabel: str, title: str,
                  xlabel: str = "perturbation size t (median activation norms)") -> Path:
    """Output change f(t) per condition ([n, len(sizes)] each): median line, interquartile band,
    and the onset threshold as a dashed line; saved as PNG at `path`."""
    fig, ax = pyplot().subplots(figsize=(6, 4), dpi=100)
    for name, c in curves.items():
        q1, med, q3 = np.percentile(c, [25, 50, 75], axis=0)
        ax.plot(sizes, med, label=f"{name} (n={len(c)})")
        ax.fill_between(sizes, q1, q3, alpha=0.25)
    ax.axhline(threshold, color="grey", linestyle="--", linewidth=1, label=f"threshold {threshold:g}")
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path)
