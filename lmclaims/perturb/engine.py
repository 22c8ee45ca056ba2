"""The perturbation engine: compute only what a perturbation of the last position changes.

A perturbation of the last position's residual at block l cannot change earlier
positions, so each prompt's prefix (its keys and values) is computed once and
reused for every perturbation of that prompt; only the last token is run, and the
run stops at the read layer when the metric needs no logits. Everything goes
through the TransformerBridge and its hooks; the prefix is the Hugging Face cache
the bridge hands back (`prefix_cache` keeps it working across the transformers 5.24
rename). Since a wrong cache gives wrong numbers, not an error, the engine checks
itself against a FullRerun before its first answer.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Literal

import torch

from lmclaims.errors import FastPathMismatch
from lmclaims.measure.numerics import check_finite
from lmclaims.perturb.chunking import is_out_of_memory, rows_per_chunk
from lmclaims.perturb.prefix_cache import (cache_argument, cache_reaches_attention,
                                           check_prefix_cache, stack_versions)

Metric = Literal["kl", "l2"]


class _ReadDone(Exception):
    """Raised by the read hook to stop the forward pass once the read layer is reached."""


@dataclass
class Readout:
    """Where the output is read: the next-token log-probabilities, or a residual layer."""

    metric: Metric
    read_layer: int | None = None  # for l2: blocks.{read_layer}.hook_resid_post

    @property
    def hook(self) -> str | None:
        return None if self.metric == "kl" else f"blocks.{self.read_layer}.hook_resid_post"


def output_distance(metric: Metric, ref: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """[k, s] change of each output in `out` [k, s, w] from its path's reference `ref` [k, 1, w].

    kl: KL(P_ref || P_out) in nats from logits, as sum p_ref log p_ref - sum p_ref * out
    + logsumexp(out), which never materialises log-softmax of `out`. l2: ||out - ref|| / ||ref||.
    """
    if metric == "kl":
        logp_ref = torch.log_softmax(ref, dim=-1)
        p_ref = logp_ref.exp()
        cross = torch.matmul(out, p_ref.transpose(-1, -2))[..., 0]
        return ((p_ref * logp_ref).sum(-1) - cross + torch.logsumexp(out, dim=-1)).clamp_min(0.0)
    return (out - ref).norm(dim=-1) / ref.norm(dim=-1)


@dataclass
class _PathSweeper(ABC):
    """Output change along many straight paths, chunked to fit in memory."""

    bridge: object
    prompts: torch.Tensor  # [P, len] token ids, all the same length
    write_layer: int  # perturb blocks.{write_layer}.hook_resid_pre at the last position
    readout: Readout
    max_rows: int | None = None  # cap on rows per chunk (None: from free memory)
    stats: dict = field(default_factory=lambda: {"rows": 0, "chunks": 0, "oom_retries": 0})

    def __post_init__(self) -> None:
        self.device = torch.device(self.bridge.cfg.device)
        self.write_hook = f"blocks.{self.write_layer}.hook_resid_pre"

    @abstractmethod
    def outputs(self, rows: torch.Tensor, acts: torch.Tensor) -> torch.Tensor:
        """[B, out] next-token logits (kl) or read-layer residuals (l2) with the write residual = acts."""

    def output_bytes_per_row(self) -> int:
        """Working memory of one row's output: logits (kl) or a residual (l2), and temporaries."""
        width = self.bridge.cfg.d_vocab if self.readout.metric == "kl" else self.bridge.cfg.d_model
        return 16 * width

    def bytes_per_row(self) -> int:
        return self.output_bytes_per_row() + 64 * self.bridge.cfg.d_model * self.prompts.shape[1]

    def path_changes(self, prompt_idx: torch.Tensor, bases: torch.Tensor,
                     directions: torch.Tensor, sizes: torch.Tensor) -> torch.Tensor:
        """[N, S] output change along base + t * direction against t = sizes[0] (0), chunked by path."""
        n_steps = len(sizes)
        budget = self.max_rows or rows_per_chunk(self.device, self.bytes_per_row())
        paths_per_chunk = max(1, budget // n_steps)
        out, start = [], 0
        while start < len(bases):
            stop = min(start + paths_per_chunk, len(bases))
            try:
                out.append(self._path_chunk(prompt_idx[start:stop], bases[start:stop],
                                            directions[start:stop], sizes))
            except RuntimeError as exc:
                if not is_out_of_memory(exc) or paths_per_chunk == 1:
                    raise
                self.stats["oom_retries"] += 1
                paths_per_chunk = max(1, paths_per_chunk // 2)
                if self.device.type == "cuda":
                    torch.cuda.empty_cache()
                continue
            start = stop
        return torch.cat(out)

    def _path_chunk(self, prompt_idx, bases, directions, sizes) -> torch.Tensor:
        k, s = len(bases), len(sizes)
        acts = bases[:, None, :] + sizes[None, :, None].to(bases) * directions[:, None, :]
        rows = prompt_idx.repeat_interleave(s)
        outs = self.outputs(rows, acts.reshape(k * s, -1)).reshape(k, s, -1)
        self.stats["rows"] += k * s
        self.stats["chunks"] += 1
        change = output_distance(self.readout.metric, outs[:, :1], outs)
        return check_finite(change, "output change (NaN/inf in model outputs under perturbation)").cpu()

    def _replace_hook(self, acts: torch.Tensor):
        def replace(act, hook):
            act = act.clone()
            act[:, -1] = acts.to(device=act.device, dtype=act.dtype)
            return act
        return replace


SELF_CHECK_PATHS = 2  # paths re-run in full before the engine's first answer is trusted
SELF_CHECK_TOLERANCE = (1e-4, 1e-3)  # absolute, and relative to the largest change on the paths


@dataclass
class PerturbationEngine(_PathSweeper):
    """Prefix computed once per prompt; only the last token is run, up to the read layer.

    The engine checks itself: after the prefix pass, that the cache holds every prompt's
    prefix at every layer; before its first answer, that on the first SELF_CHECK_PATHS paths
    the clean activations, the outputs at the bases and the changes along the paths match
    a FullRerun. Either check failing raises
    FastPathMismatch naming what disagreed, by how much, and the library versions.
    """

    self_checked: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.cache_kwarg = cache_argument(self.bridge)
        with torch.inference_mode(), cache_reaches_attention(self.bridge):
            prefix = self.prompts[:, :-1].to(self.device)
            _, self.cache = self.bridge(prefix, return_type="logits_and_cache", use_cache=True)
        check_prefix_cache(self.cache, len(self.prompts), self.prompts.shape[1] - 1,
                           self.bridge.cfg.n_layers)
        self.last_tokens = self.prompts[:, -1:].to(self.device)
        self.clean_acts = self._clean_activations()

    def path_changes(self, prompt_idx, bases, directions, sizes) -> torch.Tensor:
        if not self.self_checked:
            self.self_check(prompt_idx, bases, directions, sizes)
        return super().path_changes(prompt_idx, bases, directions, sizes)

    def self_check(self, prompt_idx, bases, directions, sizes) -> None:
        """Compare the first paths with a FullRerun: the prompts' clean activations (relative L2),
        the outputs at the bases (KL or relative L2 between the two) and the changes along the paths."""
        k = min(SELF_CHECK_PATHS, len(bases))
        rows = prompt_idx[:k].cpu()
        reference = FullRerun(self.bridge, self.prompts, self.write_layer, self.readout)
        clean_ref = reference.clean_activations(rows)
        slow = reference.path_changes(prompt_idx[:k], bases[:k], directions[:k], sizes)
        fast = super().path_changes(prompt_idx[:k], bases[:k], directions[:k], sizes)
        found = {
            "clean activations (relative L2)": output_distance(
                "l2", clean_ref[:, None], self.clean_acts[rows.to(self.device)].float().cpu()[:, None]),
            f"outputs at the bases ({self.readout.metric})": output_distance(
                self.readout.metric, reference.outputs(rows, bases[:k])[:, None].cpu(),
                self.outputs(rows, bases[:k].to(self.device))[:, None].cpu()),
            f"output changes along the paths ({self.readout.metric})": (fast - slow).abs()}
        atol, rtol = SELF_CHECK_TOLERANCE
        tolerance = atol + rtol * float(slow.abs().max())
        worst = {what: float(diff.max()) for what, diff in found.items()}
        self.stats["self_check_max_diff"] = max(worst.values())
        for what, diff in worst.items():
            if not diff <= tolerance:
                raise FastPathMismatch(
                    f"prefix-reuse engine disagrees with a full re-run at {self.write_hook}: "
                    f"{what} differ by {diff:.3g} > tolerance {tolerance:.3g} on {k} prompts; "
                    f"versions: {stack_versions()}")
        self.self_checked = True

    def _clean_activations(self) -> torch.Tensor:
        """[P, d] the unperturbed residual at the write hook, last position."""
        captured = []
        def grab(act, hook):
            captured.append(act[:, -1].detach().clone())
        rows = torch.arange(len(self.prompts), device=self.device)
        self._run(rows, [(self.write_hook, grab)])
        return check_finite(torch.cat(captured), f"activations at {self.write_hook}")

    def _cache_for(self, rows: torch.Tensor):
        """A cache holding the prefixes of `rows`, sharing tensors with the stored one."""
        cache = copy.copy(self.cache)
        cache.layers = [copy.copy(layer) for layer in self.cache.layers]
        cache.batch_select_indices(rows)
        return cache

    @torch.inference_mode()
    def _run(self, rows: torch.Tensor, hooks: list) -> torch.Tensor | None:
        """Run the last token of `rows` through the model with `hooks`; read the output."""
        read = {}
        def read_resid(act, hook):
            read["out"] = act[:, -1].float()
            raise _ReadDone
        if self.readout.hook is not None:
            hooks = [*hooks, (self.readout.hook, read_resid)]
        with self.bridge.hooks(fwd_hooks=hooks), cache_reaches_attention(self.bridge):
            try:
                logits = self.bridge(self.last_tokens[rows], return_type="logits",
                                     **{self.cache_kwarg: self._cache_for(rows)})
                read["out"] = logits[:, -1].float()
            except _ReadDone:
                pass
        return read.get("out")

    def outputs(self, rows: torch.Tensor, acts: torch.Tensor) -> torch.Tensor:
        return self._run(rows.to(self.device), [(self.write_hook, self._replace_hook(acts))])

    def bytes_per_row(self) -> int:
        kv = sum(layer.keys.numel() + layer.values.numel() for layer in self.cache.layers)
        per_prompt_kv = 4 * kv // max(1, len(self.prompts))
        return 2 * per_prompt_kv + self.output_bytes_per_row() + 64 * self.bridge.cfg.d_model


@dataclass
class FullRerun(_PathSweeper):
    """The straightforward way of the published code: every perturbed prompt, whole, through
    the whole model with a hook. The reference the engine is checked against."""

    @torch.inference_mode()
    def clean_activations(self, rows: torch.Tensor) -> torch.Tensor:
        """[len(rows), d] the unperturbed residual at the write hook, last position, on the CPU."""
        _, cache = self.bridge.run_with_cache(self.prompts[rows].to(self.device),
                                              names_filter=[self.write_hook])
        return cache[self.write_hook][:, -1].float().cpu()

    @torch.inference_mode()
    def outputs(self, rows: torch.Tensor, acts: torch.Tensor) -> torch.Tensor:
        read = {}
        hooks = [(self.write_hook, self._replace_hook(acts))]
        if self.readout.hook is not None:
            hooks.append((self.readout.hook, lambda act, hook: read.update(out=act[:, -1].float())))
        logits = self.bridge.run_with_hooks(self.prompts[rows].to(self.device), fwd_hooks=hooks,
                                            return_type="logits")
        return read["out"] if self.readout.hook else logits[:, -1].float()
