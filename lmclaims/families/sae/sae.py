"""The two SAE architectures compared by Rajamanoharan, Conmy et al. 2024 (arXiv 2404.16014).

ReLU+L1 (their baseline, section 2):  f = ReLU((s x - c) W_enc + b_enc),  x_hat = (f W_dec + b_dec) / s,
loss = ||s x - s x_hat||^2 + lambda * sum_i f_i ||W_dec[i]||.

Gated (their section 3): pi = (s x - c) W_gate + b_gate; f = 1[pi > 0] * ReLU((s x - c) (W_gate * exp(r_mag))
+ b_mag); loss = ||s x - s x_hat||^2 + lambda * sum_i ReLU(pi_i) ||W_dec[i]|| + ||s x - x_frozen||^2,
where x_frozen = ReLU(pi) W_dec + b_dec with W_dec and b_dec detached (the paper's frozen copy:
the auxiliary loss trains the gate, never the decoder).

Both read and write *raw* activations: the scalar s (`scale`, a buffer, 1 / the root mean squared
distance of the training activations from their mean) is applied inside `encode` and undone inside
`decode`, so training, evaluation and a reloaded SAE all use the one function. The penalty weighs
each latent by its decoder row's norm, so moving scale from a latent into its decoder row cannot
lower the loss; `normalize_decoder` (after every optimiser step) keeps the rows at unit norm.
The encoder reads s x - c, where c (`center`, a buffer) is the decoder bias's initial value
s mean: the paper's pre-encoder centring, kept fixed so that no decoder parameter sits on the
gate path and the encoder never has to cancel the residual stream's large mean itself.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

Architecture = Literal["relu", "gated"]
ARCHITECTURES: tuple[Architecture, ...] = ("relu", "gated")


class SparseAutoencoder(nn.Module):
    """An SAE of `width` latents on `d`-dimensional activations (shapes in the module docstring)."""

    def __init__(self, d: int, width: int, architecture: Architecture,
                 mean: torch.Tensor | None = None, scale: float = 1.0,
                 generator: torch.Generator | None = None):
        super().__init__()
        if architecture not in ARCHITECTURES:
            raise ValueError(f"unknown SAE architecture {architecture!r}: choose relu or gated")
        if d < 1 or width < 1 or not scale > 0:
            raise ValueError(f"SAE needs d >= 1, width >= 1 and scale > 0, got {d}, {width}, {scale}")
        self.architecture = architecture
        mean = torch.zeros(d) if mean is None else mean.detach().float().reshape(d)
        rows = torch.randn(width, d, generator=generator)  # both signs, then unit rows
        self.W_dec = nn.Parameter(rows / rows.norm(dim=1, keepdim=True))
        self.b_dec = nn.Parameter(mean * scale)  # the decoder bias starts at the data mean
        self.W_enc = nn.Parameter(self.W_dec.detach().T.clone())  # W_gate for the gated SAE
        self.b_enc = nn.Parameter(torch.zeros(width))
        if architecture == "gated":
            self.r_mag = nn.Parameter(torch.zeros(width))
            self.b_mag = nn.Parameter(torch.zeros(width))
        self.register_buffer("scale", torch.tensor(float(scale)))
        self.register_buffer("center", mean * scale)

    @property
    def d(self) -> int:
        return self.W_dec.shape[1]

    @property
    def width(self) -> int:
        return self.W_dec.shape[0]

    def _pre(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(pi, magnitude pre-activation or None) for raw x [..., d]; both [..., width]."""
        xs = x * self.scale - self.center
        pi = xs @ self.W_enc + self.b_enc
        if self.architecture == "relu":
            return pi, None
        return pi, xs @ (self.W_enc * self.r_mag.exp()) + self.b_mag

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Latents f [..., width] (>= 0) of raw activations x [..., d]."""
        pi, mag = self._pre(x)
        if mag is None:
            return torch.relu(pi)
        return (pi > 0).to(mag.dtype) * torch.relu(mag)

    def decode(self, f: torch.Tensor) -> torch.Tensor:
        """Raw reconstruction [..., d] from latents f [..., width]."""
        return (f @ self.W_dec + self.b_dec) / self.scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))

    def loss_terms(self, x: torch.Tensor, l1: float) -> dict[str, torch.Tensor]:
        """{'recon', 'sparsity', 'aux'}: batch means over x [B, d] in scaled units; sparsity is
        already multiplied by l1; aux is 0 for the ReLU SAE (formulas in the module docstring)."""
        pi, mag = self._pre(x)
        xs = x * self.scale
        norms = self.W_dec.norm(dim=1)
        if mag is None:
            f = torch.relu(pi)
            sparsity = (f * norms).sum(-1).mean()
            aux = torch.zeros((), device=x.device)
        else:
            f = (pi > 0).to(mag.dtype) * torch.relu(mag)
            gate = torch.relu(pi)
            sparsity = (gate * norms).sum(-1).mean()
            frozen = gate @ self.W_dec.detach() + self.b_dec.detach()
            aux = (xs - frozen).pow(2).sum(-1).mean()
        recon = (xs - (f @ self.W_dec + self.b_dec)).pow(2).sum(-1).mean()
        return {"recon": recon, "sparsity": l1 * sparsity, "aux": aux}

    def loss(self, x: torch.Tensor, l1: float) -> torch.Tensor:
        """The training loss: the sum of `loss_terms`."""
        return sum(self.loss_terms(x, l1).values())

    @torch.no_grad()
    def normalize_decoder(self) -> None:
        """Rescale every decoder row to unit norm (after each optimiser step)."""
        self.W_dec.div_(self.W_dec.norm(dim=1, keepdim=True).clamp_min(1e-12))
