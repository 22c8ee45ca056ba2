"""Next-token cross-entropy of a model and of the corpus's unigram distribution."""

from __future__ import annotations

import numpy as np
import torch

from lmclaims.measure.numerics import check_finite


LOGITS_BYTES = 1 << 29  # fp32 logits held at once (512 MiB; log_softmax makes a second copy)


@torch.inference_mode()
def token_losses(bridge, tokens: torch.Tensor, batch_size: int | None = None) -> torch.Tensor:
    """[n, len-1] next-token losses in nats: entry t is -log p(token[t+1] | tokens[:t+1]).

    tokens: [n, len] ids (BOS included where the model expects one). Rows run `batch_size`
    at a time; by default as many as keep the logits ([rows, len, d_vocab] fp32) within
    LOGITS_BYTES, so long windows on a large vocabulary do not exhaust memory.
    """
    if batch_size is None:
        batch_size = max(1, LOGITS_BYTES // (tokens.shape[1] * int(bridge.cfg.d_vocab) * 4))
    out = []
    for chunk in tokens.split(batch_size):
        logits = bridge(chunk.to(bridge.cfg.device), return_type="logits")
        logprobs = torch.log_softmax(logits[:, :-1].float(), dim=-1)
        targets = chunk[:, 1:].to(logprobs.device)
        out.append(-logprobs.gather(-1, targets[..., None])[..., 0].cpu())
    return check_finite(torch.cat(out), "model log-probabilities")


def unigram_logprobs(token_arrays: list[np.ndarray], vocab_size: int) -> np.ndarray:
    """log p(token) from counts with add-one smoothing over the model's vocabulary."""
    counts = np.bincount(np.concatenate(token_arrays), minlength=vocab_size)[:vocab_size]
    counts = counts.astype(np.float64) + 1.0
    return np.log(counts / counts.sum())


def unigram_losses(tokens: torch.Tensor, logprobs: np.ndarray) -> np.ndarray:
    """[n, len-1] unigram cross-entropies of the same targets the model predicts."""
    return -logprobs[tokens[:, 1:].numpy()]
