"""A Gaussian fitted to real activations: the synthetic baseline of the plateau claims."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class FittedGaussian:
    mean: torch.Tensor  # [d]
    factor: torch.Tensor  # [d, d] lower-triangular, Sigma = factor @ factor.T (Cholesky)
    clipped: int  # eigenvalues raised to the floor to make Sigma positive definite
    top_share: float  # share of the variance in the largest eigenvalue

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """[n, d] draws from N(mean, Sigma)."""
        z = torch.randn(n, self.mean.shape[0], generator=generator, dtype=torch.float64)
        return (self.mean + z @ self.factor.T).float()


def fit_gaussian(acts: torch.Tensor, floor_ratio: float = 1e-6) -> FittedGaussian:
    """Fit N(mu, Sigma) to [n, d] activations; clip eigenvalues below floor_ratio * max."""
    x = acts.double().cpu()
    mean = x.mean(0)
    cov = torch.cov(x.T)
    evals, evecs = torch.linalg.eigh((cov + cov.T) / 2)
    floor = floor_ratio * float(evals.max().clamp_min(1e-30))
    clipped = int((evals < floor).sum())
    evals = evals.clamp_min(floor)
    repaired = (evecs * evals) @ evecs.T
    # Cholesky, not the eigenvectors: they are only defined up to sign (and rotation within
    # repeated eigenvalues, e.g. the clipped ones), which changes with LAPACK's threading;
    # the Cholesky factor is unique, so samples do not depend on the number of threads.
    factor = torch.linalg.cholesky((repaired + repaired.T) / 2)
    return FittedGaussian(mean, factor, clipped, float(evals.max() / evals.sum()))
