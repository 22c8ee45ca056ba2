"""A prompt's prefix as a Hugging Face key-value cache, passed through the TransformerBridge.

Two facts of the stack make this fragile, and this module holds both:
- transformers 5.24 renamed the model's cache argument from `past_key_values` to `cache`
  (the old name is deprecated until 5.40) and hands it to attention under the new name;
- TransformerLens 4.3's attention bridge reads the cache only as `past_key_values` or
  `layer_past`, so under 5.24 a prefix pass fills no layer and a last-token pass runs
  with no context, silently.

`cache_argument` asks the model which name it takes; `cache_reaches_attention` hands
the cache to every attention bridge under the name it reads, for the duration of a
forward pass; `compute_prefix_cache` fills a cache without computing logits, in chunks of
prompts; `check_prefix_cache` checks the invariant the engine relies on.
"""

from __future__ import annotations

import contextlib
import copy
import inspect

import torch

from lmclaims.environment import stack_versions
from lmclaims.measure.forward import forward_may_stop, stop_forward

FIX = ("install the tested versions (bash scripts/setup.sh installs requirements.lock) "
       "or report these versions")


def cache_argument(bridge) -> str:
    """The keyword the wrapped Hugging Face model's forward takes its cache by."""
    params = inspect.signature(bridge.original_model.forward).parameters
    return "cache" if "cache" in params else "past_key_values"


def _hand_cache_under_old_name(module, args, kwargs):
    """Forward pre-hook: copy `cache=` to `past_key_values=` where only the new name is given."""
    if kwargs.get("cache") is not None and kwargs.get("past_key_values") is None:
        return args, {**kwargs, "past_key_values": kwargs["cache"]}
    return None


@contextlib.contextmanager
def cache_reaches_attention(bridge):
    """Within the block, every attention bridge of `bridge` sees a cache passed as `cache=`."""
    from transformer_lens.model_bridge.generalized_components.attention import AttentionBridge

    handles = [m.register_forward_pre_hook(_hand_cache_under_old_name, with_kwargs=True)
               for m in bridge.modules() if isinstance(m, AttentionBridge)]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


POSITIONS_PER_PASS = 8192  # prefix positions per pass: GEMMs of 8192 rows already run at full rate; more adds memory only


def compute_prefix_cache(bridge, prefixes: torch.Tensor, prompts_per_pass: int):
    """The key-value cache of `prefixes` [P, len] (token ids on the model's device).

    Runs the blocks only, `prompts_per_pass` prompts at a time (at most POSITIONS_PER_PASS
    positions), each pass's keys and values copied into the group's cache as soon as it is
    done: the peak is the group's cache plus one pass, not twice the cache. The pass ends at
    the last block's output (a hook raising StopForward): no final norm, no logits.
    (TransformerLens 4.3's `stop_at_layer=n_layers` stops nothing, since it stops before the
    block of that index: every prefix position's d_vocab logits were computed, [prompts,
    positions, d_vocab] floats, 1 GiB for 8 prompts of 128 tokens on Gemma 3.)"""
    per_pass = max(1, min(prompts_per_pass, POSITIONS_PER_PASS // max(1, prefixes.shape[1])))
    joined = None
    for start in range(0, len(prefixes), per_pass):
        cache = _one_pass(bridge, prefixes[start:start + per_pass])
        if per_pass >= len(prefixes):
            return cache
        if joined is None:
            joined = cache
            for layer in joined.layers:
                if layer.keys is not None:
                    layer.keys, layer.values = (_batch_of(t, len(prefixes)) for t in (layer.keys, layer.values))
            continue
        for whole, part in zip(joined.layers, cache.layers):
            if whole.keys is not None:
                whole.keys[start:start + len(part.keys)] = part.keys
                whole.values[start:start + len(part.values)] = part.values
    return joined


def _one_pass(bridge, prefixes: torch.Tensor):
    """A DynamicCache of `prefixes` [p, len] from one forward pass that stops after the last block."""
    from transformers import DynamicCache

    cache = DynamicCache(config=bridge.original_model.config)
    last_block = f"blocks.{bridge.cfg.n_layers - 1}.hook_resid_post"
    with (torch.inference_mode(), cache_reaches_attention(bridge),
          bridge.hooks(fwd_hooks=[(last_block, stop_forward)]), forward_may_stop()):
        bridge(prefixes, return_type=None, use_cache=True, **{cache_argument(bridge): cache})
    return cache


def _batch_of(first: torch.Tensor, n: int) -> torch.Tensor:
    """An [n, ...] tensor whose first rows are `first` [k, ...] (the rest to be filled)."""
    whole = torch.empty((n, *first.shape[1:]), dtype=first.dtype, device=first.device)
    whole[:len(first)] = first
    return whole


def cache_bytes(cache) -> int:
    """Bytes of keys and values in `cache` per prompt."""
    total = sum(layer.keys.numel() * layer.keys.element_size() * 2
                for layer in cache.layers if getattr(layer, "keys", None) is not None)
    return total // max(1, cache.layers[0].keys.shape[0]) if total else 0


def select_prompts(cache, rows: torch.Tensor):
    """A cache holding the prefixes of `rows` (indices into `cache`'s batch), leaving `cache` intact.

    Each layer selects its rows (the layer's own `batch_select_indices`) when a forward pass
    first updates it, so the keys and values of blocks that do not run (those below the write
    layer, skipped by `start_layer.blocks_from`) are never copied: [rows, kv_heads, prefix,
    head_dim] floats, twice, per skipped block. The numbers are those of selecting every layer
    at once: the same selection, made later."""
    selected = copy.copy(cache)
    selected.layers = [_select_on_first_update(copy.copy(layer), rows) for layer in cache.layers]
    return selected


def _select_on_first_update(layer, rows: torch.Tensor):
    """`layer` (a copy), whose first `update` selects `rows` first, then runs the class's own update."""
    def update(*args, **kwargs):
        del layer.update  # from now on the class's update
        layer.batch_select_indices(rows)
        return layer.update(*args, **kwargs)

    layer.update = update
    return layer


def check_prefix_cache(cache, n_prompts: int, prefix_len: int, n_layers: int) -> None:
    """Raise FastPathMismatch unless every layer of `cache` holds `prefix_len` positions of
    `n_prompts` prompts (sliding-window layers may keep fewer, never none)."""
    from lmclaims.errors import FastPathMismatch

    layers = getattr(cache, "layers", None) or []
    problems = []
    if len(layers) != n_layers:
        problems.append(f"{len(layers)} cache layers for {n_layers} blocks")
    for i, layer in enumerate(layers):
        keys = getattr(layer, "keys", None)
        if keys is None or keys.numel() == 0:
            problems.append(f"layer {i} is empty")
        elif keys.shape[0] != n_prompts or layer.get_seq_length() != prefix_len:
            problems.append(f"layer {i} holds {layer.get_seq_length()} positions of "
                            f"{keys.shape[0]} prompts, not {prefix_len} of {n_prompts}")
    if problems:
        shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
        raise FastPathMismatch(f"the prefix cache does not hold the prompts' prefixes ({shown}); "
                               f"versions: {stack_versions()}; {FIX}")
