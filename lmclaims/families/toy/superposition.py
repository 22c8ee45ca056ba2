"""Toy models of superposition (Elhage et al. 2022): a ReLU autoencoder x' = ReLU(W^T W x + b).

n sparse features are squeezed through m < n hidden dimensions. Many independent models
are trained at once as one batch: weights of shape [models, m, n], biases [models, n],
each model with its own feature sparsity. Adam updates every parameter elementwise and
the summed loss separates by model, so batching does not couple the models.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from lmclaims.models.device import one_cpu_thread
from lmclaims.seeding import torch_generator


@dataclass(frozen=True)
class ToyConfig:
    """The architecture and training recipe of one toy model."""

    n_features: int = 20  # n: input features
    n_hidden: int = 5  # m < n: hidden dimensions
    importance_decay: float = 0.9  # feature i has importance decay**i (features 0..n-1)
    steps: int = 4000  # Adam steps (the paper: 10,000 at lr 1e-3, batch 1024; this fits a CPU budget)
    batch: int = 256  # samples per step and model
    lr: float = 1e-2  # Adam learning rate


def importance(cfg: ToyConfig) -> torch.Tensor:
    """Per-feature importance decay**i; shape [n]."""
    return cfg.importance_decay ** torch.arange(cfg.n_features, dtype=torch.float32)


def sample_features(sparsity: torch.Tensor, batch: int, n: int, gen: torch.Generator) -> torch.Tensor:
    """Features that are 0 with probability sparsity[model], else uniform on [0, 1]; [models, batch, n]."""
    u = torch.rand(len(sparsity), batch, n, generator=gen)
    s = sparsity[:, None, None]
    return torch.relu(u - s) / (1.0 - s)  # given u >= s, (u - s) / (1 - s) is uniform on [0, 1)


def init_params(models: int, cfg: ToyConfig, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Xavier-normal weights [models, m, n] and zero biases [models, n], both trainable."""
    std = (2.0 / (cfg.n_hidden + cfg.n_features)) ** 0.5
    w = torch.randn(models, cfg.n_hidden, cfg.n_features, generator=gen) * std
    return w.requires_grad_(), torch.zeros(models, cfg.n_features, requires_grad=True)


def reconstruct(w: torch.Tensor, b: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """ReLU(W^T W x + b) for each model; x and output are [models, batch, n]."""
    hidden = x @ w.transpose(1, 2)  # [models, batch, m]
    return torch.relu(hidden @ w + b[:, None, :])


def weighted_loss(x: torch.Tensor, x_hat: torch.Tensor, imp: torch.Tensor) -> torch.Tensor:
    """Sum over models of the batch mean of sum_i I_i (x_i - x'_i)^2; a scalar."""
    return (imp * (x - x_hat) ** 2).sum(-1).mean(-1).sum()


def train(sparsities: Sequence[float], cfg: ToyConfig, seed: int) -> torch.Tensor:
    """Train one model per entry of `sparsities`; return the learned W, [models, m, n]."""
    gen = torch_generator(seed)
    sparsity = torch.tensor(list(sparsities), dtype=torch.float32)
    w, b = init_params(len(sparsity), cfg, gen)
    imp = importance(cfg)
    opt = torch.optim.Adam([w, b], lr=cfg.lr)
    with one_cpu_thread():
        for _ in range(cfg.steps):
            x = sample_features(sparsity, cfg.batch, cfg.n_features, gen)
            opt.zero_grad(set_to_none=True)
            weighted_loss(x, reconstruct(w, b, x), imp).backward()
            opt.step()
    return w.detach()


def train_regimes(regimes: dict[str, float], k: int, cfg: ToyConfig, seed: int) -> dict[str, torch.Tensor]:
    """k seeds per named sparsity, trained as one batch; name -> W of shape [k, m, n]."""
    w = train([s for s in regimes.values() for _ in range(k)], cfg, seed)
    return dict(zip(regimes, w.split(k)))


def feature_norms(w: torch.Tensor) -> torch.Tensor:
    """||W_i|| of each feature's column; [models, m, n] -> [models, n]."""
    return w.norm(dim=-2)


def count_represented(w: torch.Tensor, threshold: float) -> torch.Tensor:
    """Number of features whose weight norm exceeds `threshold`; [models, m, n] -> [models]."""
    return (feature_norms(w) > threshold).sum(-1)


def interference(w: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Superposition of each feature, sum_{j != i} (W_i_hat . W_j)^2; [models, m, n] -> [models, n]."""
    unit = w / feature_norms(w).clamp_min(eps)[:, None, :]
    overlap = unit.transpose(1, 2) @ w  # [models, n, n]: entry (i, j) is W_i_hat . W_j
    off_diagonal = 1.0 - torch.eye(w.shape[-1])
    return (overlap**2 * off_diagonal).sum(-1)


def median_model(counts: torch.Tensor) -> int:
    """Index of a model whose count is the (lower) median of `counts` [models]; for figures."""
    return int(counts.argsort(stable=True)[(len(counts) - 1) // 2])
