"""Superposition in toy models (Elhage et al. 2022, "Toy Models of Superposition", section 2).

A ReLU autoencoder x' = ReLU(W^T W x + b) squeezes n = 20 features of decaying importance
through m = 5 dimensions. Trained on dense features it keeps the m most important ones on
orthogonal directions; trained on sparse features it packs more than m into superposition.
The claim is two one-sided tests that must both hold (an intersection-union test).
"""

from dataclasses import replace

import pytest

from lmclaims.stats import ClaimSpec, Threshold, decide, intersection_union
from lmclaims.toy.figures import plot_superposition
from lmclaims.toy.superposition import ToyConfig, count_represented, median_model, train_regimes

SOURCE = "Elhage et al. 2022, Toy Models of Superposition (transformer-circuits.pub), section 2"
CONFIG = ToyConfig()  # n = 20, m = 5, importance 0.9**i as in the paper's section 2
DENSE = 0.0  # sparsity of the dense regime: every feature is present in every sample
NORM_THRESHOLD = Threshold(0.5, "a represented feature has ||W_i|| near 1 and an ignored one "
                                "near 0 (Elhage et al.); 0.5 splits the two")
DENSE_MARGIN = Threshold(0.5, "counts are integers, so a mean dense count below m + 0.5 means a "
                              "typical seed represents at most m; 'exactly m' cannot be a one-sided null")


@pytest.mark.claim(
    "toy.superposition_when_sparse",
    statement="A toy ReLU autoencoder with m < n hidden dimensions represents more than m features "
              "when trained on sparse features, and at most m when trained on dense features.",
    source=SOURCE,
)
@pytest.mark.parametrize("sparsity", [0.9, 0.99], ids=["S=0.9", "S=0.99"])
def test_superposition_when_sparse(claim, profile, sparsity):
    """Sparse-trained toy models represent more than m features; dense-trained ones at most m."""
    m = CONFIG.n_hidden
    spec = ClaimSpec(
        statistic="mean number of features with ||W_i|| > 0.5, sparse training", estimator="mean",
        design="one-sample", null=m, alternative="greater", n=profile.toy_seeds,
        thresholds={"norm": NORM_THRESHOLD, "dense_margin": DENSE_MARGIN},
        primary=f"holds only if the dense test (mean dense count < m + {DENSE_MARGIN.value:g}) also "
                "holds: intersection-union test, p = the larger of the two p-values",
        reference="Elhage et al. 2022: dense gives the m most important features on orthogonal "
                  "directions; sparsity 0.9+ packs more features as antipodal pairs and polytopes")
    dense_spec = replace(spec, statistic="mean represented features, dense training",
                         null=m + DENSE_MARGIN.value, alternative="less")
    claim.declare(spec)
    claim.note(n_features=CONFIG.n_features, hidden_dimensions=m)
    claim.label_of_model = lambda: "toy ReLU autoencoders"
    w = train_regimes({"dense": DENSE, "sparse": sparsity}, profile.toy_seeds, CONFIG, claim.seed)
    counts = {k: count_represented(v, NORM_THRESHOLD.value) for k, v in w.items()}
    sparse = decide(spec, counts["sparse"].numpy(), rng=claim.rng, n_resamples=profile.n_resamples)
    dense = decide(dense_spec, counts["dense"].numpy(), rng=claim.rng, n_resamples=profile.n_resamples)
    claim.note(sparse_counts=counts["sparse"].tolist(), dense_counts=counts["dense"].tolist(),
               dense_test=f"{dense.estimate:.3g} [{dense.ci_low:.3g}, {dense.ci_high:.3g}] vs claimed "
                          f"< {dense_spec.null:g}: {dense.verdict} (p={dense.p_value:.3g})")
    panels = {f"{k} (S={s:g}), median seed": w[k][median_model(counts[k])]
              for k, s in (("dense", DENSE), ("sparse", sparsity))}
    plot_superposition(panels, NORM_THRESHOLD.value, claim.figure_path("weights"),
                       f"W^T W (top) and feature norms (bottom): n={CONFIG.n_features} features, m={m} dimensions")
    claim.conclude(intersection_union(sparse, dense))
