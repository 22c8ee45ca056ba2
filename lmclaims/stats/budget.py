"""The run's one error budget: every claim test decided at its share of alpha (Bonferroni).

The plan, declared before any claim runs: the family is every claim test of the collected
claim modules (`plugin.family`), K of them, and claim test i is decided at the one-sided
level alpha_i = alpha * w_i with w_i = 1 / K. By Bonferroni's inequality, over all K tests

    P(any false "holds") <= sum_i alpha_i = alpha,
    P(any false "contradicted") <= alpha        (directional errors, Shaffer 1980),

whatever the dependence between the claims, and each test needs only its own p-value: the
pytest outcome and the report's verdict are the same decision, whatever `-k` selects, and a
claim that passes alone passes in the report. (Holm's step-down would reject at least as
much, but a test cannot see the others' p-values, so its outcome could differ from the
report's; Holm 1979, Scand. J. Statist. 6, 65-70.) "Equivalent" (two one-sided tests, each at
alpha_i) is a false discovery of the same kind as "holds" and shares its budget.

The plugin enters the claim's share for the duration of each claim test (`entered`); `decide`
reads it through `decision_level`. Outside a claim test the share is 1: a test of the
statistics decides at the spec's alpha.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

_SHARE: ContextVar[float] = ContextVar("lmclaims_budget_share", default=1.0)
PLAN = "Bonferroni"


def decision_level(alpha: float) -> float:
    """The one-sided level a claim with this alpha is decided at in the current claim test."""
    return alpha * _SHARE.get()


def share() -> float:
    """The current claim test's share w_i of the run's alpha (1 outside a claim test)."""
    return _SHARE.get()


@contextmanager
def entered(weight: float):
    """Decide claims at `weight` times their alpha inside the block (0 < weight <= 1)."""
    if not 0 < weight <= 1:
        raise ValueError(f"a share of the error budget lies in (0, 1], got {weight}")
    token = _SHARE.set(weight)
    try:
        yield
    finally:
        _SHARE.reset(token)


def describe(size: int, alpha: float) -> dict:
    """The plan as the report shows it: family size, per-claim level, what it controls."""
    return {"plan": f"{PLAN}: each of the {size} claim tests at one-sided level alpha / {size} "
                    f"= {alpha / size:.3g}",
            "controls": f"P(any false holds or equivalent) <= {alpha:g} and P(any false "
                        f"contradicted) <= {alpha:g}, whatever the dependence between claims",
            "size": size, "alpha": alpha, "level": alpha / size}
