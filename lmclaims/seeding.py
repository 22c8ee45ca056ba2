"""Per-test random streams derived from the run seed and the test's node id.

`zlib.crc32` is stable across processes (Python's `hash()` is salted), so a test
draws the same numbers under `-n 0` and `-n 4`.
"""

from __future__ import annotations

import zlib

import numpy as np


def test_seed(run_seed: int, nodeid: str) -> int:
    """A 32-bit seed for one test, from the run seed and its node id."""
    return zlib.crc32(f"{run_seed}:{nodeid}".encode())


def numpy_rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def stream(seed: int, purpose: str) -> np.random.Generator:
    """An independent generator for one purpose of one test (numpy SeedSequence, spawn key = purpose).

    Streams of different purposes are statistically independent (SeedSequence hashes the
    key into the entropy pool), so a test's data draw and its resampling never share numbers.
    """
    key = zlib.crc32(purpose.encode())
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))


def torch_generator(seed: int, device="cpu"):
    """A torch.Generator seeded with `seed` (torch imported here: the plugin itself needs no torch)."""
    import torch

    gen = torch.Generator(device=device)
    gen.manual_seed(seed)
    return gen
