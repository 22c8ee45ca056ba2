"""Directions over norms (seed comment: LayerNorm, applied each time a block reads the residual
stream, favours meaningful directions over meaningful norms).

A model trained without LayerNorm (Heimersheim 2024, arXiv 2409.13710) is where it may fail;
a model whose blocks do not normalise their inputs is n/a.
"""

import numpy as np
import pytest
import torch

from lmclaims.data.prompts import bos_id, sample_windows
from lmclaims.families.residual.norm_vs_direction import rescale_vs_orthogonal
from lmclaims.families.residual.sizes import SIZES
from lmclaims.models.depth import block_at_depth
from lmclaims.plotting import curves_figure
from lmclaims.seeding import torch_generator
from lmclaims.stats import HALVES, ClaimSpec, Threshold

EPSILONS = np.array([0.0, 0.05, 0.1, 0.2, 0.3])  # perturbation size / ||x||; 0 is the reference
MATCHED_SIZE = Threshold(0.2, "a fifth of the activation's norm: a clear KL for either kind of move, "
                              "small enough to stay near real activations")
PROMPT_LEN = 10


@pytest.mark.claim(
    "residual.direction_over_norm", requires=("residual", "normalized_block_inputs"),
    source="Seed comment on LayerNorm and directions; Heimersheim 2024, arXiv 2409.13710",
    statement="Rescaling a residual activation along itself changes the output less "
              "than an orthogonal perturbation of the same L2 size.",
    primary={"depth": 0.5},  # CLAIMS.md states the claim of a mid-depth activation; the others are secondary
)
@pytest.mark.parametrize("depth", [0.25, 0.5, 0.75], ids=["early", "middle", "late"])
def test_direction_over_norm(claim, model, corpus_tokens, depth, profile):
    """KL after rescaling by 1.2 is smaller than KL after an orthogonal move of 0.2 ||x||."""
    spec = ClaimSpec(
        statistic="median KL ratio, rescale / orthogonal, at 0.2 ||x||", estimator="ratio_of_medians",
        design="paired", null=1.0, alternative="less", n=SIZES[profile.name].prompts,
        thresholds={"matched_size": MATCHED_SIZE}, looks=HALVES,
        reference="follows from the scale invariance of each block's input normalisation; no "
                  "published figure")
    layer = block_at_depth(depth, model.n_layers)
    claim.declare(spec, metric="kl")
    claim.note(write_layer=layer)
    prompts = sample_windows(corpus_tokens, spec.n, PROMPT_LEN, claim.rng("data"), prepend=bos_id(model.tokenizer))
    noise = torch.randn((spec.n, model.d_model), generator=torch_generator(claim.seed))  # directions' draws
    at = int(np.flatnonzero(EPSILONS == MATCHED_SIZE.value)[0])
    curves: list[dict] = []

    def measure(start, stop):  # prompts start..stop-1: KL of both moves at the matched size
        curves.append(rescale_vs_orthogonal(model.bridge, prompts[start:stop], layer, EPSILONS,
                                            noise=noise[start:stop]))
        return curves[-1]["rescale"][:, at], curves[-1]["orthogonal"][:, at]

    result, _ = claim.sequential(measure)
    kl = {name: np.concatenate([c[name] for c in curves]) for name in curves[0]}
    curves_figure(claim.figure_path("kl"), EPSILONS, kl, 0.0, "KL(P_clean || P_perturbed), nats",
                  f"{claim.model_label}, block {layer}", xlabel="perturbation size / ||x||")
    claim.note(median_kl={name: float(np.median(v[:, at])) for name, v in kl.items()})
    claim.conclude(result)
