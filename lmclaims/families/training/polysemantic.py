"""Incidental polysemanticity (Lecomte et al. 2023, arXiv 2312.03096).

The toy model is the autoencoder y = ReLU(W W^T x), W of shape [n features, m neurons]
with m >= n, trained on the n standard basis vectors with an L1 penalty on W. The penalty
makes each feature settle on one neuron (winner-take-all), usually the one it was most
aligned with at initialisation; two features can share a neuron without loss when their
weights there have opposite signs (the ReLU removes the negative interference), so
collisions present at initialisation survive training even though neurons are plentiful.
Lecomte et al. estimate the number of such collisions with a birthday-problem argument:
it grows as n^2 / m. Many models (seeds) are trained at once as one batch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch

from lmclaims.models.device import one_cpu_thread
from lmclaims.seeding import torch_generator


@dataclass(frozen=True)
class PolyConfig:
    """Training recipe of the toy models."""

    n_features: int = 32  # n
    l1: float = 0.005  # coefficient of the L1 penalty on W (sum over entries)
    steps: int = 3000  # Adam steps, full batch (the n basis vectors)
    lr: float = 0.01  # Adam learning rate
    init_std: float = 0.1  # W starts Normal(0, init_std^2)

    def to_dict(self) -> dict:
        return asdict(self)


def train_toys(cfg: PolyConfig, m: int, k: int, seed: int) -> torch.Tensor:
    """k models with m neurons each; returns W, [k, n, m]. Deterministic given the seed."""
    gen = torch_generator(seed)
    n = cfg.n_features
    w = (torch.randn(k, n, m, generator=gen) * cfg.init_std).requires_grad_()
    eye = torch.eye(n)
    opt = torch.optim.Adam([w], lr=cfg.lr)
    with one_cpu_thread():
        for _ in range(cfg.steps):
            y = torch.relu(w @ w.transpose(1, 2))  # row i: the output for input e_i, [k, n, n]
            loss = ((y - eye) ** 2).sum((1, 2)).mean() + cfg.l1 * w.abs().sum((1, 2)).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return w.detach()


def features_per_neuron(w: torch.Tensor, threshold: float) -> torch.Tensor:
    """Number of features with |W_ij| > threshold on each neuron; [k, n, m] -> [k, m]."""
    return (w.abs() > threshold).sum(-2)


def count_polysemantic(w: torch.Tensor, threshold: float) -> torch.Tensor:
    """Neurons carrying two or more features, per model; [k, n, m] -> [k]."""
    return (features_per_neuron(w, threshold) >= 2).sum(-1)


def reconstruction_error(w: torch.Tensor) -> torch.Tensor:
    """Per model, max over features and outputs of |ReLU(W W^T e_i) - e_i|; [k]."""
    y = torch.relu(w @ w.transpose(1, 2))
    return (y - torch.eye(w.shape[1])).abs().amax((1, 2))


def expected_collisions(n: int, m: int) -> float:
    """Birthday-problem reference: expected pairs of features whose initial winners coincide,
    n (n - 1) / (2 m), if each feature's winner is an independent uniform neuron."""
    return n * (n - 1) / (2 * m)
