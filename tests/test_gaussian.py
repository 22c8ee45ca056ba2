"""The synthetic baseline: a Gaussian fitted to activations, repaired to be positive definite."""

import torch

from lmclaims.families.plateau.gaussian import fit_gaussian


def test_fit_recovers_mean_and_covariance_and_repairs_rank():
    """Fewer samples than dimensions: eigenvalues are clipped, and samples match the fit."""
    gen = torch.Generator().manual_seed(0)
    acts = torch.randn(40, 64, generator=gen) * 3 + 5
    gauss = fit_gaussian(acts)
    assert gauss.clipped >= 64 - 39  # rank of a 40-sample covariance is at most 39
    cov = gauss.factor @ gauss.factor.T
    assert torch.allclose(cov, torch.cov(acts.double().T), atol=1e-3)  # clipped floor: 1e-6 * max
    draws = gauss.sample(20000, torch.Generator().manual_seed(1))
    assert torch.allclose(draws.mean(0), acts.mean(0), atol=0.2)


def test_samples_do_not_depend_on_the_number_of_threads():
    """Same generator state, same samples, with 1 or 2 torch threads (xdist workers use 1)."""
    acts = torch.randn(100, 32, generator=torch.Generator().manual_seed(2)) ** 3
    before = torch.get_num_threads()
    try:
        draws = []
        for threads in (1, 2):
            torch.set_num_threads(threads)
            draws.append(fit_gaussian(acts).sample(5, torch.Generator().manual_seed(3)))
    finally:
        torch.set_num_threads(before)
    assert torch.allclose(draws[0], draws[1], atol=1e-5)
