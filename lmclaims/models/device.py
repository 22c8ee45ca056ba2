"""`--device`: which device a worker uses, and how many CPU threads it may take."""

from __future__ import annotations

import contextlib
import os
import re
from typing import Iterator

import torch

from lmclaims.errors import UserInputError


def worker_index(worker_id: str | None) -> int:
    """0 for 'gw0' or no xdist, 3 for 'gw3'."""
    match = re.fullmatch(r"gw(\d+)", worker_id or "")
    return int(match.group(1)) if match else 0


def choose_device(requested: str, worker_id: str | None, cuda_count: int | None = None) -> torch.device:
    """auto spreads xdist workers over the visible GPUs (worker k gets GPU k mod count)."""
    count = torch.cuda.device_count() if cuda_count is None else cuda_count
    if requested == "auto":
        return torch.device(f"cuda:{worker_index(worker_id) % count}") if count else torch.device("cpu")
    if requested.startswith("cuda"):
        if count == 0:
            raise UserInputError(f"--device {requested} asked for CUDA, but no GPU is visible; "
                                 f"use --device cpu (or auto)")
        index = int(requested.split(":")[1]) if ":" in requested else 0
        if index >= count:
            raise UserInputError(f"--device {requested}: only {count} GPU(s) visible (cuda:0..cuda:{count - 1})")
        return torch.device(f"cuda:{index}")
    if requested == "mps" and not torch.backends.mps.is_available():
        raise UserInputError("--device mps: MPS is not available on this machine; use cpu")
    return torch.device(requested)


def cpu_threads(n_workers: int, cores: int | None = None) -> int:
    """Threads per worker so that all workers together use the cores once, not more."""
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, (cores or 1) // max(1, n_workers))


@contextlib.contextmanager
def one_cpu_thread() -> Iterator[None]:
    """Run torch on one CPU thread inside the block: tiny models (toys, SAEs on small batches,
    the training family's transformers) only lose time to threading, and xdist workers share
    the cores."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
