"""Figures of the training claims: curves over training steps, one thin line per seed."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lmclaims.plotting import pyplot, save_figure


def grokking_figure(path: Path, logs: list[dict], marks: list[tuple[float, float]], title: str) -> None:
    """Accuracy (left) and loss (right, log scale) against step for every seed; the median
    memorisation and generalisation steps of `marks` [(memorised, generalised) per seed]
    are drawn as vertical lines with the delay between them shaded."""
    plt = pyplot()
    fig, (acc, loss) = plt.subplots(1, 2, figsize=(11, 4))
    for i, log in enumerate(logs):
        lab = (lambda s: s) if i == 0 else (lambda s: None)
        acc.plot(log["step"], log["train_acc"], color="C0", alpha=0.5, lw=1, label=lab("train"))
        acc.plot(log["step"], log["test_acc"], color="C3", alpha=0.5, lw=1, label=lab("test"))
        loss.plot(log["step"], log["train_loss"], color="C0", alpha=0.5, lw=1, label=lab("train"))
        loss.plot(log["step"], log["test_loss"], color="C3", alpha=0.5, lw=1, label=lab("test"))
    mem, gen = np.median(np.array(marks), axis=0)
    for ax in (acc, loss):
        ax.axvspan(mem, gen, color="0.85", zorder=0, label="median grokking delay" if ax is acc else None)
        ax.axvline(mem, color="C0", ls="--", lw=1)
        ax.axvline(gen, color="C3", ls="--", lw=1)
        ax.set_xlabel("training step")
    acc.set_ylabel("accuracy")
    loss.set_ylabel("cross-entropy (nats)")
    loss.set_yscale("log")
    acc.legend(loc="center right")
    fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, path, dpi=110)


def series_figure(path: Path, series: dict[str, list[tuple[list, list]]], ylabel: str, title: str,
                  marks: dict[str, float] | None = None, second: dict | None = None) -> None:
    """One panel: for each label, (steps, values) per seed as thin lines; `marks` are vertical
    lines (label -> step); `second` = {"ylabel": str, "series": like `series`} on a right axis."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    for c, (label, runs) in enumerate(series.items()):
        for i, (x, y) in enumerate(runs):
            ax.plot(x, y, color=f"C{c}", alpha=0.6, lw=1, label=label if i == 0 else None)
    for c, (label, step) in enumerate((marks or {}).items()):
        ax.axvline(step, color=f"C{c + 5}", ls="--", lw=1, label=label)
    if second:
        ax2 = ax.twinx()
        for c, (label, runs) in enumerate(second["series"].items(), len(series)):
            for i, (x, y) in enumerate(runs):
                ax2.plot(x, y, color=f"C{c}", alpha=0.4, lw=1, ls=":", label=label if i == 0 else None)
        ax2.set_ylabel(second["ylabel"])
        ax2.legend(loc="center right", fontsize=8)
    ax.set_xlabel("training step")
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    save_figure(fig, path, dpi=110)
