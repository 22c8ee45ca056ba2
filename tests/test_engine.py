"""The perturbation engine gives the numbers of a plain full re-run with a hook."""

import pytest
import torch

from lmclaims.models.tiny import tiny_model
from lmclaims.engine.perturbation import FullRerun, PerturbationEngine, Readout, output_distance

# float32: the prefix cache changes the order of some reductions, nothing else
TOLERANCE = {"kl": 1e-4, "l2": 1e-4}


def _paths(engine, n_steps=5, seed=0):
    gen = torch.Generator().manual_seed(seed)
    base = engine.clean_acts
    direction = torch.randn(base.shape, generator=gen)
    direction = direction / direction.norm(dim=-1, keepdim=True)
    sizes = torch.linspace(0, 1, n_steps) * base.norm(dim=-1).median()
    return torch.arange(len(base)), base, direction, sizes


@pytest.fixture(scope="module", params=["gpt2", "gemma3", "llama"])
def tiny(request):
    return tiny_model(request.param, layers=4, seed=1)


@pytest.mark.parametrize("metric", ["kl", "l2"])
@pytest.mark.parametrize("write_layer", [0, 2])
def test_engine_matches_full_rerun_on_tiny_models(tiny, metric, write_layer):
    """Same output change along every path as re-running the whole prompt, to 1e-4."""
    prompts = torch.randint(3, 512, (6, 9), generator=torch.Generator().manual_seed(2))
    readout = Readout(metric, tiny.n_layers - 1)
    engine = PerturbationEngine(tiny.bridge, prompts, write_layer, readout, max_rows=7)
    reference = FullRerun(tiny.bridge, prompts, write_layer, readout, max_rows=7)
    args = _paths(engine)
    fast, slow = engine.path_changes(*args), reference.path_changes(*args)
    assert fast.shape == (6, 5)
    assert torch.allclose(fast, slow, atol=TOLERANCE[metric], rtol=1e-4), (fast - slow).abs().max()
    assert engine.stats["chunks"] > 1  # chunking was exercised
    assert engine.stats["start_at_write_layer"] == "on"  # the blocks below were skipped


def test_clean_activations_match_run_with_cache(tiny):
    """The engine's unperturbed activations are the ones run_with_cache reports."""
    prompts = torch.randint(3, 512, (4, 7), generator=torch.Generator().manual_seed(3))
    engine = PerturbationEngine(tiny.bridge, prompts, 1, Readout("kl"))
    _, cache = tiny.bridge.run_with_cache(prompts, names_filter=["blocks.1.hook_resid_pre"])
    assert torch.allclose(engine.clean_acts, cache["blocks.1.hook_resid_pre"][:, -1], atol=1e-5)


def test_output_distance_is_zero_at_reference_and_positive_elsewhere():
    """KL from logits equals KL of the softmaxes (shift-invariant); relative L2 is |out - ref| / |ref|."""
    logits = torch.randn(3, 1, 10)
    assert torch.allclose(output_distance("kl", logits, logits), torch.zeros(3, 1), atol=1e-6)
    assert torch.allclose(output_distance("kl", logits, logits + 5.0), torch.zeros(3, 1), atol=1e-5)
    shifted = logits.roll(1, -1)
    expected = torch.nn.functional.kl_div(torch.log_softmax(shifted, -1), torch.log_softmax(logits, -1),
                                          log_target=True, reduction="none").sum(-1)
    assert (expected > 0).all()
    assert torch.allclose(output_distance("kl", logits, shifted), expected, atol=1e-5)
    resid = torch.randn(3, 1, 8)
    assert torch.allclose(output_distance("l2", resid, 2 * resid), torch.ones(3, 1))


def test_an_emptied_prefix_cache_is_refused_with_the_versions(tiny):
    """The invariant check: a cache with no keys (what transformers 5.24 left through
    TransformerLens 4.3's attention bridge) is a FastPathMismatch, not a silent answer."""
    from transformers import DynamicCache

    from lmclaims.errors import FastPathMismatch
    from lmclaims.engine.prefix_cache import check_prefix_cache

    prompts = torch.randint(3, 512, (3, 6), generator=torch.Generator().manual_seed(4))
    engine = PerturbationEngine(tiny.bridge, prompts, 1, Readout("kl"), max_rows=4)
    check_prefix_cache(engine.cache, 3, 5, tiny.n_layers)  # the real one passes
    empty = DynamicCache(config=tiny.bridge.original_model.config)
    with pytest.raises(FastPathMismatch, match=r"empty.*transformers \d.*transformer-lens \d"):
        check_prefix_cache(empty, 3, 5, tiny.n_layers)
    with pytest.raises(FastPathMismatch, match="positions"):
        check_prefix_cache(engine.cache, 3, 6, tiny.n_layers)


