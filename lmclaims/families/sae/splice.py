"""Splicing replacements into the residual stream and measuring the next-token change.

At blocks.{layer}.hook_resid_pre every content token's activation x (special tokens keep
theirs, by the one mask of `activations.content_mask`) is replaced by f(x) for each condition:
the SAE reconstruction, a random point at exactly the same distance (Gurnee 2024, "SAE
reconstruction errors are (empirically) pathological"), the gamma-corrected reconstruction and a
random point at its distance, a second random point (the random-vs-random control), zeros and the
training mean (the ablation baselines). At the last READ_POSITIONS positions we read
KL(P_clean || P_spliced) in nats,
from log_softmax, and the next-token cross-entropy; positions are then averaged per prompt, the
unit of every statistic (positions are clustered by prompt).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from lmclaims.families.sae.activations import content_mask
from lmclaims.measure.numerics import check_finite

DISTANCE_TOLERANCE = 1e-5  # relative: a random point's distance must equal the error's
READ_POSITIONS = 16  # the last positions of each prompt whose outputs are read (all are spliced):
#                      the 262k-token unembedding of every position would dominate the cost


def random_at_distance(x: torch.Tensor, target: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """[N, d] points x + ||x - target|| u with u uniform on the unit sphere, drawn with gen.

    Raises AssertionError if a distance differs from ||x - target|| by more than
    DISTANCE_TOLERANCE (relative), which would void the equal-distance comparison.
    """
    dist = (x.double() - target.double()).norm(dim=-1, keepdim=True)
    u = torch.randn(x.shape, generator=gen, dtype=torch.float64)
    point = x.double() + dist * u / u.norm(dim=-1, keepdim=True)
    got = (point - x.double()).norm(dim=-1, keepdim=True)
    assert torch.allclose(got, dist, rtol=DISTANCE_TOLERANCE, atol=0), "random point off its distance"
    return point.float()


def replacements(x: torch.Tensor, sae, mean: torch.Tensor, gamma: float,
                 gen: torch.Generator) -> dict[str, torch.Tensor]:
    """Each condition's replacement [N, d] for content activations x [N, d] (module docstring).

    gamma: the SAE's relative reconstruction bias; the corrected reconstruction is
    mean + (x_hat - mean) / gamma (the paper's x_hat / gamma, about the mean as in metrics.py).
    """
    x_hat = sae(x)
    error = x - x_hat
    assert torch.allclose(x_hat + error, x, rtol=0, atol=1e-5 * float(x.abs().max())), \
        "reconstruction plus error does not give back the activation"
    corrected = mean + (x_hat - mean) / gamma
    return {"sae": x_hat, "random": random_at_distance(x, x_hat, gen),
            "random_control": random_at_distance(x, x_hat, gen),
            "sae_gamma": corrected, "random_gamma": random_at_distance(x, corrected, gen),
            "zero": torch.zeros_like(x), "mean": mean.expand_as(x).clone()}


@dataclass(frozen=True)
class SpliceRun:
    kl: dict[str, np.ndarray]  # condition -> [P] mean KL(clean || spliced) per prompt, nats
    ce: dict[str, np.ndarray]  # condition (and "clean") -> [P] mean next-token CE per prompt, nats
    kl_positions: dict[str, np.ndarray]  # condition -> [positions] every content position's KL
    error_norm_ratio: float  # median ||x - x_hat|| / ||x - mean|| over content positions


def _token_stats(logits: torch.Tensor, clean_logp: torch.Tensor, targets: torch.Tensor):
    """(KL [B, R] of clean || spliced, CE [B, R-1] of the next token) from the read window's
    logits [B, R, V], the clean log-probabilities [B, R, V] and the next tokens [B, R-1]."""
    logp = torch.log_softmax(logits.float(), dim=-1)
    kl = (clean_logp.exp() * (clean_logp - logp)).sum(-1).clamp_min(0.0)
    ce = -logp[:, :-1].gather(-1, targets[..., None])[..., 0]
    return check_finite(kl, "spliced KL"), check_finite(ce, "spliced cross-entropy")


@torch.inference_mode()
def splice_run(bridge, tokens: torch.Tensor, layer: int, specials: list[int], sae,
               mean: torch.Tensor, gamma: float, gen: torch.Generator, batch: int = 4,
               progress=lambda message: None) -> SpliceRun:
    """The SpliceRun of prompts `tokens` [P, T] (one leading BOS each) at `layer`: every content
    position spliced, outputs read at the last min(T, READ_POSITIONS) positions."""
    hook = f"blocks.{layer}.hook_resid_pre"
    keep = min(tokens.shape[1], READ_POSITIONS)
    kl, ce, pos, ratios = {}, {"clean": []}, {}, []
    for start in range(0, len(tokens), batch):
        chunk = tokens[start:start + batch].to(bridge.cfg.device)
        mask = content_mask(chunk, specials)
        window, targets = mask[:, -keep:], chunk[:, -keep + 1:]
        store = {}
        clean = bridge.run_with_hooks(chunk, return_type="logits", logits_to_keep=keep, fwd_hooks=[
            (hook, lambda act, hook: store.update(x=act[mask].float().cpu()))])
        clean_logp = torch.log_softmax(clean.float(), dim=-1)
        del clean
        ce["clean"].append(_mean_per_row(-clean_logp[:, :-1].gather(-1, targets[..., None])[..., 0], window))
        x = store["x"]
        ratios.append(((x - sae(x)).norm(dim=-1) / (x - mean).norm(dim=-1)).numpy())
        for name, new in replacements(x, sae, mean, gamma, gen).items():
            def put(act, hook, new=new):
                act = act.clone()
                act[mask] = new.to(act.dtype).to(act.device)
                return act
            logits = bridge.run_with_hooks(chunk, return_type="logits", logits_to_keep=keep,
                                           fwd_hooks=[(hook, put)])
            k, c = _token_stats(logits, clean_logp, targets)
            kl.setdefault(name, []).append(_mean_per_row(k, window))
            ce.setdefault(name, []).append(_mean_per_row(c, window))
            pos.setdefault(name, []).append(k[window].cpu().numpy())
        progress(f"SAE splice at {hook}: {min(start + batch, len(tokens))}/{len(tokens)} prompts")
    join = lambda d: {k: np.concatenate(v) for k, v in d.items()}
    return SpliceRun(join(kl), join(ce), join(pos), float(np.median(np.concatenate(ratios))))


def _mean_per_row(values: torch.Tensor, mask: torch.Tensor) -> np.ndarray:
    """[B] mean of values [B, T'] over the masked positions (mask [B, T] cut to T' columns)."""
    m = mask[:, :values.shape[1]].to(values.dtype)
    return ((values * m).sum(1) / m.sum(1).clamp_min(1)).cpu().numpy()


def to_arrays(run: SpliceRun) -> dict[str, np.ndarray]:
    """A SpliceRun as flat named arrays (for the disk cache)."""
    out = {f"{part}/{k}": v for part in ("kl", "ce", "kl_positions") for k, v in getattr(run, part).items()}
    return {**out, "error_norm_ratio": np.array([run.error_norm_ratio])}


def from_arrays(arrays: dict[str, np.ndarray]) -> SpliceRun:
    """The SpliceRun that `to_arrays` flattened."""
    part = lambda p: {k.split("/", 1)[1]: v for k, v in arrays.items() if k.startswith(p + "/")}
    return SpliceRun(part("kl"), part("ce"), part("kl_positions"), float(arrays["error_norm_ratio"][0]))
