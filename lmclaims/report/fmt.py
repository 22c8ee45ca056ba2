"""Number formatting shared by the report and the comparison matrix."""

from __future__ import annotations


def num(x: float | None, digits: int = 3) -> str:
    if x is None:
        return "–"
    if x != 0 and (abs(x) >= 1e4 or abs(x) < 1e-3):
        return f"{x:.{digits - 1}e}"
    return f"{x:.{digits}g}"


def p(x: float | None) -> str:
    if x is None:
        return "–"
    return "<0.001" if x < 1e-3 else f"{x:.3f}"


def estimate(entry: dict) -> str:
    """'1.74 [1.52, 1.98]' or a dash."""
    if entry.get("estimate") is None:
        return "–"
    return f"{num(entry['estimate'])} [{num(entry.get('ci_low'))}, {num(entry.get('ci_high'))}]"


def params(entry: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in (entry.get("params") or {}).items()) or "–"
