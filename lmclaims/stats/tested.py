"""What every test method hands the verdict logic: a point estimate, an interval at the decision
level, p-values at any point of the test scale, and the distance to the minimum detectable effect.

A method's interval is the inversion of its own test at the decision level L: the interval
excludes a point theta_0 on its lower side exactly where the one-sided test of "theta <= theta_0"
rejects at L (up to Monte Carlo and tie conventions), so `p_at(null)` and the interval never
tell different stories. `p_at` at other points gives two one-sided tests (TOST) against an
equivalence margin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Tested:
    """Per row of a batch, on the test scale (log for ratios), in the caller's orientation."""

    theta: np.ndarray
    low: np.ndarray  # interval at two-sided level 1 - 2L; NaN where there is none (see `why`)
    high: np.ndarray
    p_at: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]  # point -> (p greater, p less)
    mde_dist: np.ndarray  # |MDE - null| at level L and the requested power; NaN where none
    why: np.ndarray  # per row, '' or why the interval/test is degenerate (object array of str)
    method: str
    n: int
    n_resamples: int = 0
    unattained: np.ndarray | str = ""  # per row or for all: why L cannot be reached at this n
    n_needed: int = 0  # where L is unattainable: the n that would reach it
    notes: list[str] = field(default_factory=list)  # e.g. resamples raised for the level


def flipped(t: Tested, swap: np.ndarray) -> Tested:
    """A result computed in canonical orientation, mapped back: swapped rows are negated."""
    inner = t.p_at

    def p_at(point):
        pg, pl = inner(np.where(swap, -np.asarray(point, float), point))
        return np.where(swap, pl, pg), np.where(swap, pg, pl)

    t.theta, t.low, t.high = (np.where(swap, -t.theta, t.theta), np.where(swap, -t.high, t.low),
                              np.where(swap, -t.low, t.high))
    t.p_at = p_at
    return t
