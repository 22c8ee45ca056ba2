"""The published code's way of sweeping a perturbation, for the benchmark to time against.

The LASR plateau code perturbs `blocks.{L}.hook_resid_pre` at the last position with a
hook and runs each perturbed prompt whole with `run_with_cache`: every position through
every block, all d_vocab logits at every position, and every hook's activation stored.
It then reads the last position's logits (KL) or `blocks.{R}.hook_resid_post` (L2) from
what came back. This is that, written from the description for this benchmark only.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from lmclaims.engine.chunking import rows_per_chunk
from lmclaims.engine.paths import _PathSweeper
from lmclaims.measure.forward import last_position


def stored_bytes(tensors) -> int:
    """Bytes of the distinct storages behind `tensors` (views and aliases counted once)."""
    storages = {}
    for t in tensors:
        if isinstance(t, torch.Tensor):
            storage = t.untyped_storage()
            storages[storage.data_ptr()] = storage.nbytes()
    return sum(storages.values())


@dataclass
class PublishedWay(_PathSweeper):
    """Each perturbed prompt through `run_with_cache`, the write hook editing the last position."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.cached_bytes_per_prompt = self._measure_one_prompt()

    @torch.inference_mode()
    def _run(self, rows: torch.Tensor, hooks: list):
        with self.bridge.hooks(fwd_hooks=hooks):
            return self.bridge.run_with_cache(self.prompts[rows].to(self.device))

    def _measure_one_prompt(self) -> int:
        """Bytes one prompt's run_with_cache returns: its logits and every cached activation."""
        logits, cache = self._run(torch.arange(1), [])
        self.cached_hooks = len(cache)
        return stored_bytes([logits, *cache.values()])

    def outputs(self, rows: torch.Tensor, acts: torch.Tensor) -> torch.Tensor:
        logits, cache = self._run(rows, [(self.write_hook, self._replace_hook(acts))])
        resid = last_position(cache[self.readout.hook]) if self.readout.hook else None
        return self.join(resid, last_position(logits))

    def bytes_per_row(self) -> int:
        """What a row holds at once: its returned logits and cache (measured on one prompt), the
        forward's working activations, and its last-position output."""
        return (self.cached_bytes_per_prompt + self.activation_bytes(self.prompts.shape[1])
                + self.output_bytes_per_row())

    def row_budget(self) -> int:
        return self.max_rows or rows_per_chunk(self.device, self.bytes_per_row())
