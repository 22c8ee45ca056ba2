"""Real activations at the last position of real prompts, read through TransformerLens hooks."""

from __future__ import annotations

import torch

from lmclaims.measure.forward import last_position
from lmclaims.measure.numerics import check_finite


@torch.inference_mode()
def last_position_resid(bridge, prompts: torch.Tensor, layers: list[int],
                        batch_size: int = 64) -> dict[int, torch.Tensor]:
    """{layer: [n, d]} residual stream entering each block (hook_resid_pre), last position."""
    names = {layer: f"blocks.{layer}.hook_resid_pre" for layer in layers}
    out: dict[int, list[torch.Tensor]] = {layer: [] for layer in layers}
    for chunk in prompts.split(batch_size):
        _, cache = bridge.run_with_cache(chunk.to(bridge.cfg.device), names_filter=list(names.values()),
                                         stop_at_layer=max(layers) + 1)
        for layer, name in names.items():
            out[layer].append(last_position(cache[name]).cpu())
    return {layer: check_finite(torch.cat(acts), names[layer]) for layer, acts in out.items()}
