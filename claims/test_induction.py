"""In-context learning by induction (Olsson et al. 2022, "In-context Learning and Induction Heads").

On a random token sequence repeated twice, a model with induction heads predicts the
second copy from the first: its loss drops, and some head attends from each repeated
token to the token that followed its earlier occurrence.
"""

import numpy as np
import pytest

from lmclaims.data.prompts import bos_id
from lmclaims.families.induction.sizes import SIZES
from lmclaims.families.induction.scores import copy_losses, induction_scores, repeated_sequences
from lmclaims.measure.loss import token_losses
from lmclaims.stats import HALVES, ClaimSpec, Threshold

SOURCE = "Olsson et al. 2022, In-context Learning and Induction Heads (transformer-circuits.pub)"
LOSS_MARGIN = Threshold(1.0, "a drop of 1 nat is far beyond what token frequency alone explains")
SCORE_FLOOR = Threshold(0.4, "CLAIMS.md: an induction head puts most of its attention on the target; "
                             "GPT-2 small's best heads score about 0.9")


def _sequences(claim, model, corpus_tokens, profile):
    """Repeated sequences of tokens drawn uniformly from those that occur in the corpus."""
    vocab = np.unique(np.concatenate(corpus_tokens))
    bos = bos_id(model.tokenizer)
    sizes = SIZES[profile.name]
    seqs = repeated_sequences(vocab, sizes.seqs, sizes.copy_len, claim.rng("data"), bos)
    return seqs, int(bos is not None)


@pytest.mark.claim(
    "induction.repeated_tokens_loss_drop",
    statement="On a sequence of uniformly random tokens repeated twice, the loss on the second "
              "copy is far lower than on the first.",
    source=SOURCE,
)
def test_repeated_tokens_loss_drop(claim, model, corpus_tokens, profile):
    """Mean loss on the first copy minus the second copy exceeds 1 nat."""
    spec = ClaimSpec(
        statistic="mean per-sequence loss, first copy minus second copy (nats)",
        estimator="mean_difference", design="paired", null=LOSS_MARGIN.value,
        alternative="greater", n=SIZES[profile.name].seqs, thresholds={"margin": LOSS_MARGIN},
        looks=HALVES, reference="peer function: transformer_lens.evals.induction_loss (no figure)")
    claim.declare(spec)
    copy_len = SIZES[profile.name].copy_len
    claim.note(copy_length=copy_len)
    seqs, offset = _sequences(claim, model, corpus_tokens, profile)

    def measure(start, stop):  # sequences start..stop-1: mean loss on each copy
        return copy_losses(token_losses(model.bridge, seqs[start:stop]), copy_len, offset)

    result, (first, second) = claim.sequential(measure)
    claim.note(loss_first_copy=float(first.mean()), loss_second_copy=float(second.mean()))
    claim.conclude(result)


@pytest.mark.claim(
    "induction.heads_exist",
    statement="Some attention head attends from a token in the second copy to the token right "
              "after that token's earlier occurrence.",
    source=SOURCE,
    requires=("attention",),
)
def test_induction_heads_exist(claim, model, corpus_tokens, profile):
    """The best head, chosen on half the sequences, scores above 0.4 on the other half."""
    sizes = SIZES[profile.name]
    half = sizes.seqs // 2
    spec = ClaimSpec(
        statistic="mean induction score of the selected head on held-out sequences",
        estimator="mean", design="one-sample", null=SCORE_FLOOR.value, alternative="greater",
        n=sizes.seqs - half, thresholds={"score_floor": SCORE_FLOOR}, looks=HALVES,
        primary="head chosen on the first half, tested on the second (no double dipping); the "
                "second half looked at sequentially",
        reference="GPT-2 small: L5H5 0.93, L6H9 0.91, L7H10 0.91 (CLAIMS.md, a secondary source)",
        reference_effect=0.93)  # the best head's score, as the selected head is this model's best
    claim.declare(spec)
    claim.note(copy_length=sizes.copy_len)
    seqs, offset = _sequences(claim, model, corpus_tokens, profile)
    selection = induction_scores(model.bridge, seqs[:half], sizes.copy_len, offset)
    layer, head = np.unravel_index(selection.mean(0).argmax(), selection.shape[1:])

    def measure(start, stop):  # held-out sequences start..stop-1: the selected head's score
        return (induction_scores(model.bridge, seqs[half + start:half + stop], sizes.copy_len,
                                 offset)[:, layer, head],)

    claim.note(selected_head=f"L{layer}H{head}",
               selection_half_score=float(selection[:, layer, head].mean()))
    result, _ = claim.sequential(measure)
    claim.conclude(result)
