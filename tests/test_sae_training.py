"""The SAE trainer on synthetic sparse data with known features, and its training invariants
(the checklist of ../shared/SAE.md, 'Training')."""

import pytest
import torch

from lmclaims.families.sae.metrics import evaluate
from lmclaims.families.sae.sae import SparseAutoencoder
from lmclaims.families.sae.train import TrainConfig, cached_sae, load_sae, save_sae, train_sae

D, K, P = 16, 32, 0.06  # dimensions, true features, probability a feature is on


def synthetic(n: int, seed: int = 0):
    """(x [n, D], features [K, D]): sparse non-negative codes of unit features, plus an offset mean."""
    g = torch.Generator().manual_seed(seed)
    feats = torch.randn(K, D, generator=g)
    feats /= feats.norm(dim=1, keepdim=True)
    codes = (torch.rand(n, K, generator=g) < P) * (torch.rand(n, K, generator=g) + 0.5)
    return codes @ feats + 3.0, feats


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Tiny SAEs train fastest on one thread (two threads on a busy 2-core machine: 20x slower)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def data():
    x, feats = synthetic(8000)
    return x[:6000], x[6000:], feats


@pytest.fixture(scope="module")
def trained(data):
    train, _, _ = data
    return {a: train_sae(train, TrainConfig(a, 0.3, 64, 0, 600, batch=128, lr=3e-3)) for a in ("relu", "gated")}


@pytest.mark.parametrize("arch", ["relu", "gated"])
def test_recovers_known_features(data, trained, arch):
    """Every true feature has a decoder row within cosine 0.9, at an L0 near the true one."""
    _, held_out, feats = data
    best = (feats @ trained[arch].W_dec.T).max(1).values
    q = evaluate(trained[arch], held_out)
    assert best.min() > 0.9, f"{arch}: worst feature cosine {best.min():.3f}"
    assert q.fvu < 0.2 and q.l0 < 3 * K * P, f"{arch}: {q}"


def test_gated_shrinks_less_on_synthetic_data(data, trained):
    """At the same coefficient the ReLU SAE shrinks (gamma < 0.9); the gated one is within 5% of 1."""
    _, held_out, _ = data
    relu, gated = evaluate(trained["relu"], held_out), evaluate(trained["gated"], held_out)
    assert relu.gamma < 0.9 and abs(gated.gamma - 1) < 0.05, (relu.gamma, gated.gamma)


@pytest.mark.parametrize("arch", ["relu", "gated"])
def test_decoder_rows_unit_norm_after_every_step(arch):
    """Non-square shapes (width 40 != d 24): rows stay at norm 1 whatever the step count."""
    x, _ = synthetic(600)
    for steps in (1, 3):
        sae = train_sae(x, TrainConfig(arch, 0.3, 40, 1, steps, batch=64))
        assert torch.allclose(sae.W_dec.norm(dim=1), torch.ones(40), atol=1e-5)


@pytest.mark.parametrize("arch", ["relu", "gated"])
def test_moving_scale_into_the_decoder_does_not_lower_the_loss(arch):
    """Scaling decoder row i by c and latent i by 1/c leaves the loss unchanged (no cheating the L1)."""
    x, _ = synthetic(512)
    sae = train_sae(x, TrainConfig(arch, 0.3, 40, 2, 50, batch=128))
    before = float(sae.loss(x, 0.3))
    with torch.no_grad():
        c = 4.0
        sae.W_dec[5] *= c
        if arch == "relu":
            sae.W_enc[:, 5] /= c
            sae.b_enc[5] /= c
        else:  # the gate keeps its sign; the magnitude path carries the 1/c
            sae.r_mag[5] -= torch.log(torch.tensor(c))
            sae.b_mag[5] /= c
    assert float(sae.loss(x, 0.3)) >= before - 1e-4 * abs(before)


def test_initialisation_decoder_bias_at_mean_and_rows_of_both_signs():
    x, _ = synthetic(2000)
    sae = SparseAutoencoder(D, 64, "relu", x.mean(0), 0.5, torch.Generator().manual_seed(0))
    assert torch.allclose(sae.b_dec / sae.scale, x.mean(0), atol=1e-5)
    assert (sae.W_dec > 0).any() and (sae.W_dec < 0).any()


def test_gated_aux_loss_leaves_the_decoder_alone():
    """Backpropagating the auxiliary loss alone gives the decoder no gradient (the frozen copy)."""
    x, _ = synthetic(256)
    sae = SparseAutoencoder(D, 40, "gated", x.mean(0), 0.5, torch.Generator().manual_seed(0))
    sae.loss_terms(x, 0.3)["aux"].backward()
    for name in ("W_dec", "b_dec"):
        grad = getattr(sae, name).grad
        assert grad is None or float(grad.abs().max()) == 0.0, name
    assert float(sae.W_enc.grad.abs().max()) > 0  # it does train the gate


def test_saved_and_reloaded_sae_gives_the_same_error_on_raw_activations(tmp_path):
    """The activation scale lives in the module: a reload reproduces the FVU exactly."""
    x, _ = synthetic(2000)
    cfg = TrainConfig("gated", 0.3, 40, 3, 30, batch=128)
    sae = train_sae(x, cfg)
    save_sae(sae, cfg, "data-key", tmp_path)
    again = load_sae(cfg, "data-key", tmp_path)
    assert evaluate(again, x) == evaluate(sae, x)
    assert load_sae(TrainConfig("gated", 0.3, 40, 4, 30, batch=128), "data-key", tmp_path) is None


def test_trained_sae_cache_trains_once(tmp_path, monkeypatch):
    """A second request is served from disk: training is never called again."""
    x, _ = synthetic(1000)
    cfg = TrainConfig("relu", 0.3, 32, 0, 20, batch=128)
    first = cached_sae(x, cfg, "k", tmp_path)
    monkeypatch.setattr("lmclaims.families.sae.train.train_sae",
                        lambda *a: pytest.fail("trained again despite the cache"))
    second = cached_sae(x, cfg, "k", tmp_path)
    assert torch.equal(first.W_dec, second.W_dec)


def test_bad_input_one_line_errors():
    with pytest.raises(ValueError, match="unknown SAE architecture 'topk'"):
        SparseAutoencoder(8, 16, "topk")
    with pytest.raises(ValueError, match="no spread"):
        train_sae(torch.ones(100, 8), TrainConfig("relu", 0.1, 16, 0, 5))
