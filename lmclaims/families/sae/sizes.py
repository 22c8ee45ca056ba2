"""Sizes of the SAE family per `--claims-profile`, looked up by `profile.name`.

standard is what a 2-core CPU affords (costs in the README); full is the gated-SAE paper's
scale in spirit (expansion 16 and more, hundreds of millions of tokens there; far more than a
CPU affords, meant for a GPU).

The sparsity grids were set so that the two architectures' FVU ranges overlap on the default
model (gated SAEs reach a given FVU at a larger coefficient); they were chosen from FVU ranges
alone, before any L0 comparison, and are fixed for every model.
"""

from __future__ import annotations

from dataclasses import dataclass

from lmclaims.profiles import by_profile


@dataclass(frozen=True)
class SaeSizes:
    depth: float  # relative depth of the SAE's layer (blocks.{L}.hook_resid_pre), 0 to 1
    train_prompts: int  # prompts whose content tokens train every SAE
    eval_prompts: int  # held-out prompts for FVU, L0, dead latents and shrinkage
    prompt_len: int  # tokens per prompt, BOS included
    expansion: int  # SAE width = expansion * d_model
    steps: int  # Adam steps per SAE
    batch: int  # tokens per step
    seeds: int  # training seeds per (architecture, sparsity): the unit of the sweep claims
    relu_l1: tuple[float, ...]  # sparsity coefficients swept for the ReLU SAE
    gated_l1: tuple[float, ...]  # sparsity coefficients swept for the gated SAE
    splice_prompts: int  # held-out prompts for the splice claims (the unit)
    splice_len: int  # tokens per splice prompt, BOS included
    feature_bases: int  # bases of the feature-direction sweep
    feature_steps: int  # sweep points of that sweep


SIZES = by_profile(
    smoke=SaeSizes(depth=0.5, train_prompts=32, eval_prompts=8, prompt_len=64, expansion=1,
                  steps=100, batch=128, seeds=4, relu_l1=(0.05, 0.15, 0.45),
                  gated_l1=(0.1, 0.3, 0.9),
                  splice_prompts=12, splice_len=32, feature_bases=16, feature_steps=12),
    standard=SaeSizes(depth=0.5, train_prompts=64, eval_prompts=24, prompt_len=128, expansion=2,
                  steps=160, batch=256, seeds=8, relu_l1=(0.05, 0.15, 0.45),
                  gated_l1=(0.1, 0.3, 0.9),
                  splice_prompts=24, splice_len=64, feature_bases=32, feature_steps=16),
    full=SaeSizes(depth=0.5, train_prompts=2048, eval_prompts=256, prompt_len=128, expansion=16,
                  steps=20000, batch=4096, seeds=8, relu_l1=(0.02, 0.05, 0.1, 0.2, 0.5, 1.0),
                  gated_l1=(0.03, 0.1, 0.2, 0.4, 1.0, 2.0), splice_prompts=200, splice_len=128,
                  feature_bases=200, feature_steps=40),
)


def sae_sizes(profile) -> SaeSizes:
    """The SaeSizes of a Profile (by its name); ValueError naming the known profiles."""
    try:
        return SIZES[profile.name]
    except KeyError:
        raise ValueError(f"no SAE sizes for profile {profile.name!r}: add one to "
                         f"lmclaims/families/sae/sizes.py ({', '.join(SIZES)} exist)") from None
