"""Guards against silent NaN/inf: numerical trouble becomes an `error`, never a verdict."""

from __future__ import annotations

import numpy as np
import torch

from lmclaims.errors import NumericalError


def check_finite(values, what: str):
    """Return `values` unchanged if all finite, else raise NumericalError naming `what`."""
    if isinstance(values, torch.Tensor):
        # one cheap reduction first: any NaN or inf makes the sum non-finite
        finite = bool(torch.isfinite(values.sum())) or bool(torch.isfinite(values).all())
        count = int((~torch.isfinite(values)).sum()) if not finite else 0
    else:
        arr = np.asarray(values, dtype=float)
        finite = bool(np.isfinite(arr).all())
        count = int((~np.isfinite(arr)).sum()) if not finite else 0
    if not finite:
        raise NumericalError(f"{count} NaN/inf values in {what} (overflow, or a broken checkpoint?)")
    return values
