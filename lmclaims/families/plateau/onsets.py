"""Onsets of output-change curves f(t), interpolated so they are continuous statistics."""

from __future__ import annotations

import numpy as np


def threshold_onset(curves: np.ndarray, sizes: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Smallest t where f(t) reaches `threshold`, linearly interpolated; [N] onsets, [N] censored.

    A curve that never reaches the threshold is censored at the largest size.
    """
    above = curves >= threshold
    crossed = above.any(1)
    k = np.where(crossed, above.argmax(1), len(sizes) - 1)
    k = np.maximum(k, 1)
    rows = np.arange(len(curves))
    f0, f1 = curves[rows, k - 1], curves[rows, k]
    frac = np.clip((threshold - f0) / np.where(f1 > f0, f1 - f0, 1.0), 0.0, 1.0)
    onset = sizes[k - 1] + frac * (sizes[k] - sizes[k - 1])
    return np.where(crossed, onset, sizes[-1]), ~crossed


def max_slope_onset(curves: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """t of the steepest rise of f, the slope's peak refined by a parabola; [N] onsets, [N] censored.

    A curve still steepening at the end of the sweep has no peak inside it: censored.
    """
    slopes = np.diff(curves, axis=1) / np.diff(sizes)[None, :]
    mids = (sizes[1:] + sizes[:-1]) / 2
    k = slopes.argmax(1)
    rows = np.arange(len(curves))
    inner = (k > 0) & (k < slopes.shape[1] - 1)
    km, kp = np.clip(k - 1, 0, None), np.clip(k + 1, None, slopes.shape[1] - 1)
    left, mid, right = slopes[rows, km], slopes[rows, k], slopes[rows, kp]
    denom = left - 2 * mid + right
    shift = np.where(inner & (denom < 0), 0.5 * (left - right) / np.where(denom < 0, denom, -1.0), 0.0)
    step = mids[1] - mids[0] if len(mids) > 1 else 1.0
    return mids[k] + np.clip(shift, -0.5, 0.5) * step, k == slopes.shape[1] - 1


def distance_onset(curves: np.ndarray, fractions: np.ndarray, lengths: np.ndarray, threshold: float,
                   horizon: float) -> tuple[np.ndarray, np.ndarray]:
    """Threshold onsets as distances from the base (the units of `lengths`), censored at `horizon`.

    curves [N, S] along fractions [S] of paths of lengths [N]; a path that does not cross within
    min(its length, horizon) is censored and given `horizon`, so that paths of different lengths
    (rays, segments to near or far targets) are compared on one common range.
    """
    frac, censored = threshold_onset(curves, fractions, threshold)
    distance = frac * lengths
    censored = censored | (distance > horizon)
    return np.where(censored, horizon, distance), censored


def slope_step(curves: np.ndarray, fractions: np.ndarray, steps: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Max-slope onsets as the published step index: fraction of the path x (steps - 1)."""
    frac, censored = max_slope_onset(curves, fractions)
    return frac * (steps - 1), censored
