"""Sample sizes of residual.direction_over_norm per profile."""

from dataclasses import dataclass

from lmclaims.profiles import by_profile


@dataclass(frozen=True)
class ResidualSizes:
    prompts: int  # prompts, one activation each (paired rescale vs orthogonal)


SIZES = by_profile(smoke=ResidualSizes(prompts=12), standard=ResidualSizes(prompts=32),
                   full=ResidualSizes(prompts=256))
