"""Canonical orientation of two samples, so that swapping them negates every result exactly.

Two samples are put in an orientation decided from the sorted values (not from their order)
and the result is negated back: swapping x and y feeds SciPy the same arrays.
"""

from __future__ import annotations

import numpy as np


def _lex_sign(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Per row, the sign of the first entry where u and v differ (0 where equal)."""
    d = (u > v).astype(np.int8) - (u < v).astype(np.int8)
    first = np.argmax(d != 0, axis=-1)
    return np.take_along_axis(d, first[:, None], axis=-1)[:, 0]


def _pairs_key(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per row, the pairs sorted lexicographically and flattened: paired data without their order."""
    order = np.lexsort((y, x), axis=-1)
    pairs = np.stack([np.take_along_axis(x, order, -1), np.take_along_axis(y, order, -1)], -1)
    return pairs.reshape(len(x), -1)


def orient(x: np.ndarray, y: np.ndarray, paired: bool):
    """The two samples in canonical orientation, and the rows where that swapped them."""
    if paired:
        key = _lex_sign(_pairs_key(x, y), _pairs_key(y, x))
    elif x.shape[-1] != y.shape[-1]:  # the larger sample goes first
        swap = np.full(len(x), x.shape[-1] < y.shape[-1])
        return (y, x, swap) if swap[0] else (x, y, swap)
    else:
        xs, ys = np.sort(x, axis=-1), np.sort(y, axis=-1)
        key = _lex_sign(np.concatenate([xs, ys], -1), np.concatenate([ys, xs], -1))
    col = (key < 0)[:, None]
    return np.where(col, y, x), np.where(col, x, y), key < 0
