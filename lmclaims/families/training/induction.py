"""Induction heads forming during training (Olsson et al. 2022), in attention-only models.

A one- or two-layer attention-only TinyTransformer is trained on windows of real text
(word-level, text.py). Every `log_every` steps the run records, on a fixed set of
repeated random-token sequences [bos, r_1..r_L, r_1..r_L]: the best head's induction
score (attention from each second-copy token to the token after its earlier occurrence,
as in lmclaims' induction family) and the loss on the second copy. Induction heads need
two layers (a previous-token head composed with an induction head, Elhage et al. 2021),
so the one-layer model is the control.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F

from lmclaims.families.training.curves import first_crossing, rise_window
from lmclaims.families.training.model import TinyTransformer, TransformerConfig
from lmclaims.families.training.trainer import Recipe, Run, cached_run, train
from lmclaims.families.training.text import windows
from lmclaims.seeding import torch_generator


@dataclass(frozen=True)
class InductionTask:
    """One text-training setup for the induction claims."""

    model: TransformerConfig  # d_mlp = 0: attention-only
    recipe: Recipe
    seq_len: int  # tokens per training window
    batch: int  # windows per step
    probe_seqs: int  # repeated random-token sequences evaluated at every log step
    probe_len: int  # length of one copy
    repeat_share: float = 0.0  # share of training windows carrying a repeated random sequence

    def to_dict(self) -> dict:
        return asdict(self)


def repeated_random(vocab: int, n: int, length: int, gen: torch.Generator) -> torch.Tensor:
    """[n, 1 + 2 * length]: <bos> (id 0), then `length` uniform ids from 2..vocab-1, twice."""
    first = torch.randint(2, vocab, (n, length), generator=gen)
    return torch.cat([torch.zeros(n, 1, dtype=torch.long), first, first], 1)


def induction_score(patterns: list[torch.Tensor], length: int) -> torch.Tensor:
    """[layers, heads] mean attention from second-copy position q to key q - length + 1.

    patterns: per layer [n, heads, T, T] on sequences from `repeated_random` (offset 1).
    """
    queries = torch.arange(1 + length, 1 + 2 * length)
    return torch.stack([p[:, :, queries, queries - length + 1].mean((0, 2)) for p in patterns])


def second_copy_loss(logits: torch.Tensor, tokens: torch.Tensor, length: int) -> float:
    """Mean loss (nats) predicting second-copy tokens 2..L from their predecessors."""
    pred = logits[:, 1 + length:2 * length]  # positions whose next token is in the second copy
    target = tokens[:, 2 + length:1 + 2 * length]
    return float(F.cross_entropy(pred.reshape(-1, pred.shape[-1]), target.reshape(-1)))


def probe(model, probes: torch.Tensor, length: int, held_out: torch.Tensor) -> dict[str, float]:
    """The best head's induction score, the second-copy loss and the held-out text loss."""
    logits, patterns = model(probes, patterns=True)
    text_logits = model(held_out[:, :-1])
    text_loss = F.cross_entropy(text_logits.reshape(-1, text_logits.shape[-1]), held_out[:, 1:].reshape(-1))
    return {"induction_score": float(induction_score(patterns, length).max()),
            "repeated_loss": second_copy_loss(logits, probes, length), "text_loss": float(text_loss)}


def with_repeats(x: torch.Tensor, share: float, vocab: int, gen: torch.Generator) -> torch.Tensor:
    """Windows [B, T] of text where a seeded `share` of rows carry a repeated random sequence:
    n uniform ids (2..vocab-1, n uniform in 4..T/2) at a uniform start, then the same n again.

    The rest of each row stays real text. The length varies from row to row, so only a
    content-based (induction) solution can use the repeat, not a fixed positional offset.
    """
    x = x.clone()
    t = x.shape[1]
    for row in torch.nonzero(torch.rand(len(x), generator=gen) < share).flatten().tolist():
        n = int(torch.randint(4, t // 2 + 1, (1,), generator=gen))
        start = int(torch.randint(0, t - 2 * n + 1, (1,), generator=gen))
        r = torch.randint(2, vocab, (n,), generator=gen)
        x[row, start:start + n], x[row, start + n:start + 2 * n] = r, r
    return x


def stream_digest(stream: np.ndarray) -> str:
    """A short hash of a token stream, so the cache key changes with the corpus."""
    return hashlib.sha256(np.ascontiguousarray(stream).tobytes()).hexdigest()[:16]


def induction_run(task: InductionTask, train_stream: np.ndarray, held_out: np.ndarray, seed: int) -> Run:
    """Train (or load) one seed on windows of `train_stream`; log the probe every log step."""
    def make() -> Run:
        gen = torch_generator(seed)
        model = TinyTransformer(task.model)
        model.reset_parameters(gen)
        probes = repeated_random(task.model.vocab, task.probe_seqs, task.probe_len, gen)
        held = windows(held_out, task.probe_seqs, task.seq_len + 1, gen)
        def loss(m, step):
            x = with_repeats(windows(train_stream, task.batch, task.seq_len + 1, gen), task.repeat_share,
                             task.model.vocab, gen)
            logits = m(x[:, :-1])
            return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1))
        return train(model, loss, lambda m: probe(m, probes, task.probe_len, held), task.recipe)
    key = {**task.to_dict(), "train_stream": stream_digest(train_stream), "held_out": stream_digest(held_out)}
    return cached_run("induction", key, seed, make)


def phase_change(runs: Sequence[Run]) -> dict[str, np.ndarray]:
    """Per run of a two-layer model: final best-head score, the 10%-90% rise of the score
    (curves.rise_window), and how far from the rise's midpoint (the changepoint) the
    repeated-token loss is halfway down, relative to the changepoint's step.

    Returns arrays over runs: final, start, middle, end, relative_width, loss_half, apart.
    """
    out: dict[str, list] = {k: [] for k in ("final", "start", "middle", "end", "relative_width",
                                            "loss_half", "apart")}
    for r in runs:
        steps, loss = np.asarray(r.log["step"]), np.asarray(r.log["repeated_loss"])
        rise = rise_window(steps, np.asarray(r.log["induction_score"]))
        half = first_crossing(steps, loss, 0.5 * (loss[0] + loss.min()), rising=False)
        for k, v in (("final", r.log["induction_score"][-1]), ("start", rise.start), ("middle", rise.middle),
                     ("end", rise.end), ("relative_width", rise.relative_width), ("loss_half", half),
                     ("apart", abs(half - rise.middle) / rise.middle)):
            out[k].append(v)
    return {k: np.asarray(v, dtype=float) for k, v in out.items()}
