"""Sample-size profiles: `--claims-profile smoke|standard|full`.

One table sets the sample size of every claim, so a run is either quick (smoke),
affordable on a 2-core CPU in CI (standard), or as large as the published work
(full, meant for a GPU). Costs measured on a 2-core CPU are in the README.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    name: str
    unigram_docs: int  # documents for model.beats_unigram (paired per document)
    unigram_tokens: int  # tokens per document window
    induction_seqs: int  # repeated random-token sequences for the induction claims
    induction_len: int  # length of one copy (the sequence is twice this, plus BOS)
    fit_acts: int  # real activations used to fit the synthetic Gaussian (>= 512 per CLAIMS.md)
    plateau_bases: int  # base points per condition for plateau / direction claims
    sweep_steps: int  # points of the perturbation sweep t in [0, t_max]
    curve_bases: int  # bases drawn in the f(t) figures
    residual_prompts: int  # prompts for residual.direction_over_norm
    toy_seeds: int  # training seeds per regime for toy.superposition_when_sparse
    n_resamples: int  # bootstrap and permutation resamples


PROFILES: dict[str, Profile] = {
    "smoke": Profile("smoke", 16, 32, 16, 16, 512, 16, 12, 12, 12, 6, 999),
    "standard": Profile("standard", 32, 64, 32, 32, 512, 48, 16, 24, 32, 12, 4999),
    "full": Profile("full", 256, 256, 200, 64, 1024, 1000, 40, 64, 256, 20, 9999),
}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(
            f"unknown profile {name!r}: choose one of {', '.join(PROFILES)} (--claims-profile)"
        ) from None
