"""Output change along straight paths through the residual stream at the last position.

`_PathSweeper` holds what every way of computing it shares: the paths, the read-out, the
chunking of rows to fit in memory (halved on out-of-memory) and the distance of each
output from its path's start. `FullRerun` and `PerturbationEngine` differ only in how
they run the model (`outputs`).

A sweep is dense (every size of the grid on every path) or adaptive (`Refinement`): a coarse
sweep on every `every`-th size, then the grid's sizes inside the brackets (stretches between
two coarse sizes) that the caller's rule picks from the coarse curves, e.g. where a threshold
is first crossed. Sizes swept densely give the dense sweep's values; the rest are filled by
linear interpolation between the coarse sizes around them and flagged as not evaluated.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Callable, Literal

import torch

from lmclaims.measure.numerics import check_finite
from lmclaims.engine.chunking import is_out_of_memory, rows_per_chunk

Metric = Literal["kl", "l2", "l2_abs", "cos"]


@dataclass
class Readout:
    """Where the output is read: the next-token log-probabilities, a residual layer, or both.

    `metric` is one metric, or a tuple of them read from the same forward pass (e.g.
    ("kl", "l2_abs", "cos")): `path_changes` then gives [N, S, len(metrics)].
    """

    metric: Metric | tuple[Metric, ...]
    read_layer: int | None = None  # for l2 / l2_abs / cos: blocks.{read_layer}.hook_resid_post

    @property
    def metrics(self) -> tuple[Metric, ...]:
        return (self.metric,) if isinstance(self.metric, str) else tuple(self.metric)

    @property
    def needs_logits(self) -> bool:
        return "kl" in self.metrics

    @property
    def hook(self) -> str | None:
        """The residual hook read, or None when only logits are read."""
        if all(m == "kl" for m in self.metrics):
            return None
        return f"blocks.{self.read_layer}.hook_resid_post"


def output_distance(metric: Metric, ref: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """[k, s] change of each output in `out` [k, s, w] from its path's reference `ref` [k, 1, w].

    kl: KL(P_ref || P_out) in nats from logits, as sum p_ref log p_ref - sum p_ref * out
    + logsumexp(out), which never materialises log-softmax of `out`. l2: ||out - ref|| / ||ref||.
    l2_abs: ||out - ref|| in the residual's own units. cos: 1 - cos(out, ref), in [0, 2].
    """
    if metric == "kl":
        logp_ref = torch.log_softmax(ref, dim=-1)
        p_ref = logp_ref.exp()
        cross = torch.matmul(out, p_ref.transpose(-1, -2))[..., 0]
        return ((p_ref * logp_ref).sum(-1) - cross + torch.logsumexp(out, dim=-1)).clamp_min(0.0)
    if metric == "cos":
        return (1.0 - torch.nn.functional.cosine_similarity(out, ref.expand_as(out), dim=-1)).clamp_min(0.0)
    if metric == "l2_abs":
        return (out - ref).norm(dim=-1)
    return (out - ref).norm(dim=-1) / ref.norm(dim=-1)


def readout_distances(readout: Readout, d_model: int, ref: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """`output_distance` for each of the read-out's metrics: [k, s], or [k, s, m] for m metrics.

    Outputs of a read-out of logits and a residual together are [residual (d_model) | logits].
    """
    metrics = readout.metrics
    if len(metrics) == 1:
        return output_distance(metrics[0], ref, out)
    resid = (ref[..., :d_model], out[..., :d_model])
    logits = (ref[..., d_model:], out[..., d_model:])
    return torch.stack([output_distance(m, *(logits if m == "kl" else resid)) for m in metrics], -1)


@dataclass(frozen=True)
class Refinement:
    """How an adaptive sweep chooses its sizes.

    every: the coarse sweep takes sizes 0, every, 2 x every, ... and always the last one.
    brackets: the rule, coarse changes [k, C] (or [k, C, m] for m metrics) at the coarse sizes
    -> [k, C - 1] bool, True where the sizes between coarse sizes j and j + 1 are swept too.
    """

    every: int
    brackets: Callable[[torch.Tensor], torch.Tensor]

    def __post_init__(self) -> None:
        if isinstance(self.every, bool) or not isinstance(self.every, int) or self.every < 1:
            raise ValueError(f"Refinement.every is a step between coarse sizes, an int >= 1; got {self.every!r}")


def coarse_positions(n_sizes: int, every: int) -> torch.Tensor:
    """[C] indices of the coarse sizes: 0, every, 2 x every, ..., and n_sizes - 1."""
    return torch.unique(torch.cat([torch.arange(0, n_sizes, every), torch.tensor([n_sizes - 1])]))


def fill_between(coarse: torch.Tensor, at: torch.Tensor, sizes: torch.Tensor) -> torch.Tensor:
    """[k, S(, m)] values at every size, linear in the size between the coarse values [k, C(, m)]
    taken at positions `at` [C] of `sizes` [S]."""
    right = torch.searchsorted(at, torch.arange(len(sizes)), right=False).clamp(1, len(at) - 1)
    left = right - 1
    s_lo, s_hi = sizes[at[left]], sizes[at[right]]
    w = ((sizes - s_lo) / (s_hi - s_lo)).clamp(0.0, 1.0)
    w = w.reshape(1, -1, *([1] * (coarse.dim() - 2))).to(coarse)
    return (1 - w) * coarse[:, left] + w * coarse[:, right]


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
        """Working memory of one row's output: logits (kl) and/or a residual, and temporaries."""
        width = ((self.bridge.cfg.d_vocab if self.readout.needs_logits else 0)
                 + (self.bridge.cfg.d_model if self.readout.hook else 0))
        return 16 * width

    def changes(self, ref: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        """[k, s] (or [k, s, metrics]) change of outputs [k, s, w] from references [k, 1, w]."""
        return readout_distances(self.readout, self.bridge.cfg.d_model, ref, out)

    def join(self, resid: torch.Tensor | None, logits: torch.Tensor | None) -> torch.Tensor:
        """One output row per input: the residual, the logits, or [residual | logits]."""
        if self.readout.hook is None:
            return logits
        return torch.cat([resid, logits], -1) if self.readout.needs_logits else resid

    def activation_bytes(self, positions: int) -> int:
        """Working memory of the activations of one sequence of `positions` through the blocks."""
        return 64 * self.bridge.cfg.d_model * positions

    def bytes_per_row(self) -> int:
        return self.output_bytes_per_row() + self.activation_bytes(self.prompts.shape[1])

    def row_budget(self) -> int:
        """Rows per forward pass: `max_rows`, else what fits in a share of free memory."""
        return self.max_rows or rows_per_chunk(self.device, self.bytes_per_row())

    def path_changes(self, prompt_idx: torch.Tensor, bases: torch.Tensor,
                     directions: torch.Tensor, sizes: torch.Tensor) -> torch.Tensor:
        """[N, S] output change along base + t * direction against t = sizes[0] (0), chunked by path
        ([N, S, m] for a read-out of m metrics together)."""
        out = []
        self._chunked(lambda *a: out.append(self._path_chunk(*a)), prompt_idx, bases, directions, sizes,
                      len(sizes))
        return torch.cat(out)

    def sweep(self, prompt_idx: torch.Tensor, bases: torch.Tensor, directions: torch.Tensor,
              sizes: torch.Tensor, refinement: Refinement) -> tuple[torch.Tensor, torch.Tensor]:
        """Adaptive `path_changes`: ([N, S(, m)] output changes, [N, S] bool evaluated).

        Evaluated sizes equal the dense sweep's (up to the float rounding of other batch
        shapes); the others are interpolated between the coarse sizes around them.
        """
        if len(sizes) < 2 or not bool((sizes.diff() > 0).all()):
            raise ValueError(f"an adaptive sweep needs at least 2 strictly increasing sizes; got "
                             f"{sizes.tolist()[:8]}{' ...' if len(sizes) > 8 else ''}")
        changes, evaluated = [], []
        self._chunked(lambda *a: changes.append(self._adaptive_chunk(*a, refinement, evaluated)),
                      prompt_idx, bases, directions, sizes, len(sizes))
        return torch.cat(changes), torch.cat(evaluated)

    def _chunked(self, run_chunk, prompt_idx, bases, directions, sizes, rows_per_path: int) -> None:
        """run_chunk(prompt_idx, bases, directions, sizes) on consecutive chunks of paths that fit
        in memory; a chunk that runs out of memory is retried at half the paths."""
        paths_per_chunk = max(1, self.row_budget() // rows_per_path)
        start = 0
        while start < len(bases):
            stop = min(start + paths_per_chunk, len(bases))
            try:
                run_chunk(prompt_idx[start:stop], bases[start:stop], directions[start:stop], sizes)
            except RuntimeError as exc:
                if not is_out_of_memory(exc) or paths_per_chunk == 1:
                    raise
                self.stats["oom_retries"] += 1
                paths_per_chunk = max(1, paths_per_chunk // 2)
                if self.device.type == "cuda":
                    torch.cuda.empty_cache()
                continue
            start = stop

    def _outputs_at(self, prompt_idx, bases, directions, sizes) -> torch.Tensor:
        """[k, s, w] outputs at base + size * direction for each path and each of its sizes [k, s]."""
        k, s = sizes.shape
        acts = bases[:, None, :] + sizes[..., None].to(bases) * directions[:, None, :]
        outs = self.outputs(prompt_idx.repeat_interleave(s), acts.reshape(k * s, -1)).reshape(k, s, -1)
        self.stats["rows"] += k * s
        return outs

    def _path_chunk(self, prompt_idx, bases, directions, sizes) -> torch.Tensor:
        outs = self._outputs_at(prompt_idx, bases, directions, sizes.expand(len(bases), -1))
        self.stats["chunks"] += 1
        change = self.changes(outs[:, :1], outs)
        return check_finite(change, "output change (NaN/inf in model outputs under perturbation)").cpu()

    def _adaptive_chunk(self, prompt_idx, bases, directions, sizes, refinement: Refinement,
                        evaluated_out: list) -> torch.Tensor:
        """One chunk of `sweep`: the coarse sizes, then the interiors of the picked brackets."""
        k, n_sizes = len(bases), len(sizes)
        at = coarse_positions(n_sizes, refinement.every)
        outs = self._outputs_at(prompt_idx, bases, directions, sizes[at].expand(k, -1))
        ref = outs[:, :1].clone()  # the base's outputs; the coarse rows are freed before the dense ones
        coarse = check_finite(self.changes(ref, outs), "output change (NaN/inf in model outputs under "
                                                       "perturbation)").cpu()
        del outs
        picked = refinement.brackets(coarse)
        if picked.shape != (k, len(at) - 1) or picked.dtype != torch.bool:
            raise ValueError(f"Refinement.brackets gave {picked.dtype} of shape {tuple(picked.shape)}, "
                             f"expected torch.bool of shape {(k, len(at) - 1)} (paths, coarse brackets)")
        inside = torch.zeros(k, n_sizes, dtype=torch.bool)
        for j in range(len(at) - 1):
            inside[picked[:, j], int(at[j]) + 1:int(at[j + 1])] = True
        change = fill_between(coarse, at, sizes.cpu())
        path, pos = inside.nonzero(as_tuple=True)
        if len(path):
            outs = self._outputs_at(prompt_idx[path], bases[path], directions[path], sizes[pos][:, None])
            dense = check_finite(self.changes(ref[path.to(ref.device)], outs), "output change (NaN/inf "
                                 "in model outputs under perturbation)").cpu()
            change[path, pos] = dense[:, 0]
        evaluated = inside.clone()
        evaluated[:, at] = True
        evaluated_out.append(evaluated)
        self.stats["chunks"] += 1
        return change

    def _replace_hook(self, acts: torch.Tensor):
        def replace(act, hook):
            act = act.clone()
            act[:, -1] = acts.to(device=act.device, dtype=act.dtype)
            return act
        return replace
