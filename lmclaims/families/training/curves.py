"""Measurements on training curves: threshold crossings, grokking delay, the window of a rise.

Every step is interpolated linearly between logged points (CLAIMS.md: continuous
statistics, never raw step indices). Curves are 1-D arrays over logged steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def first_crossing(steps: np.ndarray, values: np.ndarray, level: float, rising: bool = True) -> float:
    """The first step at which `values` reaches `level` (>= when rising, <= when falling),
    interpolated linearly from the previous logged point; NaN if it never does."""
    v = np.asarray(values, float) if rising else -np.asarray(values, float)
    level = level if rising else -level
    hit = np.flatnonzero(v >= level)
    if len(hit) == 0:
        return float("nan")
    i = hit[0]
    if i == 0:
        return float(steps[0])
    s0, s1, v0, v1 = steps[i - 1], steps[i], v[i - 1], v[i]
    return float(s0 + (level - v0) / (v1 - v0) * (s1 - s0))


@dataclass(frozen=True)
class Grokking:
    """Where one run memorised and where it generalised (steps, interpolated)."""

    memorised: float  # train accuracy first >= the level
    generalised: float  # test accuracy first >= the level (the run's last step if never: censored)
    censored: bool  # test accuracy never reached the level

    @property
    def delay(self) -> float:
        return self.generalised - self.memorised

    @property
    def ratio(self) -> float:
        return self.generalised / self.memorised


def grokking_steps(log: dict, train_level: float, test_level: float) -> Grokking:
    """Memorisation and generalisation steps of one run's log (keys step, train_acc, test_acc).

    Raises ValueError if the training set is never fitted (there is then no delay to speak of).
    """
    steps = np.asarray(log["step"])
    mem = first_crossing(steps, log["train_acc"], train_level)
    if np.isnan(mem):
        raise ValueError(f"train accuracy never reached {train_level}: the run did not memorise")
    gen = first_crossing(steps, log["test_acc"], test_level)
    return Grokking(mem, float(steps[-1]) if np.isnan(gen) else gen, bool(np.isnan(gen)))


def value_at(steps: np.ndarray, values: np.ndarray, step: float) -> float:
    """`values` interpolated linearly at `step`."""
    return float(np.interp(step, steps, values))


@dataclass(frozen=True)
class Rise:
    """The window in which a curve makes most of its change, from its first to its last value."""

    start: float  # step where `low_share` of the change is first reached
    middle: float  # ... half of it
    end: float  # ... `1 - low_share` of it
    change: float  # last value minus first

    @property
    def relative_width(self) -> float:
        """(end - start) / middle: about 1.6 for a straight line from step 0, near 0 for a jump."""
        return (self.end - self.start) / self.middle


def rise_window(steps: np.ndarray, values: np.ndarray, low_share: float = 0.1) -> Rise:
    """Where a curve crosses low_share, 1/2 and 1 - low_share of its way from the first logged
    value to the mean of its last three (a falling curve is handled by its sign).

    Raises ValueError if the curve does not change.
    """
    v = np.asarray(values, float)
    first, last = v[0], v[-3:].mean()
    change = last - first
    if change == 0:
        raise ValueError("the curve does not change: no rise window")
    share = (v - first) / change  # 0 at the start, 1 at the end, whichever the direction
    start, middle, end = (first_crossing(steps, share, q) for q in (low_share, 0.5, 1 - low_share))
    return Rise(start, middle, end, float(change))
