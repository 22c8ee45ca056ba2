"""Per-profile sizes of the training claims: seeds, steps and models, looked up by profile name.

Seeds are the sampling unit of every training claim. The suite decides each claim at the
its share of the run's alpha (stats.budget: alpha / K or less, K every claim test of the suite, about 80), and the bootstrap-t
interval is unbounded when more than that share of resamples repeat one value (n / n^n of
them): 5 seeds (0.16%) are too few, 6 (0.013%) just enough, so the standard profile trains 7. Costs are cold (training) on the
shared 2-core CPU; a warm run loads every checkpoint from the cache (see README).
"""

from __future__ import annotations

from dataclasses import dataclass

from lmclaims.profiles import by_profile


@dataclass(frozen=True)
class TrainingSizes:
    """How much the training claims train at one profile."""

    grok_seeds: int  # modular-addition runs (grokking.* claims)
    grok_steps: int  # full-batch AdamW steps of each grokking run
    ungrok_steps: int  # steps of each continued run (below and above the critical size)
    induction_seeds: int  # runs per model (two-layer and one-layer control)
    induction_steps: int  # minibatch steps of each text run
    poly_seeds: int  # toy models per neuron count (trained as one batch)
    plateau_seeds: int  # text-trained GPT-2-style runs for plateau.emerges_with_training
    plateau_steps: int  # minibatch steps of each of those runs
    plateau_bases: int  # base prompts per condition in each plateau measurement
    plateau_fit: int  # real activations fitted for the synthetic baseline (>= 512, CLAIMS.md)
    sweep_steps: int  # points of each perturbation sweep


SIZES = by_profile(
    smoke=TrainingSizes(grok_seeds=5, grok_steps=3000, ungrok_steps=1000, induction_seeds=5,
                        induction_steps=1500, poly_seeds=6, plateau_seeds=5, plateau_steps=300,
                        plateau_bases=16, plateau_fit=512, sweep_steps=12),
    standard=TrainingSizes(grok_seeds=7, grok_steps=4000, ungrok_steps=1500, induction_seeds=7,
                        induction_steps=2500, poly_seeds=16, plateau_seeds=7, plateau_steps=800,
                        plateau_bases=32, plateau_fit=512, sweep_steps=16),
    full=TrainingSizes(grok_seeds=20, grok_steps=8000, ungrok_steps=4000, induction_seeds=20,
                       induction_steps=5000, poly_seeds=40, plateau_seeds=12, plateau_steps=3000,
                       plateau_bases=64, plateau_fit=1024, sweep_steps=24),
)


def sizes_for(profile_name: str) -> TrainingSizes:
    """The sizes of `profile_name`; ValueError naming the known profiles otherwise."""
    try:
        return SIZES[profile_name]
    except KeyError:
        raise ValueError(f"no training sizes for profile {profile_name!r}: "
                         f"choose one of {', '.join(SIZES)}") from None
