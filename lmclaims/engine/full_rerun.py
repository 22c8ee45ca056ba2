"""The reference every fast path is checked against: each perturbed prompt, whole, through the
whole model with a hook, as the published code did."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from lmclaims.engine.paths import _PathSweeper
from lmclaims.measure.forward import last_position


@dataclass
class FullRerun(_PathSweeper):
    """Every perturbed prompt, whole, through the whole model with a hook (no reuse)."""

    @torch.inference_mode()
    def clean_activations(self, rows: torch.Tensor) -> torch.Tensor:
        """[len(rows), d] the unperturbed residual at the write hook, last position, on the CPU."""
        _, cache = self.bridge.run_with_cache(self.prompts[rows].to(self.device),
                                              names_filter=[self.write_hook])
        return last_position(cache[self.write_hook]).cpu()

    @torch.inference_mode()
    def outputs(self, rows: torch.Tensor, acts: torch.Tensor) -> torch.Tensor:
        read = {}
        hooks = [(self.write_hook, self._replace_hook(acts))]
        if self.readout.hook is not None:
            hooks.append((self.readout.hook, lambda act, hook: read.update(out=last_position(act))))
        # logits_to_keep=1: the last position's logits only (the others are never read), so a row
        # needs vocabulary-sized memory once, not once per position
        logits = self.bridge.run_with_hooks(self.prompts[rows].to(self.device), fwd_hooks=hooks,
                                            return_type="logits", logits_to_keep=1)
        return self.join(read.get("out"), last_position(logits))
