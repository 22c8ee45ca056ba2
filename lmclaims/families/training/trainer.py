"""One deterministic training loop for every model the suite trains, and its checkpoint cache.

`train` runs AdamW on a loss the task supplies, keeps the weights at the recipe's
checkpoint steps and logs the task's evaluation every `log_every` steps. Given the seed
it is deterministic on the CPU (one thread, every random draw from one torch.Generator).

`cached_run` stores a finished run under the user cache (models/embedded.py's
`cache_root`), as safetensors weights plus a JSON record, keyed by a hash of the task's
config and the seed, behind a file lock: parallel workers train a run once, and a
second call loads it and trains nothing. No pickles.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from filelock import FileLock
from torch import nn

from lmclaims.files import atomic_write
from lmclaims.models.device import one_cpu_thread
from lmclaims.models.embedded import cache_root

CACHE_VERSION = 2  # bump when a change to the training code changes the weights it produces


@dataclass(frozen=True)
class Recipe:
    """How a model is trained: AdamW, full-batch or minibatch as the task's loss decides."""

    steps: int  # optimiser steps
    lr: float  # AdamW learning rate (constant after `warmup` linear steps)
    weight_decay: float  # AdamW decoupled weight decay
    checkpoints: tuple[int, ...]  # steps whose weights are kept (0: the initialisation)
    log_every: int  # steps between evaluations
    betas: tuple[float, float] = (0.9, 0.98)  # Nanda et al. 2023's AdamW betas
    warmup: int = 10  # linear warm-up steps

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Run:
    """A finished training run: weights per checkpoint step and the evaluation log."""

    checkpoints: dict[int, dict[str, torch.Tensor]]  # step -> state_dict
    log: dict[str, list[float]]  # "step" and each evaluated quantity, one entry per evaluation
    from_cache: bool = False  # True when loaded, not trained, by `cached_run`
    meta: dict = field(default_factory=dict)


def _snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}


def train(model: nn.Module, loss: Callable[[nn.Module, int], torch.Tensor],
          evaluate: Callable[[nn.Module], dict[str, float]], recipe: Recipe) -> Run:
    """Train `model` in place: loss(model, step) is the scalar to minimise at that step.

    The model's initial weights and any data sampling are the caller's (seeded); the loop
    itself draws nothing. Raises FloatingPointError if the loss becomes non-finite.
    """
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=recipe.lr, weight_decay=recipe.weight_decay, betas=recipe.betas)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / max(1, recipe.warmup)))
    keep, log = set(recipe.checkpoints), {"step": []}
    checkpoints = {0: _snapshot(model)} if 0 in keep else {}
    with one_cpu_thread():
        for step in range(1, recipe.steps + 1):
            value = loss(model, step)
            if not torch.isfinite(value):
                raise FloatingPointError(f"training loss is {float(value)} at step {step}")
            opt.zero_grad(set_to_none=True)
            value.backward()
            opt.step()
            sched.step()
            if step in keep:
                checkpoints[step] = _snapshot(model)
            if step % recipe.log_every == 0 or step == recipe.steps:
                with torch.no_grad():
                    row = evaluate(model)
                log["step"].append(float(step))
                for k, v in row.items():
                    log.setdefault(k, []).append(float(v))
    return Run(checkpoints, log)


def run_key(task: str, config: dict, seed: int) -> str:
    """A stable name for one run: the task, a hash of its config (JSON, sorted keys) and the seed."""
    blob = json.dumps({"task": task, "config": config, "version": CACHE_VERSION}, sort_keys=True)
    return f"{task}-{hashlib.sha256(blob.encode()).hexdigest()[:16]}-seed{seed}"


def cached_run(task: str, config: dict, seed: int, make: Callable[[], Run]) -> Run:
    """The run of `task` with this config and seed, trained by `make()` only if not cached.

    Stored as <cache_root>/training/<run_key>/{weights.safetensors, run.json}; the lock
    makes a concurrent caller wait for the first and then load its files.
    """
    root = cache_root() / "training"
    root.mkdir(parents=True, exist_ok=True)
    target = root / run_key(task, config, seed)
    with FileLock(str(target) + ".lock"):
        if (target / "run.json").exists():
            return load_run(target)
        start = time.perf_counter()
        run = make()
        run.meta["train_seconds"] = time.perf_counter() - start  # wall time, for the cost tables
        save_run(run, target, {"task": task, "config": config, "seed": seed})
        return run


def save_run(run: Run, target: Path, meta: dict) -> None:
    """Write weights (keys 'step<N>/<param>') and the JSON record, then rename into place."""
    from safetensors.torch import save_file

    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".train-"))
    flat = {f"step{s}/{k}": v for s, sd in run.checkpoints.items() for k, v in sd.items()}
    save_file(flat, str(tmp / "weights.safetensors"))
    (tmp / "run.json").write_text(json.dumps({**meta, "log": run.log, "meta": run.meta}, indent=1))
    os.replace(tmp, target)


def load_run(target: Path) -> Run:
    """Read a run written by `save_run`; from_cache is True."""
    from safetensors.torch import load_file

    record = json.loads((target / "run.json").read_text())
    checkpoints: dict[int, dict[str, torch.Tensor]] = {}
    for key, tensor in load_file(str(target / "weights.safetensors")).items():
        step, name = key.split("/", 1)
        checkpoints.setdefault(int(step[4:]), {})[name] = tensor
    return Run(dict(sorted(checkpoints.items())), record["log"], True, record.get("meta", {}))


def cached_json(kind: str, config: dict, seed: int, make: Callable[[], dict]) -> dict:
    """A measurement of a cached run (plain JSON data), computed by `make()` only if not cached;
    stored beside the runs as <cache_root>/training/<run_key>.json, behind the same kind of lock."""
    root = cache_root() / "training"
    root.mkdir(parents=True, exist_ok=True)
    target = root / f"{run_key(kind, config, seed)}.json"
    with FileLock(str(target) + ".lock"):
        if target.exists():
            return json.loads(target.read_text())
        value = make()
        atomic_write(target, json.dumps(value))
        return value
