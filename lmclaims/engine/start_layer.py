"""Running a TransformerBridge from block l: the blocks below are skipped, not recomputed.

TransformerLens 4.3's `start_at_layer=l` swaps the given residual in at block l, but still
runs blocks 0..l-1 and discards their output. `blocks_from(bridge, l)` removes those blocks
from the wrapped Hugging Face model's layer list for the duration of a forward pass, and
slices `config.layer_types` alike (Gemma 3 picks each layer's mask and rotary embedding
by its position in that list). Hooks keep their names: each block knows its own index.
This reaches into the model's structure, so the engine uses it only after a self-check
against a full re-run, and falls back to running every block where that check fails.
"""

from __future__ import annotations

import contextlib

from torch import nn


def decoder_layers(bridge) -> tuple[nn.Module, str, nn.ModuleList]:
    """(parent module, attribute name, layer list) of the wrapped model's decoder blocks.

    Raises LookupError where no ModuleList holds the bridge's blocks in order."""
    blocks = list(bridge.blocks)
    for name, module in bridge.original_model.named_modules():
        if isinstance(module, nn.ModuleList) and list(module) == blocks:
            parent_name, _, attribute = name.rpartition(".")
            return bridge.original_model.get_submodule(parent_name), attribute, module
    raise LookupError("no layer list of the wrapped model holds the bridge's blocks")


@contextlib.contextmanager
def blocks_from(bridge, start: int):
    """Within the block, a forward pass of `bridge` runs blocks `start`.. only."""
    if start == 0:
        yield
        return
    parent, attribute, layers = decoder_layers(bridge)
    config = getattr(parent, "config", None)
    types = getattr(config, "layer_types", None)
    sliced_types = isinstance(types, list) and len(types) == len(layers)
    setattr(parent, attribute, nn.ModuleList(list(layers)[start:]))
    if sliced_types:
        config.layer_types = types[start:]
    try:
        yield
    finally:
        setattr(parent, attribute, layers)
        if sliced_types:
            config.layer_types = types
