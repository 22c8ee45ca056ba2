"""residual.direction_over_norm measured in chunks (for its sequential looks) gives the numbers
it gives measured at once: the orthogonal directions come from normals drawn up front."""

import numpy as np
import pytest
import torch

from lmclaims.families.residual.norm_vs_direction import rescale_vs_orthogonal
from lmclaims.models.tiny import tiny_model
from lmclaims.seeding import torch_generator

EPS = np.array([0.0, 1.0, 4.0])  # large moves: KL well above fp32 noise (~1e-6 nats) on random weights


def test_chunks_with_noise_drawn_up_front_equal_one_call():
    model = tiny_model("gpt2", layers=2, seed=3)
    prompts = torch.randint(1, 500, (6, 8), generator=torch_generator(1))
    at_once = rescale_vs_orthogonal(model.bridge, prompts, 1, EPS, torch_generator(9))
    noise = torch.randn((6, model.d_model), generator=torch_generator(9))
    parts = [rescale_vs_orthogonal(model.bridge, prompts[a:b], 1, EPS, noise=noise[a:b])
             for a, b in ((0, 3), (3, 6))]
    for name in at_once:
        np.testing.assert_allclose(np.concatenate([p[name] for p in parts]), at_once[name],
                                   rtol=1e-3, atol=2e-6)
    with pytest.raises(ValueError, match="exactly one of them"):
        rescale_vs_orthogonal(model.bridge, prompts, 1, EPS)
