"""The one matplotlib set-up of the suite: a headless backend, and figures saved whole or not at all."""

from __future__ import annotations

from pathlib import Path

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
