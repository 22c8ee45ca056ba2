"""The heatmap beside `lmclaims matrix`'s markdown: claims x runs, coloured by effect size.

Colour: for a ratio estimator, log(estimate / null) (the null is the ratio the claim is
tested against, usually 1); for any other estimator, (estimate - null) divided by the row's
largest |estimate - null|, so that rows of different units share one scale in [-1, 1].
Each cell is marked with its verdict. Written atomically (temporary file, then rename).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from lmclaims.plotting import pyplot, save_figure
from lmclaims.report.compare import label, number
from lmclaims.report.meta_analysis import is_ratio


MARK = {"holds": "✓", "equivalent": "=", "contradicted": "✗", "inconclusive": "?", "underpowered": "?↓",
        "n/a": "n/a", "error": "err"}


def _null_and_ratio(claims: list[dict | None]) -> tuple[float, bool]:
    spec = next((c["spec"] for c in claims if c is not None and isinstance(c.get("spec"), dict)), {})
    estimator = spec.get("estimator") if isinstance(spec.get("estimator"), str) else None
    null = number(spec.get("null"))
    return (null if null is not None else (1.0 if is_ratio(estimator) else 0.0)), is_ratio(estimator)


def row_effects(claims: list[dict | None]) -> tuple[list[float], bool]:
    """The row's colour values (NaN where there is no estimate) and whether they are log ratios."""
    null, ratio = _null_and_ratio(claims)
    estimates = [number(c.get("estimate")) if c is not None else None for c in claims]
    if ratio and null > 0:
        return [math.log(e / null) if e is not None and e > 0 else math.nan for e in estimates], True
    diffs = [e - null if e is not None else math.nan for e in estimates]
    scale = max((abs(d) for d in diffs if not math.isnan(d)), default=0.0) or 1.0
    return [d / scale for d in diffs], False


def _row_name(claims: list[dict | None], ratio: bool) -> str:
    claim = next(c for c in claims if c is not None)
    params = claim.get("params") if isinstance(claim.get("params"), dict) else {}
    shown = ", ".join(f"{k}={v}" for k, v in params.items())
    return f"{claim.get('id')}" + (f" [{shown}]" if shown else "") + (" (log)" if ratio else "")


def draw_heatmap(reports: list[dict], rows: list[tuple], path: Path) -> Path:
    """Draw the heatmap of rows (matrix.matrix_rows) for reports to path (.png); return path.

    Raises OSError where the file cannot be written; leaves no partial file behind.
    """
    plt = pyplot()

    effects = [row_effects(claims) for _, claims in rows]
    values = np.array([v for v, _ in effects], dtype=float).reshape(len(rows), len(reports))
    limit = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    fig, ax = plt.subplots(figsize=(2.2 + 1.6 * len(reports), 1.2 + 0.32 * len(rows)))
    image = ax.imshow(np.ma.masked_invalid(values), cmap="RdBu_r", vmin=-limit or -1, vmax=limit or 1,
                      aspect="auto")
    for r, (_, claims) in enumerate(rows):
        for c, claim in enumerate(claims):
            mark = MARK.get(claim.get("verdict"), "?") if claim is not None else "–"
            ax.text(c, r, mark, ha="center", va="center", fontsize=8)
    ax.set_xticks(range(len(reports)), [f"{i + 1}. {label(rep)[:30]}" for i, rep in enumerate(reports)],
                  rotation=20, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)), [_row_name(claims, ratio) for (_, claims), (_, ratio)
                                     in zip(rows, effects)], fontsize=7)
    fig.colorbar(image, ax=ax, label="log(ratio / null); other rows: (estimate - null) / row max")
    ax.set_title("effect by claim and model (✓ holds, ✗ contradicted, ? inconclusive)", fontsize=9)
    fig.tight_layout()
    return save_figure(fig, path, dpi=120)
