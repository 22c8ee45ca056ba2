"""Sample-size profiles: `--claims-profile smoke|standard|full`.

A profile is quick (smoke), affordable on a 2-core CPU (standard), or as large as the
published work (full, meant for a GPU). Each claim family keeps its own sizes beside its
measurement (`lmclaims/families/<family>/sizes.py`), built with `by_profile(smoke=...,
standard=..., full=...)`; this module holds what every family shares. Costs measured on a
2-core CPU are in the README.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Profile:
    name: str  # smoke | standard | full: picks each family's sizes
    n_resamples: int  # bootstrap and permutation resamples of every claim


PROFILES: dict[str, Profile] = {
    "smoke": Profile(name="smoke", n_resamples=999),
    "standard": Profile(name="standard", n_resamples=4999),
    "full": Profile(name="full", n_resamples=9999),
}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(
            f"unknown profile {name!r}: choose one of {', '.join(PROFILES)} (--claims-profile)"
        ) from None


def by_profile(**sizes: T) -> dict[str, T]:
    """A family's sizes keyed by profile name; raise ValueError unless exactly every profile is given."""
    if set(sizes) != set(PROFILES):
        raise ValueError(f"sizes given for {sorted(sizes)}; give exactly {sorted(PROFILES)}")
    return dict(sizes)
