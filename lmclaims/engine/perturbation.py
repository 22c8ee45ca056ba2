"""The perturbation engine: compute only what a perturbation of the last position changes.

A perturbation of the last position's residual at block l cannot change earlier
positions, so each prompt's prefix (its keys and values) is computed once and
reused for every perturbation of that prompt; only the last token is run, from the
perturbed residual entering block l (the blocks below are skipped: `start_layer`), and
the run stops at the read layer when the metric needs no logits. Everything goes
through the TransformerBridge and its hooks; the prefix is a Hugging Face cache
(`prefix_cache` keeps it working across the transformers 5.24 rename).

Memory stays bounded whatever the number and length of the prompts: prefixes are
computed without logits, in chunks, and held for at most MAX_CACHE_BYTES of prompts at
a time (a group); paths are swept group by group, and a group's cache is handed back to the
system before the next one is computed. Since a wrong cache gives wrong
numbers, not an error, the engine checks itself against a FullRerun before its first
answer.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import torch

from lmclaims.engine.chunking import MEMORY_SHARE, free_bytes, release_freed_memory, rows_per_chunk
from lmclaims.engine.full_rerun import FullRerun
from lmclaims.engine.paths import Metric, Readout, Refinement, _PathSweeper, output_distance
from lmclaims.engine.prefix_cache import (FIX, cache_argument, cache_bytes, cache_reaches_attention,
                                           check_prefix_cache, compute_prefix_cache, select_prompts)
from lmclaims.engine.start_layer import blocks_from
from lmclaims.environment import stack_versions
from lmclaims.errors import FastPathMismatch
from lmclaims.measure.forward import StopForward, forward_may_stop, last_position
from lmclaims.measure.numerics import check_finite

__all__ = ["FullRerun", "Metric", "PerturbationEngine", "Readout", "Refinement", "output_distance"]

SELF_CHECK_PATHS = 2  # paths re-run in full before the engine's first answer is trusted
SELF_CHECK_TOLERANCE = (1e-4, 1e-3)  # absolute, and relative to the largest change on the paths
MAX_CACHE_BYTES = 1 << 30  # prefix caches held at once (also capped by a share of free memory)


def _worst_differences(metrics: tuple, clean, at_bases, fast, slow) -> list[tuple[str, float, float]]:
    """(what, largest difference, tolerance) per self-check comparison; each read-out metric is
    held to a tolerance in its own units (atol + rtol x its largest change on the paths)."""
    atol, rtol = SELF_CHECK_TOLERANCE
    by_metric = (lambda x: x[..., None]) if len(metrics) == 1 else (lambda x: x)  # metrics last
    checks = [("clean activations (relative L2)", clean, atol + rtol)]
    for i, m in enumerate(metrics):
        tolerance = atol + rtol * float(by_metric(slow)[..., i].abs().max())
        checks += [(f"outputs at the bases ({m})", by_metric(at_bases)[..., i], tolerance),
                   (f"output changes along the paths ({m})", by_metric(fast - slow)[..., i].abs(), tolerance)]
    return [(what, float(diff.max()), tolerance) for what, diff, tolerance in checks]


@dataclass
class PerturbationEngine(_PathSweeper):
    """Prefix computed once per prompt; each perturbed row runs only the last position, from the
    write layer up to the read layer.

    The engine checks itself: after each prefix pass, that the cache holds every prompt's
    prefix at every layer; before its first answer, that on the first SELF_CHECK_PATHS paths
    the clean activations, the outputs at the bases and the changes along the paths match
    a FullRerun. Either check failing raises FastPathMismatch naming what disagreed, by how
    much, and the library versions. Skipping the blocks below the write layer is checked the
    same way; where it fails, every block is run instead (`stats["start_at_write_layer"]`).
    """

    max_cache_bytes: int | None = None  # prefix caches held at once (None: MAX_CACHE_BYTES or less)
    start_at_write_layer: bool = True  # skip the blocks below the write layer (if the self-check passes)
    self_checked: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.cache_kwarg = cache_argument(self.bridge)
        self.last_tokens = self.prompts[:, -1:].to(self.device)
        probe = self._prefix_pass(torch.arange(1))
        self.kv_bytes_per_prompt = cache_bytes(probe)
        budget = self.max_cache_bytes or min(MAX_CACHE_BYTES, int(MEMORY_SHARE * free_bytes(self.device)))
        self.group_size = max(1, min(len(self.prompts), budget // max(1, self.kv_bytes_per_prompt)))
        self.stats.update(prompt_groups=-(-len(self.prompts) // self.group_size), prefix_passes=0)
        self._group, self.cache = None, None
        self.clean_acts = self._clean_activations()

    # prefix caches, one group of prompts at a time

    def _prefix_pass(self, prompt_ids: torch.Tensor):
        """The checked prefix cache of `prompt_ids`, computed without logits in bounded chunks."""
        prefixes = self.prompts[prompt_ids, :-1]
        chunk = rows_per_chunk(self.device, self.activation_bytes(prefixes.shape[1]))
        cache = compute_prefix_cache(self.bridge, prefixes.to(self.device), chunk)
        check_prefix_cache(cache, len(prompt_ids), prefixes.shape[1], self.bridge.cfg.n_layers)
        return cache

    def _hold_group(self, group: int) -> None:
        if self._group != group:
            self.cache = None  # free the previous group's cache before computing the next
            release_freed_memory(self.device)  # else the resident set creeps up with each group
            lo = group * self.group_size
            self.cache = self._prefix_pass(torch.arange(lo, min(lo + self.group_size, len(self.prompts))))
            self._group = group
            self.stats["prefix_passes"] += 1

    def _by_group(self, prompt_idx: torch.Tensor):
        """(group, positions in prompt_idx) for each group of prompts the paths use, in order."""
        groups = prompt_idx.cpu() // self.group_size
        for group in torch.unique(groups).tolist():
            self._hold_group(group)
            yield group, (groups == group).nonzero()[:, 0]

    def _cache_for(self, rows: torch.Tensor):
        """A cache holding the prefixes of `rows` (prompt ids in the held group)."""
        return select_prompts(self.cache, rows - self._group * self.group_size)

    # the sweep

    def path_changes(self, prompt_idx, bases, directions, sizes) -> torch.Tensor:
        if not self.self_checked:
            self.self_check(prompt_idx, bases, directions, sizes)
        return self._grouped_changes(prompt_idx, bases, directions, sizes)

    def sweep(self, prompt_idx, bases, directions, sizes, refinement):
        if not self.self_checked:
            self.self_check(prompt_idx, bases, directions, sizes)
        out, evaluated = self._empty_changes(len(bases), len(sizes)), torch.empty(len(bases), len(sizes),
                                                                                 dtype=torch.bool)
        for _, where in self._by_group(prompt_idx):
            out[where], evaluated[where] = super().sweep(prompt_idx[where], bases[where], directions[where],
                                                         sizes, refinement)
        return out, evaluated

    def _empty_changes(self, n_paths: int, n_sizes: int) -> torch.Tensor:
        metrics = self.readout.metrics
        return torch.empty(n_paths, n_sizes, *((len(metrics),) if len(metrics) > 1 else ()))

    def _grouped_changes(self, prompt_idx, bases, directions, sizes) -> torch.Tensor:
        out = self._empty_changes(len(bases), len(sizes))
        for _, where in self._by_group(prompt_idx):
            out[where] = super().path_changes(prompt_idx[where], bases[where], directions[where], sizes)
        return out

    def self_check(self, prompt_idx, bases, directions, sizes) -> None:
        """Compare the first paths with a FullRerun (`_compare_with_full_rerun`); where starting at
        the write layer fails the check (or cannot run), compare again with every block run."""
        try:
            self._compare_with_full_rerun(prompt_idx, bases, directions, sizes)
        except (FastPathMismatch, LookupError, NotImplementedError, TypeError, ValueError) as exc:
            if not self.start_at_write_layer:
                raise
            self.start_at_write_layer = False
            self.stats["start_at_write_layer"] = f"off: {type(exc).__name__}: {exc}"[:300]
            self._compare_with_full_rerun(prompt_idx, bases, directions, sizes)
        else:
            self.stats["start_at_write_layer"] = "on" if self.start_at_write_layer else "off"
        self.self_checked = True

    def _compare_with_full_rerun(self, prompt_idx, bases, directions, sizes) -> None:
        """The prompts' clean activations (relative L2), the outputs at the bases (each read-out
        metric between the two) and the changes along the first paths, against a FullRerun."""
        k = min(SELF_CHECK_PATHS, len(bases))
        rows = prompt_idx[:k].cpu()
        reference = FullRerun(self.bridge, self.prompts, self.write_layer, self.readout)
        clean_ref = reference.clean_activations(rows)
        slow = reference.path_changes(rows, bases[:k], directions[:k], sizes)
        fast = self._grouped_changes(rows, bases[:k], directions[:k], sizes)
        at_bases = torch.empty(slow[:, 0].shape)
        for _, where in self._by_group(rows):
            at_bases[where] = self.changes(
                reference.outputs(rows[where], bases[:k][where])[:, None].cpu(),
                self.outputs(rows[where], bases[:k][where].to(self.device))[:, None].cpu())[:, 0]
        clean = output_distance("l2", clean_ref[:, None],
                                self.clean_acts[rows.to(self.device)].float().cpu()[:, None])
        worst = _worst_differences(self.readout.metrics, clean, at_bases, fast, slow)
        self.stats["self_check_max_diff"] = max(diff for _, diff, _ in worst)
        for what, diff, tolerance in worst:
            if not diff <= tolerance:
                raise FastPathMismatch(
                    f"prefix-reuse engine disagrees with a full re-run at {self.write_hook}: "
                    f"{what} differ by {diff:.3g} > tolerance {tolerance:.3g} on {k} prompts; "
                    f"versions: {stack_versions()}; {FIX}")

    def _clean_activations(self) -> torch.Tensor:
        """[P, d] the unperturbed residual at the write hook, last position."""
        out = torch.empty(len(self.prompts), self.bridge.cfg.d_model, device=self.device)
        for _, where in self._by_group(torch.arange(len(self.prompts))):
            captured = []
            def grab(act, hook):
                captured.append(last_position(act))
            for chunk in where.split(self.row_budget()):
                self._run(chunk.to(self.device), [(self.write_hook, grab)])
            out[where.to(self.device)] = torch.cat(captured).to(out.dtype)
        return check_finite(out, f"activations at {self.write_hook}")

    @torch.inference_mode()
    def _forward(self, rows: torch.Tensor, inputs: torch.Tensor, hooks: list,
                 start: int | None = None) -> torch.Tensor | None:
        """Run `inputs` (last tokens, or residuals entering block `start`) of `rows` on their
        prefixes, with `hooks`; read the output at the read-out."""
        read = {}
        def read_resid(act, hook):
            read["resid"] = last_position(act)
            if not self.readout.needs_logits:
                raise StopForward  # nothing above the read layer is needed
        if self.readout.hook is not None:
            hooks = [*hooks, (self.readout.hook, read_resid)]
        skip = blocks_from(self.bridge, start) if start else contextlib.nullcontext()
        at = {"start_at_layer": start} if start is not None else {}
        with (self.bridge.hooks(fwd_hooks=hooks), cache_reaches_attention(self.bridge), skip,
              forward_may_stop()):
            logits = self.bridge(inputs, return_type="logits", **at,
                                 **{self.cache_kwarg: self._cache_for(rows)})
            read["logits"] = last_position(logits)
        if "resid" not in read and "logits" not in read:
            return None
        return self.join(read.get("resid"), read.get("logits"))

    def _run(self, rows: torch.Tensor, hooks: list) -> torch.Tensor | None:
        """Run the last token of `rows` through every block, with `hooks`."""
        return self._forward(rows, self.last_tokens[rows], hooks)

    def outputs(self, rows: torch.Tensor, acts: torch.Tensor) -> torch.Tensor:
        rows = rows.to(self.device)
        if self.start_at_write_layer:
            residual = acts.to(device=self.device, dtype=self.clean_acts.dtype)[:, None, :]
            return self._forward(rows, residual, [], start=self.write_layer)
        return self._run(rows, [(self.write_hook, self._replace_hook(acts))])

    def bytes_per_row(self) -> int:
        return 2 * self.kv_bytes_per_prompt + self.output_bytes_per_row() + self.activation_bytes(1)
