"""The training setups of the claims, built from a profile's sizes, with their deviations from
the papers stated beside them.

Grokking (Nanda et al. 2023: p = 113, 30% of pairs, d_model 128, 4 heads, d_mlp 512, full-batch
AdamW lr 1e-3, weight decay 1, betas (0.9, 0.98), ~10^4 steps to generalise) is scaled to a
2-core CPU: p = 31, half the pairs (at p = 31 a 40% share did not reliably generalise within
4000 steps: too close to the critical size), d_model 64, d_mlp 256, lr 3e-3; it generalises in
2-3 thousand steps. Ungrokking (Varma et al. 2023, section 5) continues each grokked run on a
fifth of its training pairs (10% of all pairs, far below the 40% that did not grok) against the
control of continuing on all of them.
"""

from __future__ import annotations

from lmclaims.families.training.induction import InductionTask
from lmclaims.families.training.modular import ModularTask
from lmclaims.families.training.model import TransformerConfig
from lmclaims.families.training.sizes import TrainingSizes
from lmclaims.families.training.trainer import Recipe

MODULUS = 31
GROK_FRACTION = 0.5  # share of the p^2 pairs in the training set
BELOW_CRITICAL = 0.1  # share of all pairs kept when ungrokking (a fifth of the training set)
GROK_MODEL = TransformerConfig(vocab=MODULUS + 1, n_ctx=3, d_model=64, n_heads=4, n_layers=1,
                               d_mlp=256, init_std=64**-0.5)  # Nanda et al.: N(0, 1/d_model)
WRITE_DEPTH = 0.5  # plateau.emerges_with_training writes at block 1 of 3, reads at the last block
VOCAB = 256  # word-level vocabulary of the text models (<bos>, <unk> and 254 words)


def grokking_task(sizes: TrainingSizes) -> ModularTask:
    steps = sizes.grok_steps
    recipe = Recipe(steps=steps, lr=3e-3, weight_decay=1.0, checkpoints=(0, steps), log_every=20)
    return ModularTask(MODULUS, GROK_FRACTION, GROK_MODEL, recipe)


def continued_task(sizes: TrainingSizes, fraction: float) -> ModularTask:
    """Continue a grokked run on `fraction` of all pairs (a subset of its training pairs)."""
    steps = sizes.ungrok_steps
    recipe = Recipe(steps=steps, lr=3e-3, weight_decay=1.0, checkpoints=(steps,), log_every=20, warmup=1)
    return ModularTask(MODULUS, fraction, GROK_MODEL, recipe)


def induction_task(sizes: TrainingSizes, layers: int) -> InductionTask:
    """Attention-only, `layers` deep, on 48-token windows of word-level text, each carrying a
    repeated random sequence of varying length (with_repeats), minibatch AdamW.

    Deviation from Olsson et al. (natural text only, billions of tokens): on natural text alone
    (and with repeated spans of the text itself) no induction head formed within 3000 steps of
    16 x 64 tokens here; with a repeated random sequence in every window and lr 1e-2 the score
    starts rising after about 1300 steps of 32 x 64 tokens (both measured while choosing the setup).
    """
    steps = sizes.induction_steps
    model = TransformerConfig(vocab=VOCAB, n_ctx=48, d_model=64, n_heads=4, n_layers=layers, d_mlp=0,
                              init_std=64**-0.5)  # 0.02 stalls on a saddle (measured: no induction)
    recipe = Recipe(steps=steps, lr=1e-2, weight_decay=0.01, checkpoints=(0, steps),
                    log_every=max(1, steps // 80), betas=(0.9, 0.95), warmup=100)
    return InductionTask(model, recipe, seq_len=48, batch=32, probe_seqs=16, probe_len=20,
                         repeat_share=1.0)


def text_model_task(sizes: TrainingSizes):
    """The GPT-2-architecture text model of plateau.emerges_with_training: 3 blocks (writing at
    block 1 = relative depth 0.5, reading at block 2), checkpoints at 0, 1/8, 1/4, 1/2 and all steps."""
    from lmclaims.families.training.plateau_emergence import TextModelTask

    steps = sizes.plateau_steps
    keep = tuple(sorted({0, steps // 8, steps // 4, steps // 2, steps}))
    recipe = Recipe(steps=steps, lr=3e-3, weight_decay=0.01, checkpoints=keep, log_every=max(1, steps // 20),
                    betas=(0.9, 0.95), warmup=50)
    return TextModelTask(vocab=VOCAB, layers=3, recipe=recipe)
