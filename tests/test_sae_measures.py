"""SAE metrics, activation caching and splicing (the checklist of ../shared/SAE.md: 'Tokens and
positions', 'Metrics', 'Splicing'), on synthetic numbers and a tiny random-weight model."""

import numpy as np
import pytest
import torch

from lmclaims.families.sae.activations import cached_activations, content_mask, special_ids
from lmclaims.families.sae.metrics import check_monotone, fvu, matched_logs, relative_bias
from lmclaims.families.sae.sizes import sae_sizes
from lmclaims.families.sae.splice import random_at_distance, splice_run
from lmclaims.models.tiny import tiny_model
from lmclaims.profiles import PROFILES


class Identity:
    """An 'SAE' that reconstructs perfectly: the splice must change nothing."""

    def __call__(self, x):
        return x


@pytest.fixture(scope="module")
def tiny():
    return tiny_model("gemma3", layers=2, seed=3)


def _prompts(n=4, length=12, seed=0):
    g = torch.Generator().manual_seed(seed)
    body = torch.randint(3, 512, (n, length - 1), generator=g)
    return torch.cat([torch.zeros(n, 1, dtype=torch.long), body], 1)  # BOS id 0 first


def test_fvu_of_the_mean_is_one_and_taken_over_the_whole_set():
    x = torch.randn(1000, 8) * torch.linspace(0.1, 3, 8) + 5
    assert fvu(x, x.mean(0).expand_as(x)) == pytest.approx(1.0, abs=1e-12)
    x_hat = x + 0.3 * torch.randn_like(x)
    a, b = x[:100] * 0.01, x[100:]  # batches of very different spread
    whole = fvu(torch.cat([a, b]), torch.cat([a, b]) + 0.01)
    per_batch = (fvu(a, a + 0.01) + fvu(b, b + 0.01)) / 2
    assert whole != pytest.approx(per_batch, rel=0.1) and fvu(x, x_hat) < 1


def test_relative_bias_of_a_shrunk_reconstruction():
    x = torch.randn(500, 6) + 2
    m = x.mean(0)
    assert relative_bias(x, m + 0.8 * (x - m)) == pytest.approx(0.8, rel=1e-6)  # float32 input
    assert relative_bias(x, x) == pytest.approx(1.0, rel=1e-12)


def test_matched_logs_reads_a_known_ratio_and_refuses_disjoint_frontiers():
    fvu_a, fvu_b = [0.05, 0.1, 0.3], [0.04, 0.12, 0.4]
    l0 = lambda f: [10.0 / v for v in f]  # the same frontier, L0 = 10 / FVU
    a, b, (lo, hi) = matched_logs((fvu_a, [0.5 * v for v in l0(fvu_a)]), (fvu_b, l0(fvu_b)))
    assert a - b == pytest.approx(np.log(0.5)) and (lo, hi) == pytest.approx((0.05, 0.3))
    with pytest.raises(ValueError, match="share no FVU range"):
        matched_logs(([0.5, 0.6], [1, 2]), ([0.1, 0.2], [1, 2]))


def test_sweep_must_move_l0_monotonically():
    check_monotone([0.1, 0.3, 0.9], [50, 20, 5], "ok")
    with pytest.raises(ValueError, match="does not fall monotonically"):
        check_monotone([0.1, 0.3, 0.9], [50, 60, 5], "relu SAE, seed 0")


def test_special_tokens_masked_by_id_wherever_they_sit(tiny):
    specials = special_ids(tiny.tokenizer)
    assert 0 in specials  # a BOS id of 0 is a valid id
    packed = torch.tensor([[0, 5, 6, 0, 7], [1, 1, 0, 8, 9]])  # mid-row BOS, left padding
    assert content_mask(packed, specials).tolist() == [[False, True, True, False, True],
                                                        [False, False, False, True, True]]


def test_random_point_at_exactly_the_error_distance():
    x, target = torch.randn(200, 16) * 50, torch.randn(200, 16) * 50
    point = random_at_distance(x, target, torch.Generator().manual_seed(0))
    ratio = (point - x).double().norm(dim=1) / (target - x).double().norm(dim=1)
    assert torch.allclose(ratio, torch.ones(200, dtype=torch.float64), atol=1e-5)
    assert not torch.allclose(point, target)


def test_identity_splice_changes_nothing_and_recovers_all_loss(tiny):
    """An identity 'SAE' gives KL exactly 0 and CE loss recovered exactly 1."""
    run = splice_run(tiny.bridge, _prompts(), 1, special_ids(tiny.tokenizer), Identity(),
                     torch.zeros(64), 1.0, torch.Generator().manual_seed(0), batch=2)
    assert np.all(run.kl["sae"] == 0.0) and np.all(run.kl["random"] == 0.0)
    assert np.array_equal(run.ce["sae"], run.ce["clean"])
    recovered = (run.ce["zero"] - run.ce["sae"]) / (run.ce["zero"] - run.ce["clean"])
    assert np.all(recovered == 1.0) and np.all(run.kl["zero"] > 0)


def test_activations_cached_once_and_read_back(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("LMCLAIMS_CACHE", str(tmp_path))
    first = cached_activations(tiny, _prompts(), 1, "tiny-test")
    assert first.acts.shape == (4 * 11, 64) and set(first.prompt.tolist()) == {0, 1, 2, 3}
    monkeypatch.setattr("lmclaims.families.sae.activations.resid_activations",
                        lambda *a, **k: pytest.fail("recomputed despite the cache"))
    again = cached_activations(tiny, _prompts(), 1, "tiny-test")
    assert torch.equal(first.acts, again.acts) and first.key == again.key
    assert list(tmp_path.rglob("*.safetensors")) and not list(tmp_path.rglob("*.pkl"))


def test_every_profile_has_sae_sizes():
    for profile in PROFILES.values():
        assert sae_sizes(profile).seeds >= 4  # the bootstrap-t needs spread across seeds
    with pytest.raises(ValueError, match="no SAE sizes for profile 'huge'"):
        sae_sizes(type("P", (), {"name": "huge"})())


def test_splice_results_cached_without_pickles(tmp_path, monkeypatch):
    """cached_arrays computes once, reads back the same arrays and metadata from safetensors."""
    from lmclaims.families.sae.store import cached_arrays

    monkeypatch.setenv("LMCLAIMS_CACHE", str(tmp_path))
    compute = lambda: ({"kl/sae": np.arange(3.0), "n": np.array([7])}, {"why": "test"})
    first = cached_arrays("k", {"a": 1}, compute)
    again = cached_arrays("k", {"a": 1}, lambda: pytest.fail("recomputed despite the cache"))
    assert np.array_equal(first[0]["kl/sae"], again[0]["kl/sae"]) and again[1] == {"why": "test"}
