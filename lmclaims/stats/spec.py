"""What a claim promises before it runs, and what the statistics give back.

A `ClaimSpec` is the pre-registration: it is built before any measurement and
rendered beside the result, so a reader sees what was promised and what came out.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal, get_args

Design = Literal["one-sample", "paired", "unpaired"]
Alternative = Literal["greater", "less"]
Verdict = Literal["holds", "contradicted", "inconclusive", "n/a", "error"]
VERDICTS: tuple[str, ...] = get_args(Verdict)  # in the order reports list them
TESTED = VERDICTS[:3]  # verdicts of a claim that ran its test (and has a p-value)
ALPHA = 0.025  # one-sided level of every claim unless its spec says otherwise


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
    alternative: Alternative  # the side the claim predicts: estimate > null ("greater") or < null ("less")
    n: int  # planned sample size (units: prompts, sequences, seeds)
    alpha: float = ALPHA  # one-sided level; the interval shown is the two-sided 1 - 2*alpha (95%)
    thresholds: dict[str, Threshold] = field(default_factory=dict)  # named constants with reasons
    primary: str = ""  # which of several measurements decides the verdict, if more than one
    reference: str = ""  # the published figure to compare with, if any

    @property
    def confidence_level(self) -> float:
        """Two-sided level whose one-sided tail equals alpha."""
        return 1.0 - 2.0 * self.alpha

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class TestResult:
    """What the statistics module returns for one claim."""

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float  # one-sided, in the direction of the alternative
    n: int  # samples actually used (per group for unpaired designs: the smaller group)
    verdict: Verdict  # from the interval and the raw p-value; the report re-decides with Holm
    ci_method: str  # "bootstrap-t", "BCa", "exact binomial ...", then "; <why>" where it degenerates
    mde: float  # minimum detectable effect at this n (power 0.8, level alpha); NaN where the level
    #             is unattainable or the data cannot be tested (the reason is in ci_method)
    n_resamples: int
    n_needed: int = 0  # where alpha is unattainable at this n: the smallest n at which it is
    parts: tuple = ()  # compound claims: ((part name, TestResult), ...), each with its own numbers
    deciding_part: str = ""  # compound claims: the name of the part whose numbers these are

    __test__ = False  # not a pytest test class despite the name

    def to_dict(self) -> dict:
        return asdict(self)
