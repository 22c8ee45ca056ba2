"""Statistics of claim tests: each estimator's own test and inverted interval at the decision
level, the run's error budget (weighted Bonferroni), group-sequential looks, equivalence (TOST),
power and censoring."""

from .estimators import ESTIMATORS
from .inference import decide, decide_batch
from .multiplicity import final_verdict, holm, intersection_union, part_rows
from .sequential import HALVES, decide_sequential
from .spec import VERDICTS, ClaimSpec, TestResult, Threshold

__all__ = ["ClaimSpec", "Threshold", "TestResult", "VERDICTS", "decide", "decide_batch", "holm",
           "final_verdict", "intersection_union", "part_rows", "ESTIMATORS", "decide_sequential", "HALVES"]
