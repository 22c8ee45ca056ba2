"""Plain-text lines for the terminal: one finished claim, and the closing results table
(verdict counts, then one row per claim id over its parametrisations, as lm-evaluation-harness
prints its results table). Pure: data in, text out."""

from __future__ import annotations

from collections import Counter

from lmclaims.report import fmt
from lmclaims.report.markdown import verdict_counts
from lmclaims.stats.spec import VERDICTS


def claim_line(done: int, total: int, entry: dict, verdict: str, seconds: float | None,
               left: float | None) -> str:
    """'[ 3/32] id (depth=0.1): holds 1.36 [1.04, 1.85] · 83 s · about 4 min left'."""
    params = fmt.params(entry)
    name = entry.get("id", "?") + (f" ({params})" if params != "–" else "")
    numbers = f" {fmt.estimate(entry)}" if entry.get("estimate") is not None else ""
    took = f" · {seconds:.0f} s" if seconds is not None else ""
    eta = f" · about {_duration(left)} left" if left is not None and done < total else ""
    width = len(str(total))
    return f"[{done:>{width}}/{total}] {name}: {verdict}{numbers}{took}{eta}"


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def results_table(claims: list[dict]) -> list[str]:
    """Verdict counts, then a fixed-width table: claim | tests | verdicts | estimates (range)."""
    by_id: dict[str, list[dict]] = {}
    for c in claims:
        by_id.setdefault(str(c.get("id")), []).append(c)
    rows = [("claim", "tests", "verdicts (each at its level)", "estimates")]
    for cid, group in by_id.items():
        counts = Counter(c.get("verdict") for c in group)
        verdicts = ", ".join(f"{counts[v]} {v}" for v in VERDICTS if counts.get(v))
        values = [c["estimate"] for c in group if isinstance(c.get("estimate"), (int, float))]
        shown = ("–" if not values else fmt.num(values[0]) if len(values) == 1
                 else f"{fmt.num(min(values))} to {fmt.num(max(values))}")
        rows.append((cid, str(len(group)), verdicts, shown))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["|" + "|".join(f" {cell:<{w}} " for cell, w in zip(row, widths)) + "|" for row in rows]
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return [verdict_counts(claims), "", lines[0], rule, *lines[1:]]
