"""Repeated random tokens and induction scores (Olsson et al. 2022)."""

from __future__ import annotations

import numpy as np
import torch

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
def induction_scores(bridge, tokens: torch.Tensor, length: int, offset: int,
                     batch_size: int = 8) -> np.ndarray:
    """[n, layers, heads]: mean attention from each second-copy token to the token after its
    earlier occurrence (query position p attends to key p - length + 1)."""
    scores = []
    names = [f"blocks.{i}.attn.hook_pattern" for i in range(bridge.cfg.n_layers)]
    for chunk in tokens.split(batch_size):
        _, cache = bridge.run_with_cache(chunk.to(bridge.cfg.device), names_filter=names)
        per_layer = []
        for name in names:
            pattern = cache[name]  # [batch, head, query, key]
            queries = torch.arange(offset + length, offset + 2 * length, device=pattern.device)
            keys = queries - length + 1
            per_layer.append(pattern[:, :, queries, keys].mean(-1))
        scores.append(torch.stack(per_layer, 1).float().cpu())
    return check_finite(torch.cat(scores), "attention patterns").numpy()
