"""Residual-stream activations of real text for SAE training and evaluation, cached on disk.

Cached once per (model, layer, corpus prompts) under the user cache root as safetensors, under
a file lock (like the embedded model), and read back without pickles. Special tokens (BOS and
the like, which carry huge activations) are excluded by token id, never by position, with the
one mask `content_mask` that every metric and splice also uses.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import torch
from filelock import FileLock
from safetensors.torch import load_file, save_file

from lmclaims.files import atomic_file
from lmclaims.measure.numerics import check_finite
from lmclaims.models.embedded import cache_root


@dataclass(frozen=True)
class ActivationSet:
    acts: torch.Tensor  # [N, d] float32, residual entering block `layer`, content tokens only
    prompt: torch.Tensor  # [N] int64, the prompt (row of the token array) each token came from
    layer: int
    key: str  # identifies model, layer and prompts: part of every trained SAE's key


def special_ids(tokenizer) -> list[int]:
    """Ids of the tokenizer's special tokens (BOS, EOS, PAD...); an id of 0 counts (`is not None`)."""
    ids = set(getattr(tokenizer, "all_special_ids", None) or [])
    bos = getattr(tokenizer, "bos_token_id", None)
    if bos is not None:
        ids.add(int(bos))
    return sorted(ids)


def content_mask(tokens: torch.Tensor, specials: list[int]) -> torch.Tensor:
    """[B, T] bool: True where the token is not a special token (by id, wherever it sits)."""
    return ~torch.isin(tokens, torch.as_tensor(specials, dtype=tokens.dtype))


def model_fingerprint(loaded) -> str:
    """A digest of the model's identity: its provenance record and a slice of its embedding."""
    info = {k: v for k, v in loaded.info.items() if k != "device"}
    emb = next(p for n, p in loaded.bridge.named_parameters() if "embed" in n)
    head = emb.detach().flatten()[:4096].float().cpu().numpy().tobytes()
    return hashlib.sha256(json.dumps(info, sort_keys=True, default=str).encode() + head).hexdigest()[:16]


@torch.inference_mode()
def resid_activations(bridge, tokens: torch.Tensor, layer: int, specials: list[int],
                      batch: int = 8, progress=lambda message: None):
    """(acts [N, d] float32, prompt index [N]) at blocks.{layer}.hook_resid_pre, content tokens only.

    tokens: [B, T] ids, one leading BOS per row. The forward pass stops after block `layer`.
    """
    hook = f"blocks.{layer}.hook_resid_pre"
    acts, rows = [], []
    for start in range(0, len(tokens), batch):
        chunk = tokens[start:start + batch]
        _, cache = bridge.run_with_cache(chunk.to(bridge.cfg.device), names_filter=[hook],
                                         stop_at_layer=layer + 1)
        mask = content_mask(chunk, specials)
        acts.append(cache[hook].float().cpu()[mask])
        rows.append((torch.arange(len(chunk)) + start)[:, None].expand_as(chunk)[mask])
        progress(f"SAE activations at {hook}: {min(start + batch, len(tokens))}/{len(tokens)} prompts")
    return check_finite(torch.cat(acts), hook), torch.cat(rows)


def cached_activations(loaded, tokens: torch.Tensor, layer: int, label: str,
                       progress=lambda message: None) -> ActivationSet:
    """The ActivationSet of `tokens` [B, T] at `layer`, computed once per machine (file-locked).

    label: readable part of the file name (model, corpus, purpose); the key digests the model's
    fingerprint, the layer and the token ids themselves.
    """
    digest = hashlib.sha256(f"{model_fingerprint(loaded)}:{layer}".encode()
                            + tokens.numpy().astype("int64").tobytes()).hexdigest()[:16]
    folder = cache_root() / "sae-activations"
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{label}-L{layer}-{len(tokens)}x{tokens.shape[1]}")
    path = folder / f"{stem}-{digest}.safetensors"
    with FileLock(str(path) + ".lock"):
        if not path.exists():
            acts, rows = resid_activations(loaded.bridge, tokens, layer,
                                           special_ids(loaded.tokenizer), progress=progress)
            with atomic_file(path, suffix=".safetensors") as tmp:
                save_file({"acts": acts.contiguous(), "prompt": rows.contiguous()}, str(tmp))
    stored = load_file(str(path))
    return ActivationSet(stored["acts"], stored["prompt"], layer, f"{stem}-{digest}")
