"""Read-outs together: KL at the logits, absolute L2 and cosine at a residual, from one forward pass."""

import pytest
import torch

from lmclaims.engine.perturbation import FullRerun, PerturbationEngine, Readout, output_distance
from lmclaims.models.tiny import tiny_model

TOGETHER = ("kl", "l2_abs", "cos")


@pytest.fixture(scope="module")
def tiny():
    return tiny_model("gemma3", layers=3, seed=11)


def _paths(engine, n_steps=5, seed=0):
    gen = torch.Generator().manual_seed(seed)
    base = engine.clean_acts
    direction = torch.nn.functional.normalize(torch.randn(base.shape, generator=gen), dim=-1)
    sizes = torch.linspace(0, 1, n_steps) * base.norm(dim=-1).median()
    return torch.arange(len(base)), base, direction, sizes


def test_readouts_together_equal_each_readout_alone_and_the_full_rerun(tiny):
    """One sweep reading three metrics gives each metric's numbers of a sweep reading it alone,
    and the numbers of a full re-run; the self-check passed for every metric."""
    prompts = torch.randint(3, 512, (5, 8), generator=torch.Generator().manual_seed(12))
    read = tiny.n_layers - 1
    engine = PerturbationEngine(tiny.bridge, prompts, 1, Readout(TOGETHER, read), max_rows=6)
    together = engine.path_changes(*_paths(engine))
    assert together.shape == (5, 5, 3) and engine.self_checked
    for i, metric in enumerate(TOGETHER):
        alone = PerturbationEngine(tiny.bridge, prompts, 1, Readout(metric, read), max_rows=6)
        assert torch.allclose(together[..., i], alone.path_changes(*_paths(alone)), atol=1e-4, rtol=1e-4)
    slow = FullRerun(tiny.bridge, prompts, 1, Readout(TOGETHER, read), max_rows=6).path_changes(*_paths(engine))
    assert torch.allclose(together, slow, atol=1e-4, rtol=1e-4)
    assert (together[:, 0] < 1e-5).all() and (together[:, 1:] > 1e-5).all()  # zero at the base, positive after


def test_absolute_l2_and_cosine_distances():
    """l2_abs is ||out - ref|| in the residual's units; cos is 1 - cosine, 0 for a rescaled output."""
    ref = torch.tensor([[[3.0, 4.0]]])
    out = torch.tensor([[[3.0, 4.0], [6.0, 8.0], [-4.0, 3.0], [-3.0, -4.0]]])
    assert torch.allclose(output_distance("l2_abs", ref, out), torch.tensor([[0.0, 5.0, 5 * 2 ** 0.5, 10.0]]))
    assert torch.allclose(output_distance("cos", ref, out), torch.tensor([[0.0, 0.0, 1.0, 2.0]]), atol=1e-6)
    assert torch.allclose(output_distance("l2", ref, out), output_distance("l2_abs", ref, out) / 5.0)
