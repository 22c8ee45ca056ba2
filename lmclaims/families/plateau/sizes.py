"""Sample sizes of the plateau and sensitive-direction claims per profile."""

from dataclasses import dataclass

from lmclaims.profiles import by_profile

MIN_SWEEP_STEPS = 40  # points per path at any profile that decides a claim (issue 13): resolves
#                       1/39 of a path against published effects of about 8/100 (51.65 vs 64.89)
STANDARD_BASES = 96  # power 0.8 at the headline parametrisation's level (half its claim's share of
#   alpha, stats.budget) against the published max-slope ratio 0.854 on this model (CLAIMS.md): at
#   64 bases the main run's directions.toward_real_more_sensitive[lasr-early-l2] asked for n = 85
#   (MDE 0.834 at level 0.0027); 96 leaves room for the spread of that estimate
MIN_FIT_PER_DIM = 2  # Gaussian fitted on >= 2 x d_model activations: full rank, with room to spare


@dataclass(frozen=True)
class PlateauSizes:
    bases: int  # base points (paths) per condition
    fit_per_dim: int  # real activations fitting the synthetic Gaussian, per residual dimension
    sweep_steps: int  # points of each path, from its base (0) to its end (1)
    refine_every: int | None  # adaptive sweep's coarse step (`refine`), None: every point of every path.
    #   Chosen for the fewest rows on the default model's dense curves (n = 16 per depth): at 100
    #   points, every 4 evaluates 55-61% of them; at 40 points, every 3 evaluates 72-81%

    def fit_acts(self, d_model: int) -> int:
        """Activations the Gaussian is fitted on: fit_per_dim x d_model, and never under 512."""
        return max(512, self.fit_per_dim * d_model)


SIZES = by_profile(smoke=PlateauSizes(bases=16, fit_per_dim=2, sweep_steps=40, refine_every=3),
                   standard=PlateauSizes(bases=STANDARD_BASES, fit_per_dim=2, sweep_steps=40, refine_every=3),
                   full=PlateauSizes(bases=1000, fit_per_dim=2, sweep_steps=100, refine_every=4))
