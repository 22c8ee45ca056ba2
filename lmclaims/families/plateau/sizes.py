"""Sample sizes of the plateau and sensitive-direction claims per profile."""

from dataclasses import dataclass

from lmclaims.profiles import by_profile


@dataclass(frozen=True)
class PlateauSizes:
    bases: int  # base points per condition
    fit_acts: int  # real activations fitting the synthetic Gaussian (>= 512, per the brief)
    sweep_steps: int  # points of the perturbation sweep t in [0, t_max]


SIZES = by_profile(smoke=PlateauSizes(bases=16, fit_acts=512, sweep_steps=12),
                   standard=PlateauSizes(bases=48, fit_acts=512, sweep_steps=16),
                   full=PlateauSizes(bases=1000, fit_acts=1024, sweep_steps=40))
