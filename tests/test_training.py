"""The shared trainer, its checkpoint cache and the training measurements, in seconds."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from lmclaims.families.training import modular, trainer
from lmclaims.families.training.curves import first_crossing, grokking_steps, rise_window
from lmclaims.families.training.induction import induction_score, phase_change, repeated_random, with_repeats
from lmclaims.families.training.model import TinyTransformer, TransformerConfig
from lmclaims.families.training.modular import ModularTask, all_pairs, grokking_run, margin_per_norm, split
from lmclaims.families.training.polysemantic import count_polysemantic, expected_collisions
from lmclaims.families.training.text import build_vocab, encode, words
from lmclaims.seeding import torch_generator

TINY = ModularTask(7, 0.5, TransformerConfig(vocab=8, n_ctx=3, d_model=16, n_heads=2, d_mlp=32, init_std=0.25),
                   trainer.Recipe(steps=30, lr=1e-2, weight_decay=1.0, checkpoints=(0, 30), log_every=10))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A private checkpoint cache for the test."""
    monkeypatch.setenv("LMCLAIMS_CACHE", str(tmp_path))
    return tmp_path


def test_same_seed_gives_identical_weights(cache, monkeypatch):
    """Two trainings of one seed (no cache between them) give bit-identical weights and logs."""
    first = grokking_run(TINY, 3)
    monkeypatch.setenv("LMCLAIMS_CACHE", str(cache / "other"))
    second = grokking_run(TINY, 3)
    assert not first.from_cache and not second.from_cache
    for name, w in first.checkpoints[30].items():
        assert torch.equal(w, second.checkpoints[30][name]), name
    assert first.log == second.log
    other_seed = grokking_run(TINY, 4)
    assert not torch.equal(other_seed.checkpoints[30]["embed.weight"], first.checkpoints[30]["embed.weight"])


def test_second_call_trains_nothing(cache, monkeypatch):
    """A cached run comes back from safetensors + JSON equal to what was trained, without training."""
    trained = grokking_run(TINY, 0)
    monkeypatch.setattr(modular, "train", lambda *a, **k: pytest.fail("trained again"))
    loaded = grokking_run(TINY, 0)
    assert loaded.from_cache and loaded.log == trained.log
    assert loaded.checkpoints.keys() == trained.checkpoints.keys()
    for step, sd in trained.checkpoints.items():
        assert all(torch.equal(v, loaded.checkpoints[step][k]) for k, v in sd.items())
    assert not list(cache.rglob("*.pkl")) and list(cache.rglob("weights.safetensors"))
    with pytest.raises(pytest.fail.Exception):
        grokking_run(replace(TINY, p=5, model=replace(TINY.model, vocab=6)), 0)  # new config: trains


def test_last_position_forward_matches_full_forward():
    """`last` computes the same logits as the full forward's last position."""
    model = TinyTransformer(TransformerConfig(vocab=11, n_ctx=5, d_model=16, n_heads=2, n_layers=2, d_mlp=8))
    model.reset_parameters(torch_generator(0))
    x = torch.randint(11, (4, 5), generator=torch_generator(1))
    torch.testing.assert_close(model.last(x), model(x)[:, -1])


def test_modular_data_and_split():
    """Labels are (a + b) mod p; the split is a seeded partition of all p^2 pairs."""
    x, y = all_pairs(5)
    assert torch.equal(y, (x[:, 0] + x[:, 1]) % 5) and (x[:, 2] == 5).all()
    tr, te = split(5, 0.4, torch_generator(0))
    assert len(tr) == 10 and sorted(torch.cat([tr, te]).tolist()) == list(range(25))


def test_margin_per_norm_on_known_logits():
    """(correct - mean) / norm: correct logit 3, others 0 over 3 classes -> (3 - 1) / 2 = 1."""
    logits = torch.tensor([[3.0, 0.0, 0.0], [0.0, 0.0, 3.0]])
    assert margin_per_norm(logits, torch.tensor([0, 2]), 2.0) == pytest.approx(1.0)


def test_crossing_and_grokking_delay():
    """Crossings are interpolated; a run whose test accuracy never arrives is censored at its end."""
    steps = np.array([0.0, 100, 200, 300])
    assert first_crossing(steps, np.array([0.0, 0.5, 1.0, 1.0]), 0.75) == pytest.approx(150)
    assert first_crossing(steps, np.array([4.0, 3, 1, 0]), 2.0, rising=False) == pytest.approx(150)
    assert np.isnan(first_crossing(steps, np.zeros(4), 0.5))
    g = grokking_steps({"step": steps, "train_acc": [0, 1, 1, 1], "test_acc": [0, 0, 0.5, 1]}, 0.99, 0.95)
    assert g.memorised == pytest.approx(99) and g.generalised == pytest.approx(290) and not g.censored
    c = grokking_steps({"step": steps, "train_acc": [0, 1, 1, 1], "test_acc": [0, 0, 0, 0.2]}, 0.99, 0.95)
    assert c.censored and c.generalised == 300
    with pytest.raises(ValueError, match="did not memorise"):
        grokking_steps({"step": steps, "train_acc": [0, 0, 0, 0], "test_acc": [0] * 4}, 0.99, 0.95)


