"""Right-censored values at the end of a sweep: when a median is still estimable, and when not.

An onset that never happens inside the sweep is censored at its end, t_max. With one common
censoring time at or above every observed value, the Kaplan-Meier survival curve drops only
at observed values and stays at the censored share c from t_max on (Kaplan & Meier 1958,
JASA 53(282)); its median is therefore the sample median of the values with the censored
ones set to t_max whenever c < 1/2, and only a lower bound (t_max) from c >= 1/2 on.
`scipy.stats.ecdf(CensoredData(...))` gives the same median (tests/test_stats_censoring.py).

A claim declares the censored share past which it is not decided (`ClaimSpec.max_censored`,
well below 1/2, so that bootstrap resamples rarely reach half censored): such a comparison is
n/a with the shares as its reason, never a precise-looking "1 [1, 1]".
"""

from __future__ import annotations

import numpy as np


def censoring_masks(censored, x: np.ndarray, y: np.ndarray | None):
    """The masks as boolean arrays shaped like x (and y); ValueError where they do not fit or
    a censored value lies below an observed one (not censoring at the sweep's end)."""
    masks = censored if isinstance(censored, tuple) else (censored,)
    samples = (x,) if y is None else (x, y)
    if len(masks) != len(samples):
        raise ValueError(f"censored= takes one mask per sample ({len(samples)}), got {len(masks)}")
    out = []
    for name, mask, values in zip("xy", masks, samples):
        mask = np.asarray(mask, dtype=bool).reshape(values.shape)
        low_censored = np.where(mask, values, np.inf).min(axis=-1)
        high_observed = np.where(mask, -np.inf, values).max(axis=-1)
        if np.any(low_censored < high_observed):
            raise ValueError(f"censored values of {name} must lie at or above every observed one "
                             "(censoring at the end of the sweep); a Kaplan-Meier median of other "
                             "censoring patterns is not implemented")
        out.append(mask)
    return tuple(out)


def too_censored(masks: tuple, limit: float) -> np.ndarray:
    """Per row, '' or the n/a reason where a sample's censored share exceeds `limit`."""
    shares = np.stack([m.mean(axis=-1) for m in masks])  # (samples, rows)
    worst = shares.max(axis=0)
    why = np.full(worst.shape, "", dtype=object)
    over = worst > limit
    why[over] = [("n/a: censored shares " + " / ".join(f"{s:.0%}" for s in col) +
                  f" exceed the declared {limit:.0%}; the median is then at best a bound")
                 for col in shares[:, over].T]
    return why
