"""Sample sizes of toy.superposition_when_sparse per profile."""

from dataclasses import dataclass

from lmclaims.profiles import by_profile


@dataclass(frozen=True)
class ToySizes:
    seeds: int  # training seeds per regime (dense, sparse)


SIZES = by_profile(smoke=ToySizes(seeds=6), standard=ToySizes(seeds=12), full=ToySizes(seeds=20))
