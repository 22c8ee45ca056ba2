"""Numerical trouble becomes an honest error; running out of memory is retried in smaller chunks."""

import numpy as np
import pytest
import torch

from lmclaims.errors import NumericalError
from lmclaims.measure.numerics import check_finite
from lmclaims.models.tiny import tiny_model
from lmclaims.engine.perturbation import PerturbationEngine, Readout
from lmclaims.stats import ClaimSpec, decide


@pytest.fixture(scope="module")
def tiny():
    return tiny_model("gpt2", layers=2, seed=0)


def _paths(engine, n_steps=4):
    base = engine.clean_acts
    direction = torch.nn.functional.normalize(torch.ones_like(base), dim=-1)
    return torch.arange(len(base)), base, direction, torch.linspace(0, 1, n_steps)


def test_check_finite_names_what_went_wrong():
    """NaN or inf in a tensor or array raises NumericalError saying how many and where."""
    with pytest.raises(NumericalError, match="2 NaN/inf values in logits"):
        check_finite(torch.tensor([1.0, float("nan"), float("inf")]), "logits")
    assert check_finite(np.ones(3), "x") is not None


def test_nan_activations_make_the_engine_raise(tiny):
    """A perturbation that overflows to NaN is an error, never a number that looks like a result."""
    prompts = torch.randint(3, 512, (4, 6), generator=torch.Generator().manual_seed(0))
    engine = PerturbationEngine(tiny.bridge, prompts, 1, Readout("kl"))
    index, base, direction, _ = _paths(engine)
    with pytest.raises(NumericalError, match="model outputs under perturbation"):
        engine.path_changes(index, base, direction, torch.tensor([0.0, float("inf")]))


def test_statistics_refuse_nan():
    """The statistics module refuses NaN data with a clear message instead of a NaN interval."""
    spec = ClaimSpec(statistic="mean", estimator="mean", design="one-sample", null=0.0,
                     alternative="greater", n=5)
    with pytest.raises(ValueError, match="NaN"):
        decide(spec, np.array([1.0, 2.0, np.nan, 3.0, 4.0]), rng=np.random.default_rng(0))


def test_out_of_memory_is_retried_in_smaller_chunks(tiny, monkeypatch):
    """A chunk that runs out of memory is split and retried; numbers are unchanged; it is counted."""
    prompts = torch.randint(3, 512, (6, 6), generator=torch.Generator().manual_seed(1))
    engine = PerturbationEngine(tiny.bridge, prompts, 1, Readout("l2", 1), max_rows=24)
    expected = engine.path_changes(*_paths(engine))
    real_chunk = engine._path_chunk
    def flaky(prompt_idx, *args):
        if len(prompt_idx) > 2:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real_chunk(prompt_idx, *args)
    monkeypatch.setattr(engine, "_path_chunk", flaky)
    again = engine.path_changes(*_paths(engine))
    assert torch.allclose(again, expected)
    assert engine.stats["oom_retries"] == 2  # 6 paths -> 3 -> 1 per chunk


def test_out_of_memory_with_single_rows_gives_up(tiny, monkeypatch):
    """If even one path does not fit, the error is raised rather than looping forever."""
    prompts = torch.randint(3, 512, (2, 6), generator=torch.Generator().manual_seed(2))
    engine = PerturbationEngine(tiny.bridge, prompts, 1, Readout("l2", 1), max_rows=4)
    def always(*args):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory")
    monkeypatch.setattr(engine, "_path_chunk", always)
    with pytest.raises(torch.cuda.OutOfMemoryError):
        engine.path_changes(*_paths(engine))
