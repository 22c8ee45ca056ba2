"""Repeated random tokens and induction scores (Olsson et al. 2022)."""

from __future__ import annotations

import numpy as np
import torch

from lmclaims.measure.forward import forward_may_stop, stop_forward
from lmclaims.measure.numerics import check_finite


def repeated_sequences(vocab: np.ndarray, n: int, length: int, rng: np.random.Generator,
                       bos: int | None) -> torch.Tensor:
    """[n, (bos) + 2*length]: `length` tokens drawn uniformly from `vocab`, then the same again."""
    first = vocab[rng.integers(len(vocab), size=(n, length))]
    rows = np.concatenate([first, first], axis=1)
    if bos is not None:
        rows = np.concatenate([np.full((n, 1), bos), rows], axis=1)
    return torch.as_tensor(rows, dtype=torch.long)


def copy_losses(losses: torch.Tensor, length: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean loss per sequence on the first copy and on the second copy.

    `losses[:, t]` is the loss of predicting token t+1; the first copy's tokens sit at
    offset..offset+length-1. Its first token is unpredictable in both copies' terms, so
    each copy is scored on its tokens 2..length (length-1 predictions each).
    """
    first = losses[:, offset:offset + length - 1]
    second = losses[:, offset + length:offset + 2 * length - 1]
    return first.mean(1).numpy(), second.mean(1).numpy()


@torch.inference_mode()
def attention_patterns(bridge, tokens: torch.Tensor) -> list[torch.Tensor]:
    """Per layer [batch, head, query, key] attention patterns, without computing the logits."""
    n_layers = int(bridge.cfg.n_layers)
    patterns: dict[int, torch.Tensor] = {}
    def grab(layer):
        def hook(act, hook):
            patterns[layer] = act.float()
        return hook
    hooks = [(f"blocks.{i}.attn.hook_pattern", grab(i)) for i in range(n_layers)]
    if "ln_final.hook_in" in bridge.hook_dict:  # patterns read: the logits are not needed
        hooks.append(("ln_final.hook_in", stop_forward))
    with bridge.hooks(fwd_hooks=hooks), forward_may_stop():
        bridge(tokens.to(bridge.cfg.device), return_type=None)
    return [patterns[i] for i in range(n_layers)]


def induction_scores(bridge, tokens: torch.Tensor, length: int, offset: int,
                     batch_size: int = 8) -> np.ndarray:
    """[n, layers, heads]: mean attention from each second-copy token to the token after its
    earlier occurrence (query position p attends to key p - length + 1)."""
    scores = []
    for chunk in tokens.split(batch_size):
        per_layer = []
        for pattern in attention_patterns(bridge, chunk):
            queries = torch.arange(offset + length, offset + 2 * length, device=pattern.device)
            per_layer.append(pattern[:, :, queries, queries - length + 1].mean(-1))
        scores.append(torch.stack(per_layer, 1).cpu())
    return check_finite(torch.cat(scores), "attention patterns").numpy()
