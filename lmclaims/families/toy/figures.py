"""The picture of Elhage et al. 2022, section 2: W^T W, and each feature's norm coloured by superposition."""

from __future__ import annotations

from pathlib import Path

import torch

from lmclaims.families.toy.superposition import feature_norms, interference
from lmclaims.plotting import pyplot, save_figure


def _heatmap(ax, w: torch.Tensor) -> object:
    """W^T W of one model ([m, n] -> [n, n]) on a symmetric red-blue scale."""
    gram = (w.T @ w).numpy()
    ax.set_xticks([]), ax.set_yticks([])
    return ax.imshow(gram, cmap="RdBu_r", vmin=-1.0, vmax=1.0)


def _norm_bars(ax, w: torch.Tensor, threshold: float, cmap) -> None:
    """Horizontal bars of ||W_i||, most important feature on top, coloured by its superposition."""
    norms = feature_norms(w[None])[0].numpy()
    superposed = interference(w[None])[0].clamp(0.0, 1.0).numpy()
    rows = range(len(norms))
    ax.barh(rows, norms, color=cmap(superposed), edgecolor="0.3", linewidth=0.4)
    ax.axvline(threshold, color="0.4", linestyle="--", linewidth=1)
    ax.set_yticks(range(0, len(norms), 5))
    ax.invert_yaxis()
    ax.set_xlim(0, max(1.3, float(norms.max()) * 1.05))
    ax.set_xlabel(r"$\|W_i\|$")
    ax.set_ylabel("feature, most important first")


def plot_superposition(panels: dict[str, torch.Tensor], threshold: float, path: Path, title: str) -> None:
    """One column per model ([m, n] weights): W^T W above, feature norms below; saved as PNG."""
    plt = pyplot()
    from matplotlib.cm import ScalarMappable

    cmap = plt.get_cmap("plasma")
    fig, axes = plt.subplots(2, len(panels), figsize=(3.6 * len(panels) + 1.2, 7.4),
                             gridspec_kw={"height_ratios": [1, 1.25]}, squeeze=False)
    for col, (label, w) in enumerate(panels.items()):
        image = _heatmap(axes[0, col], w)
        shown = int((feature_norms(w[None]) > threshold).sum())
        axes[0, col].set_title(f"{label}\n{shown} features with norm > {threshold:g}", fontsize=10)
        _norm_bars(axes[1, col], w, threshold, cmap)
    fig.colorbar(image, ax=axes[0, :].tolist(), shrink=0.8, label=r"$W^T W$ entry")
    fig.colorbar(ScalarMappable(cmap=cmap), ax=axes[1, :].tolist(), shrink=0.8,
                 label=r"superposition $\sum_{j \neq i} (\hat{W}_i \cdot W_j)^2$, clipped at 1")
    fig.suptitle(title, fontsize=11)
    save_figure(fig, path, dpi=110, bbox_inches="tight")