def test_rise_window_tells_a_jump_from_a_ramp():
    """A sigmoid jump has a narrow window; a straight line from step 0 has relative width 1.6."""
    steps = np.linspace(0, 1000, 201)
    jump = rise_window(steps, 1 / (1 + np.exp(-(steps - 600) / 10)))
    ramp = rise_window(steps, steps / 1000)
    assert jump.middle == pytest.approx(600, abs=1) and jump.relative_width < 0.15
    assert ramp.relative_width == pytest.approx(1.6, rel=0.02)
    with pytest.raises(ValueError):
        rise_window(steps, np.ones_like(steps))


def test_induction_score_of_a_perfect_and_a_blind_head():
    """A head attending exactly to q - L + 1 scores 1; one attending to position 0 scores 0."""
    length, t = 4, 9
    perfect = torch.zeros(1, 2, t, t)
    for q in range(1 + length, 1 + 2 * length):
        perfect[0, 0, q, q - length + 1] = 1.0
    perfect[0, 1, :, 0] = 1.0
    score = induction_score([perfect], length)
    assert score[0, 0] == 1.0 and score[0, 1] == 0.0
    seqs = repeated_random(50, 3, length, torch_generator(0))
    assert seqs.shape == (3, 9) and torch.equal(seqs[:, 1:5], seqs[:, 5:9]) and (seqs[:, 0] == 0).all()


def test_with_repeats_inserts_a_repeated_sequence():
    """Every picked row holds a run of n >= 4 ids followed by the same n ids, n varying by row."""
    x = torch.full((30, 20), 1)
    r = with_repeats(x, 1.0, 1000, torch_generator(0))
    lengths = set()
    for row in r:
        inserted = torch.nonzero(row != 1).flatten()
        n = len(inserted) // 2
        assert n >= 4 and torch.equal(row[inserted[:n]], row[inserted[n:]])
        lengths.add(n)
    assert len(lengths) > 3 and torch.equal(with_repeats(x, 0.0, 1000, torch_generator(0)), x)


def test_polysemantic_counts_on_constructed_weights():
    """Neuron 0 carries features 0 and 1 (opposite signs), neuron 1 feature 2 alone -> one polysemantic."""
    w = torch.zeros(1, 3, 4)
    w[0, 0, 0], w[0, 1, 0], w[0, 2, 1] = 1.0, -1.0, 1.0
    assert count_polysemantic(w, 0.5).tolist() == [1]
    assert expected_collisions(32, 64) == pytest.approx(32 * 31 / 128)


def test_word_vocab_and_encoding():
    """Most frequent words get the lowest ids after <bos>/<unk>; rare words become <unk>."""
    vocab = build_vocab(["the cat, the dog.", "the end"], 5)
    assert words("The cat,") == ["the", "cat", ","] and vocab["the"] == 2 and len(vocab) == 5
    ids = encode(["the zebra"], vocab)
    assert ids.tolist() == [0, 2, 1]


def test_phase_change_measures_a_constructed_jump():
    """A score that jumps at step 600 with the loss halving there: changepoint 600, loss 0 apart."""
    steps = np.linspace(0, 1000, 101)
    score = 0.03 + 0.87 / (1 + np.exp(-(steps - 600) / 15))
    loss = 6.0 - 5.7 / (1 + np.exp(-(steps - 600) / 15))
    run = trainer.Run({}, {"step": steps.tolist(), "induction_score": score.tolist(),
                           "repeated_loss": loss.tolist()})
    m = phase_change([run, run])
    assert m["middle"] == pytest.approx([600, 600], abs=2) and (m["relative_width"] < 0.2).all()
    assert m["apart"] == pytest.approx([0, 0], abs=0.01) and m["final"][0] == pytest.approx(0.9, abs=0.01)


def test_measurement_cache_computes_once(cache):
    """cached_json runs `make` once per (kind, config, seed); a different seed computes again."""
    calls = []
    make = lambda: calls.append(1) or {"ratio": 1.5}
    assert trainer.cached_json("m", {"a": 1}, 0, make) == {"ratio": 1.5}
    assert trainer.cached_json("m", {"a": 1}, 0, make) == {"ratio": 1.5} and len(calls) == 1
    trainer.cached_json("m", {"a": 1}, 1, make)
    assert len(calls) == 2
