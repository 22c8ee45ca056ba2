"""Published figures of the plateau family, with their sources, in the units they were reported in.

GPT-2 small figures are the LASR re-implementation's notebook outputs (jettjaniak/teren). A read
of `notebooks/experiment_plateaus.ipynb` (commit 0381673): `get_perturbed_acts` swaps start and
end and then draws a fresh Gaussian end point, so "Other Act" is a real activation moved toward
a covariance-Gaussian sample and "Random" is a Gaussian sample moved toward another one: the
plateau figures compare real with synthetic *bases* (our `real+cov` / `synthetic+cov`). Max-slope
figures (`notebooks/replications.ipynb`) sweep 100 fractions of the path from a real base to
another real activation ("Model Generated") or to a Gaussian sample ("Random"). Both read the
L2 distance at blocks.11.hook_resid_post, writing at blocks.1.hook_resid_pre.

"Published code on this model" figures are CLAIMS.md's peer table: the same code on the default
model (Gemma 3 270M, blocks.1.hook_resid_pre -> last block, step and threshold rescaled to the
model's norms), and on its random-weights control.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """Mean and standard deviation of each arm's statistic, the KS distance between them, n."""

    a: tuple[float, float]
    b: tuple[float, float]
    ks: float
    n: int
    source: str

    @property
    def ratio(self) -> float:
        """Ratio of the two arms' means, as the published figures are compared."""
        return self.a[0] / self.b[0]


@dataclass(frozen=True)
class Published:
    """A published measurement of one design: where and how it was taken, and its figures."""

    setting: str
    gpt2: Figure
    peer: Figure  # the published code on the default model
    peer_random: Figure  # the published code on the default model's random-weights control
    peer_model: str = "gemma-3-270m"  # the model the peer figures are about (random: "random:" + this)
    peer_readout: str = "l2"
    peer_depth: str = "early"  # nearest of our depths to the peer's blocks.1.hook_resid_pre

    def peer_for(self, label: str) -> Figure | None:
        """The peer figure about the model `label` (trained or its random control), else None."""
        return {self.peer_model: self.peer, f"random:{self.peer_model}": self.peer_random}.get(label)


PEER = "CLAIMS.md peer table: the LASR code on gemma-3-270m, BBC news, 10-token prompts"

PLATEAU_LENGTH = Published(
    setting="plateau length in steps of 1/100 of the median real-to-real distance (GPT-2: 0.5), first "
            "crossing of a threshold of 10% of the median full-swap L2 change (GPT-2: L2 = 20) within "
            "min(target, 100 steps), else 100; real base vs Gaussian base, both toward a Gaussian sample",
    gpt2=Figure((15.12, 8.62), (8.33, 3.80), 0.568, 1000,
                "jettjaniak/teren notebooks/experiment_plateaus.ipynb, 'Other Act' vs 'Random'"),
    peer=Figure((35.27, 24.95), (21.91, 17.09), 0.275, 200, PEER),
    peer_random=Figure((7.68, 0.63), (7.90, 0.87), 0.12, 100, PEER + ", random weights"))

MAX_SLOPE_STEP = Published(
    setting="max-slope step of 100 along the whole path from a real base to its target: another "
            "real activation vs a Gaussian sample (paired by base)",
    gpt2=Figure((51.65, 7.42), (64.89, 10.50), 0.62, 1000,
                "jettjaniak/teren notebooks/replications.ipynb, 'Model Generated' vs 'Random'"),
    peer=Figure((48.80, 11.25), (57.13, 15.82), 0.310, 200, PEER),
    peer_random=Figure((22.10, 6.28), (20.73, 7.05), 0.15, 100, PEER + ", random weights"))

SEED_POST_PLATEAU = ("seed post (Heimersheim 2024), qualitative: real activations sit on plateaus "
                     "that synthetic ones lack; no figure exists for this exact design")
ISOTROPIC = ("seed report and Lee & Heimersheim 2024: isotropic directions are 'much less "
             "sensitive' (qualitative)")
IMPROVED = "Lee & Heimersheim 2024 report minimal practical differences once the baseline does not involve the base"
