"""A small transformer in plain torch, for the models the suite trains itself.

One class covers the three shapes the training claims need: the one-layer modular
addition model of Nanda et al. 2023 (attention + ReLU MLP, no LayerNorm), and the
one- and two-layer attention-only models of Olsson et al. 2022 / Elhage et al. 2021.
No LayerNorm, learned positional embeddings, pre-residual blocks. Attention patterns
can be returned, so induction scores need no hooks.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class TransformerConfig:
    """The architecture of one tiny transformer."""

    vocab: int  # tokens in the vocabulary (input and output)
    n_ctx: int  # longest sequence, for the positional embedding
    d_model: int = 128  # residual width
    n_heads: int = 4  # heads per layer; d_head = d_model // n_heads
    n_layers: int = 1  # blocks
    d_mlp: int = 512  # MLP hidden width; 0 makes the model attention-only
    init_std: float = 0.02  # normal init of every weight matrix (biases start at 0)

    def to_dict(self) -> dict:
        return asdict(self)


class Attention(nn.Module):
    """Causal multi-head attention; `forward` returns (output [B, T, d], pattern [B, H, T, T])."""

    def __init__(self, cfg: TransformerConfig):
        super().__init__()
        self.h, self.dh = cfg.n_heads, cfg.d_model // cfg.n_heads
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model)
        self.out = nn.Linear(cfg.d_model, cfg.d_model)

    def forward(self, x: torch.Tensor, last_only: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """With `last_only`, only the last position queries (output [B, 1, d], pattern [B, H, 1, T])."""
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.h, self.dh).permute(2, 0, 3, 1, 4)
        if last_only:
            q = q[:, :, -1:]
        scores = q @ k.transpose(-1, -2) / self.dh**0.5  # [B, H, T or 1, T]
        mask = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)[-q.shape[2]:]
        pattern = scores.masked_fill(mask, float("-inf")).softmax(-1)
        z = (pattern @ v).transpose(1, 2).reshape(b, q.shape[2], d)
        return self.out(z), pattern


class Block(nn.Module):
    """resid += attn(resid); resid += mlp(resid) (no MLP when d_mlp == 0)."""

    def __init__(self, cfg: TransformerConfig):
        super().__init__()
        self.attn = Attention(cfg)
        self.mlp = (nn.Sequential(nn.Linear(cfg.d_model, cfg.d_mlp), nn.ReLU(),
                                  nn.Linear(cfg.d_mlp, cfg.d_model)) if cfg.d_mlp else None)

    def forward(self, x: torch.Tensor, last_only: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        a, pattern = self.attn(x, last_only)
        x = (x[:, -1:] if last_only else x) + a
        if self.mlp is not None:
            x = x + self.mlp(x)
        return x, pattern


class TinyTransformer(nn.Module):
    """tokens [B, T] (long) -> logits [B, T, vocab]; with `patterns=True` also a list, one
    [B, H, T, T] attention pattern per layer. `last(tokens)` -> [B, vocab] computes only what
    the last position's logits need in the final block (3x cheaper for the 3-token task)."""

    def __init__(self, cfg: TransformerConfig):
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.vocab, cfg.d_model)
        self.pos = nn.Embedding(cfg.n_ctx, cfg.d_model)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.unembed = nn.Linear(cfg.d_model, cfg.vocab, bias=False)

    def reset_parameters(self, gen: torch.Generator) -> None:
        """Normal(0, init_std) weights and zero biases, drawn from `gen` in a fixed order."""
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name.endswith("bias"):
                    p.zero_()
                else:
                    p.copy_(torch.randn(p.shape, generator=gen) * self.cfg.init_std)

    def forward(self, tokens: torch.Tensor, patterns: bool = False):
        x = self.embed(tokens) + self.pos(torch.arange(tokens.shape[1], device=tokens.device))
        kept = []
        for block in self.blocks:
            x, p = block(x)
            kept.append(p)
        logits = self.unembed(x)
        return (logits, kept) if patterns else logits

    def last(self, tokens: torch.Tensor) -> torch.Tensor:
        """Logits at the last position only, [B, vocab]; equal to forward(tokens)[:, -1]."""
        x = self.embed(tokens) + self.pos(torch.arange(tokens.shape[1], device=tokens.device))
        for i, block in enumerate(self.blocks):
            x, _ = block(x, last_only=i == len(self.blocks) - 1)
        return self.unembed(x[:, -1])


def parameter_norm(model: nn.Module) -> float:
    """L2 norm of all parameters together, sqrt(sum_p ||p||^2)."""
    return float(torch.sqrt(sum((p.detach() ** 2).sum() for p in model.parameters())))
