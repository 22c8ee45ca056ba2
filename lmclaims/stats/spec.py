"""What a claim promises before it runs, and what the statistics give back.

A `ClaimSpec` is the pre-registration: it is built before any measurement and
rendered beside the result, so a reader sees what was promised and what came out.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Literal, get_args

Design = Literal["one-sample", "paired", "unpaired"]
Alternative = Literal["greater", "less", "equivalent"]
Verdict = Literal["holds", "equivalent", "contradicted", "inconclusive", "underpowered", "n/a", "error"]
VERDICTS: tuple[str, ...] = get_args(Verdict)  # in the order reports list them
TESTED = VERDICTS[:5]  # verdicts of a claim that ran its test (and has a p-value)
SHOWN = ("holds", "equivalent")  # verdicts that pass the claim's pytest test
ALPHA = 0.025  # one-sided level of every claim unless its spec says otherwise
MAX_CENSORED = 0.25  # censored share per sample beyond which a median is not estimated (n/a)


@dataclass(frozen=True)
class Threshold:
    """A number fixed before the run, with the reason it has that value."""

    value: float
    why: str


@dataclass(frozen=True)
class ClaimSpec:
    """The pre-registered protocol of one claim test."""

    statistic: str  # what is estimated, in words, e.g. "median onset ratio, real / synthetic"
    estimator: str  # name of the estimator in lmclaims.stats.estimators, e.g. "ratio_of_medians"
    design: Design  # paired (same unit under two conditions), unpaired, or one-sample
    null: float  # the value of the statistic under "no effect" (1 for ratios, 0 or a margin for differences)
    alternative: Alternative  # the side the claim predicts: estimate > null ("greater"), < null
    #                           ("less"), or within `margin` of it ("equivalent": two one-sided tests)
    n: int  # planned sample size (units: prompts, sequences, seeds)
    alpha: float = ALPHA  # the claim's one-sided level before the run's error budget: the verdict is
    #                       decided at alpha times the claim's share of the budget (stats.budget),
    #                       and the interval shown is the two-sided 1 - 2 * (that level)
    thresholds: dict[str, Threshold] = field(default_factory=dict)  # named constants with reasons
    primary: str = ""  # which of several measurements decides the verdict, if more than one
    reference: str = ""  # the published figure to compare with, if any
    margin: float | None = None  # "equivalent" claims: the declared margin of no practical
    #   difference, a factor > 1 for ratios (region [null / margin, null * margin]) or a positive
    #   distance for differences and means (region [null - margin, null + margin])
    reference_effect: float | None = None  # the published effect in the statistic's units; where
    #   it lies nearer the null than the MDE, an undecided claim is "underpowered" (with n needed)
    max_censored: float = MAX_CENSORED  # censored share per sample beyond which the claim is n/a
    looks: tuple[float, ...] = ()  # group-sequential plan (stats.sequential): looks at these
    #   fractions of n, ending at 1, each at its share of the level; () = one look at n

    def __post_init__(self) -> None:
        if not isinstance(self.primary, str):
            raise ValueError(f"ClaimSpec.primary is free text naming the measurement that decides the "
                             f"verdict; got {type(self.primary).__name__}. A claim's headline "
                             f"parametrisation goes in the marker: @pytest.mark.claim(..., primary={{...}})")
        if self.looks:
            look_sizes(tuple(self.looks), self.n)

    @property
    def confidence_level(self) -> float:
        """Two-sided level whose one-sided tail equals alpha (before the run's budget)."""
        return 1.0 - 2.0 * self.alpha

    def region(self, log_scale: bool) -> tuple[float, float]:
        """The equivalence region [low, high] in the statistic's units (ValueError without a margin)."""
        m = self.margin
        if m is None or not m > (1.0 if log_scale else 0.0):
            need = "a factor > 1 for a ratio" if log_scale else "a positive distance"
            raise ValueError(f"alternative 'equivalent' needs margin= {need}, got {m!r}")
        return (self.null / m, self.null * m) if log_scale else (self.null - m, self.null + m)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class TestResult:
    """What the statistics module returns for one claim."""

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float  # one-sided, in the direction of the alternative (equivalence: the larger
    #                 of the two one-sided p-values, TOST)
    n: int  # samples actually used (per group for unpaired designs: the smaller group)
    verdict: Verdict  # decided at `level`, the level the pytest outcome and the report both use
    ci_method: str  # "bootstrap-t", "sign test ...", "exact binomial ...", then "; <why>" where needed
    mde: float  # minimum detectable effect at this n (power 0.8 at `level`); NaN where the level
    #             is unattainable or the data cannot be tested (the reason is in ci_method)
    n_resamples: int  # resamples actually used (raised where the profile's were too few for `level`)
    n_needed: int = 0  # where `level` is unattainable at this n, or the claim is underpowered for its
    #                    reference effect: the n at which it would not be
    parts: tuple = ()  # compound claims: ((part name, TestResult), ...), each with its own numbers
    deciding_part: str = ""  # compound claims: the name of the part whose numbers these are
    level: float = float("nan")  # one-sided level of the decision; the interval is at 1 - 2 * level
    reference_effect: float = float("nan")  # the spec's reference effect, NaN if none
    n_budget: int = 0  # sequential claims (stats.sequential): the planned n, of which `n` were used
    looks: tuple = ()  # sequential claims: one dict per look taken (n, level, verdict, estimate, ...)
    level_spent: float = float("nan")  # sequential claims: the levels of the looks taken, summed

    __test__ = False  # not a pytest test class despite the name

    def to_dict(self) -> dict:
        return asdict(self)


def look_sizes(fractions: tuple[float, ...], n: int) -> list[int]:
    """The sample sizes ceil(t_k n) of a group-sequential plan's looks (stats.sequential).

    Raises ValueError (one line) where the fractions are not increasing in (0, 1] ending at 1,
    or two looks round to the same n, or the first look has fewer than 3 units."""
    ok = (len(fractions) > 0 and fractions[0] > 0 and all(a < b for a, b in zip(fractions, fractions[1:]))
          and fractions[-1] == 1.0)
    if not ok:
        raise ValueError(f"looks must be increasing fractions of n in (0, 1] ending at 1, e.g. "
                         f"(0.5, 1.0); got {fractions}")
    sizes = [math.ceil(t * n - 1e-9) for t in fractions]
    if sizes[0] < 3 or any(a >= b for a, b in zip(sizes, sizes[1:])):
        raise ValueError(f"looks {fractions} of n={n} give sample sizes {sizes}: each look needs "
                         f"at least 3 units and more than the look before; use fewer looks or a larger n")
    return sizes