def test_a_wrong_prefix_cache_fails_the_self_check_before_any_answer(tiny):
    """Shapes intact, numbers wrong (keys and values zeroed): the first path_changes call
    compares with a full re-run and raises, naming the hook, the difference and the versions."""
    from lmclaims.errors import FastPathMismatch

    prompts = torch.randint(3, 512, (4, 8), generator=torch.Generator().manual_seed(5))
    engine = PerturbationEngine(tiny.bridge, prompts, 1, Readout("kl"), max_rows=6)
    with torch.inference_mode():
        for layer in engine.cache.layers:
            layer.keys.zero_()
            layer.values.zero_()
    with pytest.raises(FastPathMismatch, match=r"blocks\.1\.hook_resid_pre.*\d.*transformers \d"):
        engine.path_changes(*_paths(engine))


def test_the_self_check_passes_and_reports_its_difference(tiny):
    prompts = torch.randint(3, 512, (4, 8), generator=torch.Generator().manual_seed(6))
    engine = PerturbationEngine(tiny.bridge, prompts, 2, Readout("l2", tiny.n_layers - 1), max_rows=6)
    engine.path_changes(*_paths(engine))
    assert engine.self_checked and engine.stats["self_check_max_diff"] < 1e-4


def test_prompt_groups_and_chunked_prefix_passes_give_the_same_numbers(tiny):
    """Bounded memory changes nothing: prefixes computed 2 prompts at a time equal one pass, and an
    engine holding 2 prompts' caches at a time gives the numbers of one holding all 7, for paths
    in any order, repeated prompts included."""
    from lmclaims.engine.prefix_cache import compute_prefix_cache

    prompts = torch.randint(3, 512, (7, 9), generator=torch.Generator().manual_seed(7))
    one = compute_prefix_cache(tiny.bridge, prompts[:, :-1], 100)
    chunked = compute_prefix_cache(tiny.bridge, prompts[:, :-1], 2)
    assert all(torch.allclose(a.keys, b.keys, atol=1e-5) and torch.allclose(a.values, b.values, atol=1e-5)
               for a, b in zip(one.layers, chunked.layers))  # batch size changes float rounding only

    readout = Readout("kl")
    whole = PerturbationEngine(tiny.bridge, prompts, 1, readout, max_rows=5)
    grouped = PerturbationEngine(tiny.bridge, prompts, 1, readout, max_rows=5,
                                 max_cache_bytes=2 * whole.kv_bytes_per_prompt)
    assert (whole.group_size, grouped.group_size) == (7, 2)
    assert torch.allclose(grouped.clean_acts, whole.clean_acts, atol=1e-5)
    idx = torch.tensor([6, 0, 3, 3, 1, 5, 2, 4])
    gen = torch.Generator().manual_seed(8)
    direction = torch.nn.functional.normalize(torch.randn(len(idx), whole.clean_acts.shape[1], generator=gen), dim=-1)
    sizes = torch.linspace(0, 1, 4) * whole.clean_acts.norm(dim=-1).median()
    expected = whole.path_changes(idx, whole.clean_acts[idx], direction, sizes)
    assert torch.allclose(grouped.path_changes(idx, whole.clean_acts[idx], direction, sizes), expected, atol=1e-5)
    assert grouped.stats["prefix_passes"] >= 4 and whole.stats["prefix_passes"] == 1


