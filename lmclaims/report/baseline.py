"""What changed between a baseline claims report and this run (rows keyed as in compare)."""

from __future__ import annotations

from lmclaims.report.compare import (
    claim_name, interval, label, number, protocol_differences, rows_of,
)
from lmclaims.report.escape import md

NO_CHANGES = ("No changes: no claim started or stopped holding, and every effect's interval "
              "overlaps its baseline's.")


def _apart(before: dict, after: dict) -> bool:
    """True if both claims have intervals and they do not overlap."""
    b = [number(before.get(k)) for k in ("ci_low", "ci_high")]
    a = [number(after.get(k)) for k in ("ci_low", "ci_high")]
    if None in a or None in b:
        return False
    return a[0] > b[1] or a[1] < b[0]


def _line(before: dict, after: dict) -> str:
    return (f"- {claim_name(after)}: {md(before.get('verdict'), 40)} {interval(before)} → "
            f"{md(after.get('verdict'), 40)} {interval(after)}")


def _group(title: str, pairs: list[tuple[dict, dict]]) -> list[str]:
    if not pairs:
        return []
    return [f"**{title}** ({len(pairs)}):", "", *(_line(b, a) for b, a in pairs), ""]


def _heading(baseline: dict) -> str:
    run = baseline["run"]
    return (f"## Changes against {md(label(baseline), 80)} (profile {md(run.get('profile', '?'))}, "
            f"{md(run.get('date', 'undated'))})")


def _membership(base: dict, cur: dict) -> list[str]:
    new, gone = len(cur.keys() - base.keys()), len(base.keys() - cur.keys())
    if not new and not gone:
        return []
    return [f"{new} claim(s) of this run are not in the baseline; {gone} of the baseline's are "
            f"not in this run.", ""]


def changes_against(baseline: dict, current: dict) -> list[str]:
    """Markdown lines: claims that started or stopped holding, and effects that moved apart."""
    base, cur = rows_of(baseline), rows_of(current)
    common = [(base[k], cur[k]) for k in cur if k in base]
    started = [(b, a) for b, a in common if a.get("verdict") == "holds" != b.get("verdict")]
    stopped = [(b, a) for b, a in common if b.get("verdict") == "holds" != a.get("verdict")]
    apart = [(b, a) for b, a in common if _apart(b, a)]
    lines = [_heading(baseline), ""]
    protocol = protocol_differences(baseline, current)
    if protocol:
        lines += ["⚠️ This run's protocol differs from the baseline's, so changes may come from "
                  "the protocol: " + "; ".join(protocol), ""]
    body = (_group("Started holding", started) + _group("Stopped holding", stopped)
            + _group("Effect intervals no longer overlap", apart))
    lines += (body or [NO_CHANGES, ""]) + _membership(base, cur)
    while lines and not lines[-1]:
        lines.pop()
    return lines
