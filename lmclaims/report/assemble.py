"""From raw records and test outcomes to the report's data: verdicts under the run's plan, header."""

from __future__ import annotations

import datetime as dt
import platform
from typing import Any

from lmclaims.environment import installed_version, lock_differences
from lmclaims.stats import budget
from lmclaims.stats.spec import ALPHA, TESTED

NOT_RUN = "did not run: the session was interrupted, timed out, or its worker died"
LIBRARIES = ("lmclaims", "torch", "transformer-lens", "transformers", "scipy", "numpy", "datasets")


def library_versions() -> dict[str, str]:
    return {"python": platform.python_version(),
            **{name: installed_version(name) or "not installed" for name in LIBRARIES}}


def _is_claim(nodeid: str, records: dict, claim_files: set[str]) -> bool:
    return nodeid in records or nodeid.split("::")[0] in claim_files or nodeid.startswith("claims/")


def raw_verdict(record: dict, outcome: dict | None) -> tuple[str, str]:
    """The raw verdict and its one-line reason, from the record and the test's outcome."""
    result = record.get("result")
    if outcome is None:
        return "error", NOT_RUN
    if outcome["outcome"] == "skipped" and "expected" not in outcome:
        return "n/a", outcome.get("reason", "skipped")
    if result:
        return result["verdict"], record.get("message", "")
    if outcome["outcome"] == "failed" or "expected" in outcome:
        return "error", outcome.get("reason", "failed before recording a verdict")
    return "error", "the test finished without recording a verdict (claim.conclude was not called)"


def _claim_entry(nodeid: str, record: dict, outcome: dict | None) -> dict[str, Any]:
    verdict, reason = raw_verdict(record, outcome)
    result = record.get("result") or {}
    return {
        "id": record.get("id", nodeid.split("::")[-1]), "nodeid": nodeid,
        "params": record.get("params", {}), "verdict": verdict, "verdict_raw": verdict,
        "statement": record.get("statement", ""), "source": record.get("source", ""),
        "estimate": result.get("estimate"), "ci_low": result.get("ci_low"),
        "ci_high": result.get("ci_high"), "n": result.get("n"), "p_value": result.get("p_value"),
        "p_adjusted": None, "mde": result.get("mde"), "n_needed": result.get("n_needed") or None,
        "level": result.get("level"), "reference_effect": result.get("reference_effect"),
        "ci_method": result.get("ci_method"), "weight": record.get("weight"),
        "role": record.get("role"), "n_budget": result.get("n_budget") or None,
        "level_spent": result.get("level_spent"),
        "spec": record.get("spec"), "reason": reason, "note": "",
        "expected": (outcome or {}).get("expected"), "figures": record.get("figures", []),
        "test_outcome": (outcome or {}).get("outcome", "not run"),
        "details": record.get("details", {}), "seed": record.get("seed"),
        "duration": (outcome or {}).get("duration"),
    }


def partial_run(claims: list[dict], family_size: int, interrupted: bool) -> str | bool:
    """False for a run of the whole family; else a phrase saying how much of it ran."""
    ran = sum(c["test_outcome"] != "not run" for c in claims)
    if ran >= family_size and not interrupted:
        return False
    why = "the run was interrupted" if interrupted else "the others were not selected or did not run"
    return f"{ran} of the {family_size} claims in the family ran; {why}"


def apply_plan(claims: list[dict], family_size: int) -> int:
    """Set each claim's `verdict`, `p_adjusted` and `note` under the run's plan; in place.

    The plan (stats.budget) decides each claim test at alpha_i = alpha w_i in the test itself
    (a sequential claim at its stopping look's share of that), so the verdict is the recorded one
    (`verdict_raw`), the same as the pytest outcome whatever else ran; `p_adjusted` is the
    weighted Bonferroni p, min(1, p alpha / level), which is <= alpha exactly where the one-sided
    test was shown (reports without a level: min(1, K p)). Returns K: family_size, or the number
    of claims where larger.
    """
    family = max(family_size, len(claims))
    for entry in claims:
        entry["verdict"], entry["note"] = entry["verdict_raw"], ""
        p = entry["p_value"] if entry["verdict_raw"] in TESTED else None
        level, alpha = entry.get("level"), (entry.get("spec") or {}).get("alpha", ALPHA)
        scale = alpha / level if isinstance(level, float) and level > 0 else family
        entry["p_adjusted"] = None if p is None else min(1.0, p * scale)
    return family



def assemble(header: dict, records: dict, outcomes: dict, expected: list[str],
             interrupted: bool) -> dict[str, Any]:
    """The report as plain data: {"run": header, "claims": [...]}, verdicts under the plan.

    The family is `header["family"]["size"]` (every claim test in the claim modules collected),
    each claim decided at its weight's share of alpha in its own test (stats.budget), so no
    verdict depends on what else was selected or finished; the run header states the plan.
    """
    claim_files = {n.split("::")[0] for n in records}
    nodeids = [n for n in dict.fromkeys([*expected, *records, *outcomes])
               if _is_claim(n, records, claim_files)]
    claims = [_claim_entry(n, records.get(n, {}), outcomes.get(n)) for n in nodeids]
    family = apply_plan(claims, (header.get("family") or {}).get("size") or 0)
    run = {**header, "error_budget": budget.describe({**(header.get("family") or {}), "size": family}, ALPHA),
           "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
           "libraries": library_versions(), "not_as_locked": lock_differences() or "none",
           "interrupted": interrupted, "partial": partial_run(claims, family, interrupted),
           "claims_total": len(claims)}
    return {"run": run, "claims": claims}
