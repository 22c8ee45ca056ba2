"""The matmul limit of a perturbation sweep: multiply-accumulates (MACs) per row, and this
machine's float32 matmul rate measured on the shapes a row uses.

A row is one perturbed prompt. Its unavoidable work is the matrix products of the
positions it must compute: the linear maps of each block it runs (read off the model's
own 2-D weights, so q/k/v/o and the MLP's matrices as they are), the attention of the
last position over the prompt (q.k and weights.v: 2 x heads x head_dim MACs per key,
keys capped by a sliding window where a layer has one), and the unembedding (d_model x
d_vocab) where logits are read. Norms, activations, softmax and the read-out's own
arithmetic are not counted: the limit is what the matrix products alone would cost at
the probed rates.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch

from lmclaims.engine.start_layer import decoder_layers


@dataclass(frozen=True)
class Shapes:
    """What a row's MACs depend on, read from the model."""

    block_weights: tuple[tuple[int, int], ...]  # (out, in) of each 2-D weight of one block
    heads: int
    head_dim: int
    windows: tuple[int | None, ...]  # per block: its attention window in positions (None: all)
    unembed: tuple[int, int]  # (d_vocab, d_model)

    @property
    def block_macs_per_position(self) -> int:
        return sum(out * inp for out, inp in self.block_weights)

    def attention_macs(self, block: int, keys: int) -> int:
        """MACs of one query position attending to `keys` positions in `block`."""
        window = self.windows[block]
        return 2 * self.heads * self.head_dim * (keys if window is None else min(keys, window))


def model_shapes(bridge) -> Shapes:
    """The block weights (of block 0, all blocks alike), heads and windows of `bridge`'s model."""
    parent, _, layers = decoder_layers(bridge)
    config = getattr(parent, "config", None) or bridge.original_model.config
    seen, weights = set(), []
    for p in layers[0].parameters():
        if p.dim() == 2 and p.data_ptr() not in seen:
            seen.add(p.data_ptr())
            weights.append(tuple(p.shape))
    types = getattr(config, "layer_types", None) or [None] * len(layers)
    window = getattr(config, "sliding_window", None)
    windows = tuple(window if t == "sliding_attention" else None for t in types)
    head_dim = getattr(config, "head_dim", None) or bridge.cfg.d_head
    return Shapes(tuple(weights), int(bridge.cfg.n_heads), int(head_dim), windows,
                  (int(bridge.cfg.d_vocab), int(bridge.cfg.d_model)))


@dataclass(frozen=True)
class RowCost:
    """MACs of one row, split by the shapes they run at."""

    blocks: int  # linear maps of the blocks, and attention
    unembed: int  # d_model x d_vocab per position whose logits are computed

    @property
    def total(self) -> int:
        return self.blocks + self.unembed


def last_position_cost(shapes: Shapes, first: int, last: int, prompt_len: int, logits: bool) -> RowCost:
    """The last position only, through blocks first..last (inclusive), over a cached prefix."""
    blocks = sum(shapes.block_macs_per_position + shapes.attention_macs(b, prompt_len)
                 for b in range(first, last + 1))
    return RowCost(blocks, shapes.unembed[0] * shapes.unembed[1] if logits else 0)


def whole_prompt_cost(shapes: Shapes, prompt_len: int, logit_positions: int) -> RowCost:
    """Every position through every block (causal attention), logits at `logit_positions` positions."""
    blocks = sum(prompt_len * shapes.block_macs_per_position
                 + sum(shapes.attention_macs(b, keys) for keys in range(1, prompt_len + 1))
                 for b in range(len(shapes.windows)))
    return RowCost(blocks, logit_positions * shapes.unembed[0] * shapes.unembed[1])


def _linear_rate(rows: int, out_features: int, in_features: int, min_seconds: float) -> float:
    """MAC/s of F.linear([rows, in], [out, in]) (as nn.Linear runs it), best of repeated runs."""
    x = torch.randn(rows, in_features)
    w = torch.randn(out_features, in_features)
    torch.nn.functional.linear(x, w)  # warm-up
    best, spent = float("inf"), 0.0
    while spent < min_seconds or best == float("inf"):
        start = time.perf_counter()
        torch.nn.functional.linear(x, w)
        elapsed = time.perf_counter() - start
        best, spent = min(best, elapsed), spent + elapsed
    return rows * out_features * in_features / best


@dataclass(frozen=True)
class MatmulRates:
    """Measured float32 rates in MAC/s: the blocks' shapes (MAC-weighted) and the unembedding."""

    rows: int
    blocks: float
    unembed: float

    def limit_rows_per_s(self, cost: RowCost) -> float:
        """Rows/s if a row cost only its matrix products, each at its probed rate."""
        return 1.0 / (cost.blocks / self.blocks + cost.unembed / self.unembed)


def probe_rates(shapes: Shapes, rows: int, min_seconds: float = 0.3) -> MatmulRates:
    """Time F.linear on [rows, in] x each block weight and the unembedding, this process, now."""
    seconds = sum(out * inp / _linear_rate(rows, out, inp, min_seconds) for out, inp in shapes.block_weights)
    block_rate = shapes.block_macs_per_position / seconds
    return MatmulRates(rows, block_rate, _linear_rate(rows, *shapes.unembed, min_seconds))
