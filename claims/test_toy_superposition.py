"""Superposition in toy models (Elhage et al. 2022, "Toy Models of Superposition", section 2).

A ReLU autoencoder x' = ReLU(W^T W x + b) squeezes n = 20 features of decaying importance
through m = 5 dimensions. Trained on dense features it keeps the m most important ones on
orthogonal directions; trained on sparse features it packs more than m into superposition.
The claim is two one-sided tests that must both hold (an intersection-union test); the
report gives each part its own row. Counts often do not vary at all across seeds (every dense
seed represents exactly m; sparse counts take two or three values), which leaves a test of
their mean without a spread, so each part is an exact binomial test on the share of seeds.
"""

from dataclasses import replace

import pytest

from lmclaims.stats import ClaimSpec, Threshold, decide, intersection_union, part_rows
from lmclaims.families.toy.figures import plot_superposition
from lmclaims.families.toy.sizes import SIZES
from lmclaims.families.toy.superposition import ToyConfig, count_represented, median_model, train_regimes

SOURCE = "Elhage et al. 2022, Toy Models of Superposition (transformer-circuits.pub), section 2"
CONFIG = ToyConfig()  # n = 20, m = 5, importance 0.9**i as in the paper's section 2
DENSE = 0.0  # sparsity of the dense regime: every feature is present in every sample
NORM_THRESHOLD = Threshold(0.5, "a represented feature has ||W_i|| near 1 and an ignored one "
                                "near 0 (Elhage et al.); 0.5 splits the two")
TYPICAL_SEED = Threshold(0.5, "'more than m' and 'at most m' are said of a typical seed: more than "
                             "half the seeds of a regime; a count that does not vary has no mean test")


@pytest.mark.claim(
    "toy.superposition_when_sparse",
    statement="A toy ReLU autoencoder with m < n hidden dimensions represents more than m features "
              "when trained on sparse features, and at most m when trained on dense features.",
    source=SOURCE, subject="toy ReLU autoencoders",
)
@pytest.mark.parametrize("sparsity", [0.9, 0.99], ids=["S=0.9", "S=0.99"])
def test_superposition_when_sparse(claim, profile, sparsity):
    """Sparse-trained toy models represent more than m features; dense-trained ones at most m."""
    m = CONFIG.n_hidden
    spec = ClaimSpec(
        statistic="share of sparse-trained seeds with more than m features of ||W_i|| > 0.5",
        estimator="share", design="one-sample", null=TYPICAL_SEED.value, alternative="greater",
        n=SIZES[profile.name].seeds, thresholds={"norm": NORM_THRESHOLD, "typical_seed": TYPICAL_SEED},
        primary=f"holds only if the dense test (share of dense seeds with at most m features > "
                f"{TYPICAL_SEED.value:g}, exact binomial) also holds: intersection-union test, "
                "p = the larger of the two p-values",
        reference="Elhage et al. 2022: dense gives the m most important features on orthogonal "
                  "directions; sparsity 0.9+ packs more features as antipodal pairs and polytopes")
    dense_spec = replace(spec, statistic="share of dense-trained seeds representing at most m features")
    claim.declare(spec)
    claim.note(n_features=CONFIG.n_features, hidden_dimensions=m)
    w = train_regimes({"dense": DENSE, "sparse": sparsity}, SIZES[profile.name].seeds, CONFIG, claim.seed)
    counts = {k: count_represented(v, NORM_THRESHOLD.value) for k, v in w.items()}
    above_m = (counts["sparse"] > m).numpy().astype(float)
    sparse = decide(spec, above_m, rng=claim.rng("resample"), n_resamples=profile.n_resamples)
    at_most_m = (counts["dense"] <= m).numpy().astype(float)
    dense = decide(dense_spec, at_most_m, rng=claim.rng("resample"), n_resamples=profile.n_resamples)
    result = intersection_union(sparse, dense, names=("sparse: share > m", "dense: share <= m"))
    claim.note(sparse_counts=counts["sparse"].tolist(), dense_counts=counts["dense"].tolist(),
               mean_counts={k: float(v.float().mean()) for k, v in counts.items()},
               parts=part_rows(result))
    panels = {f"{k} (S={s:g}), median seed": w[k][median_model(counts[k])]
              for k, s in (("dense", DENSE), ("sparse", sparsity))}
    plot_superposition(panels, NORM_THRESHOLD.value, claim.figure_path("weights"),
                       f"W^T W (top) and feature norms (bottom): n={CONFIG.n_features} features, m={m} dimensions")
    claim.conclude(result)