def test_a_prefix_pass_computes_no_logits_and_fills_every_layer(tiny):
    """The prefix pass ends at the last block: neither the final norm nor the unembedding runs
    (their [prompts, positions, d_vocab] logits were what made it unbounded in memory)."""
    from lmclaims.engine.prefix_cache import check_prefix_cache, compute_prefix_cache

    prompts = torch.randint(3, 512, (3, 8), generator=torch.Generator().manual_seed(10))
    fired = []
    tiny.bridge.ln_final.hook_in.add_hook(lambda act, hook: fired.append("ln_final"))
    tiny.bridge.unembed.hook_in.add_hook(lambda act, hook: fired.append("unembed"))
    try:
        cache = compute_prefix_cache(tiny.bridge, prompts, 2)
    finally:
        tiny.bridge.reset_hooks()
    assert fired == []
    check_prefix_cache(cache, 3, 8, tiny.n_layers)


def test_a_selection_copies_only_the_layers_a_pass_updates(tiny):
    """select_prompts selects a layer's rows when it is first updated: a layer no block updates
    keeps the held cache's tensors, an updated one holds exactly the selected rows plus the new
    position, and the held cache is left as it was."""
    from lmclaims.engine.prefix_cache import compute_prefix_cache, select_prompts

    held = compute_prefix_cache(tiny.bridge, torch.randint(3, 512, (4, 6), generator=torch.Generator().manual_seed(11)), 4)
    before = [layer.keys.clone() for layer in held.layers]
    rows = torch.tensor([3, 3, 0, 2])
    selected = select_prompts(held, rows)
    new_k, new_v = (torch.randn(4, *held.layers[1].keys.shape[1:-2], 1, held.layers[1].keys.shape[-1]) for _ in range(2))
    keys, values = selected.update(new_k, new_v, 1)
    assert torch.equal(keys, torch.cat([held.layers[1].keys[rows], new_k], -2))
    assert torch.equal(values, torch.cat([held.layers[1].values[rows], new_v], -2))
    assert selected.layers[0].keys is held.layers[0].keys  # never updated: never copied
    assert all(torch.equal(layer.keys, b) for layer, b in zip(held.layers, before))


def test_the_cpu_allocators_refusal_counts_as_out_of_memory():
    """The row chunks halve on the CPU too: DefaultCPUAllocator says "can't allocate memory"."""
    from lmclaims.engine.chunking import is_out_of_memory

    with pytest.raises(RuntimeError) as refused:
        torch.empty(1 << 52, dtype=torch.uint8)  # 4 PiB
    assert is_out_of_memory(refused.value)
    assert not is_out_of_memory(RuntimeError("shape mismatch"))


def test_blocks_below_the_write_layer_do_not_run_and_the_model_is_restored(tiny):
    """A perturbed row enters at block 2: blocks 0 and 1 never see it; the layer list is whole again after."""
    from lmclaims.engine.start_layer import decoder_layers

    prompts = torch.randint(3, 512, (3, 6), generator=torch.Generator().manual_seed(9))
    engine = PerturbationEngine(tiny.bridge, prompts, 2, Readout("kl"), max_rows=4)
    calls = []
    for i in (0, 1, 3):
        tiny.bridge.blocks[i].hook_in.add_hook(lambda act, hook, i=i: calls.append(i))
    try:
        engine.outputs(torch.arange(3), engine.clean_acts)
    finally:
        tiny.bridge.reset_hooks()
    assert calls == [3]
    assert len(decoder_layers(tiny.bridge)[2]) == tiny.n_layers


def test_a_wrong_start_at_the_write_layer_falls_back_to_every_block(tiny, monkeypatch):
    """Skipping one block too many gives wrong numbers: the self-check sees it, the engine runs
    every block instead, says so in its stats, and its numbers are the full re-run's."""
    import lmclaims.engine.perturbation as engine_module
    from lmclaims.engine.start_layer import blocks_from

    monkeypatch.setattr(engine_module, "blocks_from", lambda bridge, start: blocks_from(bridge, start + 1))
    prompts = torch.randint(3, 512, (4, 8), generator=torch.Generator().manual_seed(10))
    readout = Readout("l2", tiny.n_layers - 1)
    engine = PerturbationEngine(tiny.bridge, prompts, 1, readout, max_rows=6)
    fast = engine.path_changes(*_paths(engine))
    assert engine.stats["start_at_write_layer"].startswith("off: FastPathMismatch")
    slow = FullRerun(tiny.bridge, prompts, 1, readout).path_changes(*_paths(engine))
    assert torch.allclose(fast, slow, atol=1e-4, rtol=1e-4)
