"""Modular addition, the grokking task (Power et al. 2022; Nanda et al. 2023; Varma et al. 2023).

Inputs are the three tokens (a, b, '=') with a, b in 0..p-1 and '=' the token p; the
model predicts (a + b) mod p at the '=' position. A seeded share of the p^2 pairs is the
training set (full-batch AdamW with weight decay), the rest the test set. Ungrokking
(Varma et al. section 5) continues a grokked run on a seeded subset of its training set.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F

from lmclaims.families.training.model import TinyTransformer, TransformerConfig, parameter_norm
from lmclaims.families.training.trainer import Recipe, Run, cached_run, train
from lmclaims.seeding import torch_generator


@dataclass(frozen=True)
class ModularTask:
    """One grokking setup: modulus, training share, architecture, recipe."""

    p: int  # modulus (Nanda et al.: 113)
    train_fraction: float  # share of the p^2 pairs trained on (Nanda et al.: 0.3)
    model: TransformerConfig
    recipe: Recipe
    shuffled_labels: bool = False  # train on a seeded permutation of the training labels: a run
    #                                that can only memorise (Varma et al.'s memorisation control)

    def to_dict(self) -> dict:
        return asdict(self)


def all_pairs(p: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs [p^2, 3] rows (a, b, p) and labels [p^2] (a + b) mod p."""
    a, b = torch.cartesian_prod(torch.arange(p), torch.arange(p)).T
    return torch.stack([a, b, torch.full_like(a, p)], 1), (a + b) % p


def split(p: int, fraction: float, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices of the training pairs (round(fraction * p^2) of them) and of the test pairs."""
    order = torch.randperm(p * p, generator=gen)
    n = round(fraction * p * p)
    return order[:n], order[n:]


def last_logits(model, x: torch.Tensor) -> torch.Tensor:
    """Logits at the '=' position over the p answers; [N, p]."""
    return model.last(x)[:, : model.cfg.vocab - 1]


def margin_per_norm(logits: torch.Tensor, y: torch.Tensor, norm: float) -> float:
    """Mean over examples of (correct logit - mean logit), divided by the parameter norm.

    Varma et al. 2023's efficiency: the logit a circuit produces per unit of parameter norm.
    """
    margin = logits.gather(1, y[:, None])[:, 0] - logits.mean(1)
    return float(margin.mean()) / norm


def evaluator(x, y, train_idx, test_idx):
    """model -> accuracy and loss on the training and test pairs, parameter norm, efficiency."""
    def evaluate(model) -> dict[str, float]:
        logits = last_logits(model, x)
        norm = parameter_norm(model)
        row = {"norm": norm}
        for name, idx in (("train", train_idx), ("test", test_idx)):
            row[f"{name}_acc"] = float((logits[idx].argmax(1) == y[idx]).float().mean())
            row[f"{name}_loss"] = float(F.cross_entropy(logits[idx], y[idx]))
        row["train_margin_per_norm"] = margin_per_norm(logits[train_idx], y[train_idx], norm)
        return row
    return evaluate


def _fit(model, task: ModularTask, train_idx, test_idx, gen: torch.Generator | None = None) -> Run:
    x, y = all_pairs(task.p)
    if task.shuffled_labels:
        y = y.clone()
        y[train_idx] = y[train_idx][torch.randperm(len(train_idx), generator=gen)]
    loss = lambda m, step: F.cross_entropy(last_logits(m, x[train_idx]), y[train_idx])
    return train(model, loss, evaluator(x, y, train_idx, test_idx), task.recipe)


def grokking_run(task: ModularTask, seed: int) -> Run:
    """Train (or load) one seed: the split and the initial weights both come from `seed`."""
    def make() -> Run:
        gen = torch_generator(seed)
        train_idx, test_idx = split(task.p, task.train_fraction, gen)
        model = TinyTransformer(task.model)
        model.reset_parameters(gen)
        return _fit(model, task, train_idx, test_idx, gen)
    return cached_run("modular", task.to_dict(), seed, make)


def ungrokking_run(task: ModularTask, continued: ModularTask, seed: int) -> Run:
    """Continue seed's grokked run on the first `continued.train_fraction * p^2` of its own
    training pairs (a subset when smaller), with `continued.recipe`; test pairs unchanged."""
    def make() -> Run:
        base = grokking_run(task, seed)
        gen = torch_generator(seed)
        train_idx, test_idx = split(task.p, task.train_fraction, gen)
        kept = train_idx[: round(continued.train_fraction * task.p**2)]
        model = TinyTransformer(task.model)
        model.load_state_dict(base.checkpoints[task.recipe.steps])
        return _fit(model, continued, kept, test_idx)
    config = {"grokked": task.to_dict(), "continued": continued.to_dict()}
    return cached_run("ungrok", config, seed, make)
