"""Number formatting shared by the report and the comparison matrix."""

from __future__ import annotations


def num(x: float | None, digits: int = 3) -> str:
    if x is None:
        return "–"
    if x != 0 and (abs(x) >= 1e4 or abs(x) < 1e-3):
        return f"{x:.{digits - 1}e}"
    return f"{x:.{digits}g}"


def mde(entry: dict) -> str:
    """The MDE cell: the effect; where the level is unattainable at this n, or the claim is
    underpowered for its reference effect, also the n that would not be."""
    value, need = entry.get("mde"), entry.get("n_needed")
    shown = "–" if value is None or value != value else num(value)
    if need and entry.get("verdict") == "underpowered":
        return f"{shown} (reference needs n ≥ {need})"
    if need:
        return f"level unattainable (needs n ≥ {need})"
    return shown


def p(x: float | None, level: float | None = None) -> str:
    """A p-value with 3 significant digits, more where fewer would hide its side of `level`.

    0.0252 and 0.025 print as "0.0252" and "0.025"; 0.02504 against level 0.025 prints as
    "0.02504", never "0.025" (which would read as holding); small values in e-notation.
    """
    if x is None:
        return "–"
    for digits in range(3, 18):
        text = f"{x:.{digits}g}"
        shown = float(text)
        if level is None or shown == x or ((shown <= level) == (x <= level) and shown != level):
            return text
    return text


def interval(estimate: float | None, low: float | None, high: float | None, digits: int = 3) -> str:
    """'1.74 [1.52, 1.98]': an estimate and its interval, each with `num`."""
    return f"{num(estimate, digits)} [{num(low, digits)}, {num(high, digits)}]"


def estimate(entry: dict) -> str:
    """A report entry's '1.74 [1.52, 1.98]', or a dash where it has no estimate."""
    if entry.get("estimate") is None:
        return "–"
    return interval(entry["estimate"], entry.get("ci_low"), entry.get("ci_high"))


def params(entry: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in (entry.get("params") or {}).items()) or "–"
