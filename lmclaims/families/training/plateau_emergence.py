"""Stable regions emerging with training (Janiak et al. 2024, arXiv 2409.17113), measured with
the seed report's primary design (lmclaims.families.plateau): the plateau ratio, median
threshold onset of real bases over synthetic (covariance-Gaussian) bases.

A small GPT-2-architecture model (Hugging Face, with MLPs and LayerNorm, which plateaus need:
Shinkle 2025) is trained on word-level text with the shared trainer; each kept checkpoint is
booted into a TransformerBridge, exactly as the models under test are, and measured.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F

from lmclaims.families.plateau.comparison import onsets
from lmclaims.families.plateau.run import PlateauDesign, fit_activations, run_plateau
from lmclaims.families.training.induction import stream_digest
from lmclaims.families.training.text import windows
from lmclaims.families.training.trainer import Recipe, Run, cached_run, train
from lmclaims.seeding import torch_generator

PROMPT_LEN = 10  # tokens per prompt, <bos> included, as in the seed report
MEASURE_VERSION = 2  # part of the cached plateau ratios' key: bump when plateau_ratio, the plateau
#                     run or the engine change the numbers they return (2: the adaptive onset search)


@dataclass(frozen=True)
class TextModelTask:
    """A GPT-2-architecture model trained on word-level text."""

    vocab: int
    layers: int = 2
    d_model: int = 64
    heads: int = 4
    n_ctx: int = 64  # window length trained on
    batch: int = 16
    recipe: Recipe = Recipe(steps=800, lr=3e-3, weight_decay=0.01, checkpoints=(0, 800), log_every=50)

    def to_dict(self) -> dict:
        return asdict(self)


def hf_model(task: TextModelTask):
    """A fresh GPT2LMHeadModel of this shape (eager attention, fp32, CPU)."""
    from transformers import AutoModelForCausalLM, GPT2Config

    config = GPT2Config(vocab_size=task.vocab, n_positions=task.n_ctx, n_embd=task.d_model,
                        n_layer=task.layers, n_head=task.heads, bos_token_id=0, eos_token_id=0,
                        architectures=["GPT2LMHeadModel"])
    return AutoModelForCausalLM.from_config(config, dtype=torch.float32, attn_implementation="eager")


def text_model_run(task: TextModelTask, train_stream: np.ndarray, held_out: np.ndarray, seed: int) -> Run:
    """Train (or load) one seed; log the held-out loss."""
    def make() -> Run:
        gen = torch_generator(seed)
        torch.manual_seed(seed)  # Hugging Face draws its initialisation from the global generator
        model = hf_model(task)
        held = windows(held_out, 32, task.n_ctx, gen)
        def lm_loss(m, x):
            logits = m(x[:, :-1]).logits
            return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1))
        loss = lambda m, step: lm_loss(m, windows(train_stream, task.batch, task.n_ctx, gen))
        return train(model, loss, lambda m: {"text_loss": float(lm_loss(m, held))}, task.recipe)
    key = {**task.to_dict(), "train_stream": stream_digest(train_stream), "held_out": stream_digest(held_out)}
    return cached_run("gpt2-text", key, seed, make)


def bridge_at(task: TextModelTask, state: dict[str, torch.Tensor]):
    """The checkpoint `state` in a TransformerBridge (word-level tokens, no hub)."""
    from transformer_lens.model_bridge import TransformerBridge

    from lmclaims.models.tiny import tiny_tokenizer

    model = hf_model(task)
    model.load_state_dict(state, strict=False)  # lm_head is tied to the embedding
    bridge = TransformerBridge.boot_transformers("gpt2", hf_model=model.eval(),
                                                 tokenizer=tiny_tokenizer(task.vocab), device="cpu")
    return bridge.eval()


def prompts(held_out: np.ndarray, n: int, gen: torch.Generator) -> torch.Tensor:
    """[n, PROMPT_LEN] held-out text windows, each starting with <bos> (id 0)."""
    body = windows(held_out, n, PROMPT_LEN - 1, gen)
    return torch.cat([torch.zeros(n, 1, dtype=torch.long), body], 1)


def plateau_ratio(bridge, base: torch.Tensor, fit: torch.Tensor, design: PlateauDesign,
                  readout: str, seed: int) -> dict:
    """The seed report's comparison on one checkpoint: median distance onset of real bases over
    synthetic bases (paths toward a covariance-Gaussian sample), at the run's own threshold for
    `readout` (10% of the median full real-to-real swap change, families/plateau/thresholds.py)."""
    with torch.inference_mode():
        acts = fit_activations(bridge, fit, design.depth)
        run = run_plateau(bridge, base, acts, design, seed)
    threshold = run.thresholds[readout]
    real, c_real = onsets(run, "real+cov", "distance", readout, threshold)
    synth, c_synth = onsets(run, "synthetic+cov", "distance", readout, threshold)
    return {"ratio": float(np.median(real) / np.median(synth)), "threshold": threshold,
            "censored_real": float(np.mean(c_real)), "censored_synthetic": float(np.mean(c_synth)),
            "median_real": float(np.median(real)), "median_synthetic": float(np.median(synth))}
