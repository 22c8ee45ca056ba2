"""The perturbation benchmark's figures describe what the engine does: its rows per forward pass
(which its memory prediction and matmul-limit share are computed from) are those the sweepers
actually run, for a real tiny model whose prompts do and do not fit in one group."""

import sys
from pathlib import Path

import pytest
import torch

from lmclaims.engine.perturbation import FullRerun, PerturbationEngine, Readout
from lmclaims.models.tiny import tiny_model

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from perturbation_sweep import chunk_rows, sweep_inputs  # noqa: E402


@pytest.fixture(scope="module")
def tiny():
    return tiny_model("gpt2", layers=3, seed=3)


def _largest_forward(sweeper, inputs) -> int:
    """The most rows `sweeper` passes through the model at once on the sweep `inputs`."""
    seen = []
    run = sweeper.outputs
    sweeper.outputs = lambda rows, acts: seen.append(len(rows)) or run(rows, acts)
    try:
        sweeper.path_changes(*inputs)
    finally:
        del sweeper.outputs
    return max(seen)


@pytest.mark.parametrize("groups", [1, 3])
@pytest.mark.parametrize("max_rows", [None, 10])
def test_chunk_rows_is_the_largest_forward_pass_the_sweepers_run(tiny, groups, max_rows):
    prompts = torch.randint(3, 512, (9, 6), generator=torch.Generator().manual_seed(4))
    probe = PerturbationEngine(tiny.bridge, prompts[:1], 1, Readout("kl"))
    engine = PerturbationEngine(tiny.bridge, prompts, 1, Readout("kl"), max_rows=max_rows,
                                max_cache_bytes=-(-len(prompts) // groups) * probe.kv_bytes_per_prompt)
    assert engine.stats["prompt_groups"] == groups
    steps = 4
    inputs = sweep_inputs(engine, len(prompts), steps)
    engine.path_changes(*inputs)  # the self-check runs first, with its own batch sizes
    assert _largest_forward(engine, inputs) == chunk_rows(engine, len(prompts), steps)
    rerun = FullRerun(tiny.bridge, prompts, 1, Readout("kl"), max_rows=max_rows)
    assert _largest_forward(rerun, inputs) == chunk_rows(rerun, len(prompts), steps)
