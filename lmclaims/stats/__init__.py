"""Statistics of claim tests: estimators, bootstrap intervals, permutation p-values, Holm."""

from .estimators import ESTIMATORS
from .inference import decide
from .multiplicity import final_verdict, holm, intersection_union, part_rows
from .spec import ClaimSpec, TestResult, Threshold

__all__ = ["ClaimSpec", "Threshold", "TestResult", "decide", "holm", "final_verdict",
           "intersection_union", "part_rows", "ESTIMATORS"]
