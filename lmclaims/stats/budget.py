"""The run's one error budget: every claim test decided at its weight's share of alpha.

The plan, fixed at collection before any claim runs (weighted Bonferroni): the family is
every claim test of the collected claim modules (`plugin.family`), K of them, and claim
test i is decided at the one-sided level alpha_i = alpha * w_i with sum_i w_i = 1. By
Bonferroni's inequality, over all K tests

    P(any false "holds") <= sum_i alpha_i = alpha,
    P(any false "contradicted") <= alpha        (directional errors, Shaffer 1980),

whatever the dependence between the claims and whatever the weights, as long as they are
fixed before the data are seen and sum to 1 (the weighted Bonferroni test; Holm 1979, Scand.
J. Statist. 6, 65-70, section 5; Bretz, Maurer, Brannath & Posch 2009, Statist. Med. 28(4),
586-604, its graphs without propagation). Each test needs only its own p-value and weight:
the pytest outcome and the report's verdict are the same decision, whatever `-k` selects.
"Equivalent" (two one-sided tests, each at alpha_i) is a false discovery of the same kind as
"holds" and shares its budget.

The weights (`weights`): a claim id c with k_c tests keeps the share s_c = k_c / K it has
under equal weights, so declaring primaries in one claim never changes another claim's level.
Inside c, where the marker names primary parametrisations (p_c of its k_c tests), the
primaries share q_c = max(PRIMARY_SHARE, p_c / k_c) of s_c and the secondaries the rest:

    w_primary = q_c * s_c / p_c,   w_secondary = (1 - q_c) * s_c / (k_c - p_c),

so a primary never gets less than a secondary (where half or more of the tests are primary,
every test of c gets s_c / k_c).

With no primaries (or all tests primary) w_i = 1 / K: the equal plan. PRIMARY_SHARE = 1/2
caps what the secondaries lose at a factor 2 of level (k_c / (2 (k_c - 1)) of it with one
primary, about 0.1 in z at these levels), while one primary of k_c tests gains a factor
k_c / 2 (9 for the plateau claims' 18 parametrisations). Gatekeeping (passing a primary's
level on to its secondaries once it holds; Wiens 2003, Pharm. Stat. 2(3), 211-215) would give
more, but a secondary's outcome would then depend on whether its primary ran and held,
which `-k` can change: not allowed here.

The plugin enters the test's weight for the duration of each claim test (`entered`);
`decide` reads it through `decision_level`. Outside a claim test the share is 1: a test of
the statistics decides at the spec's alpha.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from contextvars import ContextVar

_SHARE: ContextVar[float] = ContextVar("lmclaims_budget_share", default=1.0)
PLAN = "weighted Bonferroni"
PRIMARY_SHARE = 0.5  # of a claim id's share, to its primary parametrisations (module docstring)
ROLES = ("primary", "secondary", "equal")  # equal: the claim id declares no primary


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


def weights(members: Sequence[tuple[str, str, bool]]) -> dict[str, tuple[float, str]]:
    """{test: (weight w_i, role)} for members (test, claim id, is primary); the weights sum to 1.

    Roles: "primary" / "secondary" in a claim id that declares primaries, else "equal".
    Raises ValueError for an empty family or a test listed twice.
    """
    tests = [m[0] for m in members]
    if not tests:
        raise ValueError("an error budget needs at least one claim test")
    if len(set(tests)) != len(tests):
        raise ValueError("a claim test is listed twice in the family")
    size = len(members)
    by_claim: dict[str, list[tuple[str, bool]]] = {}
    for test, claim_id, primary in members:
        by_claim.setdefault(claim_id, []).append((test, bool(primary)))
    out: dict[str, tuple[float, str]] = {}
    for group in by_claim.values():
        k, p = len(group), sum(primary for _, primary in group)
        claim_share = k / size
        to_primaries = max(PRIMARY_SHARE, p / k)  # a primary never below a secondary's weight
        for test, primary in group:
            if p in (0, k):
                out[test] = (claim_share / k, "primary" if p else "equal")
            elif primary:
                out[test] = (to_primaries * claim_share / p, "primary")
            else:
                out[test] = ((1 - to_primaries) * claim_share / (k - p), "secondary")
    return out


def plan_rows(members: Sequence[tuple[str, str, bool]]) -> list[dict]:
    """Per claim id: its tests, primaries, and the weight of each role (for the report)."""
    w = weights(members)
    rows: dict[str, dict] = {}
    for test, claim_id, _ in members:
        row = rows.setdefault(claim_id, {"id": claim_id, "tests": 0, "primaries": 0})
        weight, role = w[test]
        row["tests"] += 1
        row["primaries"] += role == "primary"
        row[f"weight_{role}"] = weight
    return list(rows.values())


def describe(family: dict, alpha: float) -> dict:
    """The plan as the report shows it, from the run's family ({"size", "plan": plan_rows}):
    the rule, what it controls, and each claim id's weight and level per role."""
    size = int(family.get("size") or 0) or 1
    rows = family.get("plan") or []
    weighted = [r for r in rows if r.get("primaries") and r["primaries"] < r["tests"]]
    if weighted:
        equal = sum(r["tests"] for r in rows if r not in weighted)
        rest = f"; the other {equal} tests at alpha / {size} = {alpha / size:.3g}" if equal else ""
        rule = (f"{PLAN}: {size} claim tests; each claim id keeps its share (its tests / {size}) of "
                f"alpha; where it declares primaries ({len(weighted)} of {len(rows)} claim ids), "
                f"the primaries share {PRIMARY_SHARE:g} of it (or their count's share, if larger) and the "
                f"secondaries the rest{rest}")
    else:
        rule = f"{PLAN} with equal weights: each of the {size} claim tests at one-sided level " \
               f"alpha / {size} = {alpha / size:.3g}"
    levels = [{**r, **{f"level_{role}": alpha * r[f"weight_{role}"] for role in ROLES
                       if f"weight_{role}" in r}} for r in rows]
    return {"plan": rule,
            "controls": f"P(any false holds or equivalent) <= {alpha:g} and P(any false "
                        f"contradicted) <= {alpha:g}, whatever the dependence between claims",
            "size": size, "alpha": alpha, "level": alpha / size, "primary_share": PRIMARY_SHARE,
            "claims": levels}
