"""Training an SAE on cached activations, and the trained-SAE cache (safetensors + JSON config).

A trained SAE is keyed by everything that decides its weights: the activations' key (model,
layer, corpus, prompts), the architecture, the sparsity coefficient, the width, the seed and
the training schedule. The cache lives under the user cache root, one file lock per key, so
parallel xdist workers train each SAE once and a second run trains nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from filelock import FileLock, Timeout
from safetensors.torch import load_file, save_file

from lmclaims.families.sae.sae import Architecture, SparseAutoencoder
from lmclaims.files import atomic_file, atomic_write
from lmclaims.measure.numerics import check_finite


@dataclass(frozen=True)
class TrainConfig:
    architecture: Architecture
    l1: float  # sparsity coefficient lambda, in the scaled units of sae.py
    width: int  # number of latents
    seed: int  # initialisation and batch order
    steps: int  # optimiser steps
    batch: int = 256  # tokens per step
    lr: float = 1e-3  # Adam learning rate
    l1_warmup: float = 0.05  # share of the steps over which lambda rises linearly from 0

    def key(self, data_key: str) -> str:
        """A file-name-safe digest of this config and the activations it trains on."""
        text = json.dumps({"data": data_key, **asdict(self)}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:20]


def data_scale(acts: torch.Tensor) -> tuple[torch.Tensor, float]:
    """(mean [d], s) of activations [N, d]: s = 1 / sqrt(mean ||x - mean||^2), so scaled data
    has unit total variance and the reconstruction loss is the FVU of the batch."""
    mean = acts.double().mean(0)
    spread = (acts.double() - mean).pow(2).sum(-1).mean().sqrt()
    if not spread > 0:
        raise ValueError("activations have no spread (all equal): nothing for an SAE to learn")
    return mean.float(), float(1.0 / spread)


def train_sae(acts: torch.Tensor, cfg: TrainConfig) -> SparseAutoencoder:
    """An SAE trained on activations [N, d] (float32, CPU) for cfg.steps Adam steps.

    Batches are drawn without replacement, epoch by epoch, in an order fixed by cfg.seed.
    Raises NumericalError if the loss becomes NaN/inf.
    """
    gen = torch.Generator().manual_seed(cfg.seed)
    mean, scale = data_scale(acts)
    sae = SparseAutoencoder(acts.shape[1], cfg.width, cfg.architecture, mean, scale, gen)
    opt = torch.optim.Adam(sae.parameters(), lr=cfg.lr)
    warm = max(1, int(cfg.l1_warmup * cfg.steps))
    order, pos = torch.randperm(len(acts), generator=gen), 0
    for step in range(cfg.steps):
        if pos + cfg.batch > len(order):
            order, pos = torch.randperm(len(acts), generator=gen), 0
        batch = acts[order[pos:pos + cfg.batch]]
        pos += cfg.batch
        loss = sae.loss(batch, cfg.l1 * min(1.0, (step + 1) / warm))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sae.normalize_decoder()
    check_finite(loss.detach(), f"{cfg.architecture} SAE training loss")
    return sae.eval().requires_grad_(False)


def save_sae(sae: SparseAutoencoder, cfg: TrainConfig, data_key: str, folder: Path) -> Path:
    """Write `<key>.safetensors` and `<key>.json` into folder atomically; returns the weights path."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / cfg.key(data_key)
    meta = {"config": asdict(cfg), "data": data_key, "d": sae.d, "width": sae.width}
    tensors = {k: v.detach().contiguous() for k, v in sae.state_dict().items()}
    with atomic_file(Path(f"{stem}.safetensors"), suffix=".safetensors") as tmp:
        save_file(tensors, str(tmp))
    atomic_write(Path(f"{stem}.json"), json.dumps(meta, indent=2, sort_keys=True))  # last: marks complete
    return Path(f"{stem}.safetensors")


def load_sae(cfg: TrainConfig, data_key: str, folder: Path) -> SparseAutoencoder | None:
    """The cached SAE of (cfg, data_key), or None if not there. No pickles: safetensors + JSON."""
    stem = folder / cfg.key(data_key)
    if not Path(f"{stem}.json").exists():
        return None
    meta = json.loads(Path(f"{stem}.json").read_text())
    if meta["config"] != asdict(cfg) or meta["data"] != data_key:
        raise ValueError(f"{stem}.json holds another SAE than its key says (a hash collision, or a "
                         f"file edited by hand): delete it")
    sae = SparseAutoencoder(meta["d"], meta["width"], cfg.architecture)
    sae.load_state_dict(load_file(f"{stem}.safetensors"))
    return sae.eval().requires_grad_(False)


def cached_sae(acts: torch.Tensor, cfg: TrainConfig, data_key: str, folder: Path,
               wait: bool = True) -> SparseAutoencoder | None:
    """Load or train-and-save under the key's file lock. With wait=False, None if another
    process holds the lock (it is training this SAE now)."""
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(folder / f"{cfg.key(data_key)}.lock"), timeout=-1 if wait else 0)
    try:
        with lock:
            sae = load_sae(cfg, data_key, folder)
            if sae is None:
                sae = train_sae(acts, cfg)
                save_sae(sae, cfg, data_key, folder)
            return sae
    except Timeout:
        return None
