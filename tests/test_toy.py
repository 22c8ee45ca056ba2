"""Fast tests of the toy superposition model (lmclaims.families.toy) on tiny inputs."""

from dataclasses import replace

import pytest
import torch

from lmclaims.families.toy.figures import plot_superposition
from lmclaims.families.toy.superposition import (
    ToyConfig, count_represented, feature_norms, importance, init_params, interference,
    median_model, reconstruct, sample_features, train, train_regimes, weighted_loss,
)
from lmclaims.models.device import one_cpu_thread

TINY = ToyConfig(n_features=4, n_hidden=2, importance_decay=0.7, steps=50, batch=64)


def test_shapes():
    """Weights are [models, m, n], biases [models, n], data and reconstructions [models, batch, n]."""
    gen = torch.Generator().manual_seed(0)
    w, b = init_params(3, TINY, gen)
    x = sample_features(torch.tensor([0.0, 0.5, 0.9]), 7, TINY.n_features, gen)
    assert w.shape == (3, 2, 4) and b.shape == (3, 4) and x.shape == (3, 7, 4)
    assert reconstruct(w, b, x).shape == (3, 7, 4)
    assert feature_norms(w).shape == interference(w).shape == (3, 4)


def test_sparsity_sets_the_share_of_zeros():
    """Each model's features are 0 with its own probability, otherwise in [0, 1)."""
    x = sample_features(torch.tensor([0.0, 0.9]), 4000, 5, torch.Generator().manual_seed(1))
    assert (x >= 0).all() and (x < 1).all()
    assert (x[0] == 0).float().mean() < 0.001
    assert abs((x[1] == 0).float().mean().item() - 0.9) < 0.01
    assert abs(x[1][x[1] > 0].mean().item() - 0.5) < 0.02  # uniform given present


def test_importance_decays_geometrically():
    """Feature i has importance decay**i, starting at 1."""
    assert torch.allclose(importance(TINY), torch.tensor([1.0, 0.7, 0.49, 0.343]))


def test_weighted_loss_weights_each_feature_by_importance():
    """A unit error on feature i costs I_i per sample; a perfect reconstruction costs 0."""
    x = torch.zeros(1, 2, 3)
    err = torch.zeros(1, 2, 3)
    err[..., 2] = 1.0
    imp = torch.tensor([1.0, 0.5, 0.25])
    assert weighted_loss(x, x, imp) == 0
    assert weighted_loss(x, err, imp) == pytest.approx(0.25)


def test_training_is_deterministic_given_the_seed():
    """The same seed gives the same weights; another seed gives other weights."""
    a, b, c = train([0.0, 0.9], TINY, 3), train([0.0, 0.9], TINY, 3), train([0.0, 0.9], TINY, 4)
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_train_regimes_keeps_the_order_of_regimes():
    """train_regimes is train() on k copies of each sparsity, split by regime in order."""
    regimes = train_regimes({"dense": 0.0, "sparse": 0.9}, 2, TINY, 5)
    together = train([0.0, 0.0, 0.9, 0.9], TINY, 5)
    assert torch.equal(regimes["dense"], together[:2]) and torch.equal(regimes["sparse"], together[2:])


def test_count_represented_counts_norms_above_threshold():
    """Only columns with norm strictly above the threshold count."""
    w = torch.tensor([[[1.0, 0.0, 0.0, 0.5], [0.0, 0.2, 0.5, 0.0]]])  # norms 1, 0.2, 0.5, 0.5
    assert count_represented(w, 0.5).tolist() == [1]
    assert count_represented(w, 0.1).tolist() == [4]


def test_interference_of_orthogonal_and_antipodal_columns():
    """Orthogonal features do not interfere; an antipodal pair interferes 1 with each other."""
    orthogonal = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]]])
    antipodal = torch.tensor([[[1.0, -1.0], [0.0, 0.0]]])
    assert torch.equal(interference(orthogonal), torch.zeros(1, 3))
    assert torch.allclose(interference(antipodal), torch.ones(1, 2))


def test_median_model_picks_a_median_count():
    """The chosen model's count is the lower median of the counts."""
    assert median_model(torch.tensor([7, 3, 5, 9])) == 2
    assert median_model(torch.tensor([4, 4, 4])) == 1


def test_single_thread_restores_the_thread_count():
    """Training runs on one thread and leaves torch's thread count as it found it."""
    before = torch.get_num_threads()
    with one_cpu_thread():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_dense_training_represents_at_most_m_features():
    """With dense features, n=4 and m=2, trained models keep exactly the m most important features."""
    w = train([0.0] * 4, replace(TINY, steps=2000, batch=256), 0)
    assert count_represented(w, 0.5).tolist() == [2, 2, 2, 2]
    assert (feature_norms(w)[:, :2] > 0.9).all()


def test_sparse_training_represents_more_than_m_features():
    """With sparse features (S=0.9), n=5 and m=2, trained models represent more than m features."""
    cfg = replace(TINY, n_features=5, importance_decay=1.0, steps=1500, batch=256)
    assert (count_represented(train([0.9] * 4, cfg, 0), 0.5) > 2).all()


def test_figure_is_written(tmp_path):
    """The figure function writes a PNG for a dict of single models."""
    w = train([0.0, 0.9], TINY, 0)
    path = tmp_path / "toy.png"
    plot_superposition({"dense": w[0], "sparse": w[1]}, 0.5, path, "tiny")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
