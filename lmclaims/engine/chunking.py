"""How many perturbed rows fit in one batch, from the device's free memory; memory handed back."""

from __future__ import annotations

import ctypes

import torch

MAX_ROWS = 512  # larger batches stop paying off on CPU and only add latency
MEMORY_SHARE = 0.25  # of the currently free memory, leaving room for other workers


def free_bytes(device: torch.device) -> int:
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        return int(free)
    import psutil

    return int(psutil.virtual_memory().available)


def rows_per_chunk(device: torch.device, bytes_per_row: int, cap: int = MAX_ROWS) -> int:
    """Rows whose working memory fits in a share of the free memory (at least 1)."""
    return max(1, min(cap, int(free_bytes(device) * MEMORY_SHARE) // max(1, bytes_per_row)))


def is_out_of_memory(exc: BaseException) -> bool:
    """CUDA's OutOfMemoryError, or the CPU allocator's "can't allocate memory" RuntimeError."""
    text = str(exc).lower()
    return (isinstance(exc, torch.cuda.OutOfMemoryError) or "out of memory" in text
            or "can't allocate memory" in text)


def release_freed_memory(device: torch.device) -> None:
    """Hand memory freed by the caller back to the system, so that the resident set stays at
    what is in use: glibc's `malloc_trim(0)` on CPU (it keeps freed heap memory otherwise, and
    tensors under its mmap threshold, up to 32 MiB, live on the heap; elsewhere a no-op), the
    caching allocator's `empty_cache` on CUDA."""
    if device.type == "cuda":
        torch.cuda.empty_cache()
        return
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
