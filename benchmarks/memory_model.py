"""Predicted peak memory of each benchmark phase, in bytes above the loaded model.

Counts the large tensors alive at once; float32 throughout. Checked against the measured
resident set on Gemma 3 270M at 10 and 128 tokens (benchmarks/perturbation_sweep.py prints
both): the predictions are meant to be within about 30%, and rather above than below.

- A whole-sequence forward holds per position, within a block: the residual, its normed
  copy and the block's output (3 x d_model); queries, keys, values and their rotated copies
  (2 x (heads + 2 x kv_heads) x d_head); the attention scores, masked, softmaxed and cast
  (4 x heads x positions); the attention output (heads x d_head); the MLP's gate, up,
  activation, product and the down projection's input (5 x d_mlp). (With 4 and 5 rather
  than the 2 and 4 tensors the arithmetic names, the prediction meets the measured prefix
  pass at 128 tokens within about 5%: the bridge's hooks keep a few more alive.)
- An engine row holds its own copy of its prompt's keys and values in each block it runs
  (`kv_bytes_per_prompt` x blocks run / blocks: `select_prompts` copies a layer when it runs),
  and within the block being run, that layer's keys and values once more (the copy joined with
  the new position) and repeated to every query head (heads / kv_heads copies), and its
  output (logits and/or a residual); after the pass, while the change is computed from the
  output, three outputs' worth (the output, a shifted copy and its exponent for KL).
"""

from __future__ import annotations

from lmclaims.engine.prefix_cache import POSITIONS_PER_PASS

F32 = 4


def _heads(bridge) -> tuple[int, int, int]:
    cfg = bridge.cfg
    heads = int(cfg.n_heads)
    return heads, int(getattr(cfg, "n_key_value_heads", None) or heads), int(cfg.d_head)


def position_bytes(bridge, positions: int) -> int:
    """Working activations of one position of a `positions`-long sequence in a block, bytes."""
    cfg = bridge.cfg
    heads, kv_heads, d_head = _heads(bridge)
    floats = (3 * cfg.d_model + 2 * (heads + 2 * kv_heads) * d_head + 4 * heads * positions
              + heads * d_head + 5 * cfg.d_mlp)
    return F32 * int(floats)


def whole_prompt_row_bytes(bridge, positions: int, logit_positions: int) -> int:
    """One prompt run whole: its working activations, and its logits at `logit_positions`
    positions with a temporary of their size."""
    return positions * position_bytes(bridge, positions) + 2 * F32 * logit_positions * bridge.cfg.d_vocab


def cached_run_row_bytes(bridge, positions: int, returned_bytes: int) -> int:
    """One prompt through run_with_cache: its working activations and what the run returns (its
    logits at every position and every hook's activation, measured: `returned_bytes`)."""
    return positions * position_bytes(bridge, positions) + returned_bytes


def engine_row_bytes(engine, every_block: bool = False) -> int:
    """One engine row over its prompt's cached prefix (see the module docstring); `every_block`:
    the last token from block 0 to the read-out, as the clean activations are run."""
    heads, kv_heads, _ = _heads(engine.bridge)
    n_layers = engine.bridge.cfg.n_layers
    last = n_layers - 1 if engine.readout.needs_logits else engine.readout.read_layer
    first = engine.write_layer if engine.start_at_write_layer and not every_block else 0
    kv_layer = engine.kv_bytes_per_prompt // n_layers
    width = ((engine.bridge.cfg.d_vocab if engine.readout.needs_logits else 0)
             + (engine.bridge.cfg.d_model if engine.readout.hook else 0))
    in_pass = kv_layer * (last - first + 1) + kv_layer * (1 + heads // kv_heads) + F32 * width
    return max(in_pass, 3 * F32 * width)


def engine_setup_bytes(engine, prompts_per_pass: int) -> int:
    """The engine's construction: the group's cache (allocated at the first pass) plus one prefix
    pass (its working activations and its own cache, at most POSITIONS_PER_PASS positions),
    then its clean activations (one chunk of rows of the last token over the held cache)."""
    held = engine.group_size * engine.kv_bytes_per_prompt
    prefix_len = engine.prompts.shape[1] - 1
    per_pass = min(engine.group_size, prompts_per_pass, max(1, POSITIONS_PER_PASS // prefix_len))
    one_pass = per_pass * (prefix_len * position_bytes(engine.bridge, prefix_len) + engine.kv_bytes_per_prompt)
    clean = held + min(engine.group_size, engine.row_budget()) * engine_row_bytes(engine, every_block=True)
    return max(held + one_pass, clean)


def engine_sweep_bytes(engine, rows_per_chunk: int) -> int:
    """A sweep: the held group's cache and one chunk of rows."""
    return engine.group_size * engine.kv_bytes_per_prompt + rows_per_chunk * engine_row_bytes(engine)
