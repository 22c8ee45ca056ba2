"""Compare claims reports: one row per (claim, parameters), one column per run.

Report files are untrusted input: every string taken from one goes through md()
or code(), and numbers that are not numbers are shown as dashes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lmclaims.errors import UserInputError
from lmclaims.report import fmt
from lmclaims.report.escape import code, md
from lmclaims.report.markdown import verdict_counts

MISSING = "–"
FLIP = "⚠"
PROTOCOL_MARK = "†"
SPEC_FIELDS = ("n", "alpha", "null", "alternative", "design", "estimator")
MAX_CLAIM_DIFFS = 10  # per run; more are counted, not listed

RowKey = tuple[str, tuple[tuple[str, str], ...]]


class ReportError(UserInputError):
    """A file given as a claims report cannot be used; the message is one line."""


def check_report(data: Any, name: str = "report") -> dict:
    """Return data if it has the shape of a claims report, else raise ReportError."""
    if not isinstance(data, dict) or not isinstance(data.get("run"), dict):
        raise ReportError(f"{name}: not a claims report (no 'run' object)")
    claims = data.get("claims")
    if not isinstance(claims, list):
        raise ReportError(f"{name}: not a claims report (no 'claims' list)")
    for i, c in enumerate(claims):
        if not isinstance(c, dict) or not all(isinstance(c.get(k), str) for k in ("id", "verdict")):
            raise ReportError(f"{name}: not a claims report (claim {i} lacks a text 'id' or 'verdict')")
    return data


def load_report(path: str | Path) -> dict:
    """Read and check one claims.json; every failure is a one-line ReportError."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ReportError(f"{path}: not JSON ({exc})") from None
    return check_report(data, str(path))


def row_key(claim: dict) -> RowKey:
    """(id, sorted params): the same claim at the same parameters, whatever its node id."""
    params = claim.get("params") if isinstance(claim.get("params"), dict) else {}
    canon = tuple(sorted((str(k), json.dumps(v, sort_keys=True, default=str))
                         for k, v in params.items()))
    return str(claim.get("id")), canon


def rows_of(report: dict) -> dict[RowKey, dict]:
    """The report's claims by row key (the first of any duplicates)."""
    rows: dict[RowKey, dict] = {}
    for claim in report["claims"]:
        rows.setdefault(row_key(claim), claim)
    return rows


def number(x: Any) -> float | None:
    """x if it is a real number, else None (report files are not trusted)."""
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None


def interval(claim: dict) -> str:
    """'1.74 [1.52, 1.98]' from a possibly malformed claim entry."""
    return fmt.estimate({k: number(claim.get(k)) for k in ("estimate", "ci_low", "ci_high")})


def label(report: dict) -> str:
    """The run's model label, unescaped."""
    run = report["run"]
    model = run.get("model") if isinstance(run.get("model"), dict) else {}
    return str(model.get("label") or run.get("model_requested") or "?")


def column_header(report: dict) -> str:
    """'model label · profile', escaped."""
    return f"{md(label(report), 80)} · {md(report['run'].get('profile', '?'), 40)}"


def claim_name(claim: dict) -> str:
    """The claim id and its parameters, escaped: '`induction.onset` layer=2'."""
    params = claim.get("params") if isinstance(claim.get("params"), dict) else {}
    shown = md(fmt.params({"params": params})) if params else ""
    return f"{code(claim.get('id'))} {shown}".rstrip()


def cell(claim: dict | None, first: dict | None) -> str:
    """Verdict, estimate and interval; bold and flagged if the verdict differs from the first run."""
    if claim is None:
        return MISSING
    text = md(claim.get("verdict"), 40)
    if number(claim.get("estimate")) is not None:
        text += f" {interval(claim)}"
    if first is not None and claim.get("verdict") != first.get("verdict"):
        return f"**{FLIP} {text}**"
    return text


def _spec_fields(spec: Any) -> dict[str, Any]:
    """The parts of a claim's pre-registration that change what its verdict means."""
    spec = spec if isinstance(spec, dict) else {}
    fields = {f: spec.get(f) for f in SPEC_FIELDS}
    thresholds = spec.get("thresholds") if isinstance(spec.get("thresholds"), dict) else {}
    for name, th in thresholds.items():
        fields[f"threshold {name}"] = th.get("value") if isinstance(th, dict) else th
    return fields


def spec_differences(a: dict, b: dict) -> list[str]:
    """'n 48 ≠ 200'-style phrases where claim b's protocol differs from claim a's."""
    fa, fb = _spec_fields(a.get("spec")), _spec_fields(b.get("spec"))
    return [f"{md(k)} {md(fb.get(k))} ≠ {md(fa.get(k))}"
            for k in dict.fromkeys([*fa, *fb]) if fa.get(k) != fb.get(k)]


def protocol_differences(first: dict, other: dict) -> list[str]:
    """Phrases saying how other's protocol differs from first's (run settings, then claims)."""
    out = [f"{key} {md(other['run'].get(key))} ≠ {md(first['run'].get(key))}"
           for key in ("profile", "seed") if other["run"].get(key) != first["run"].get(key)]
    base, rows = rows_of(first), rows_of(other)
    claims = [f"{claim_name(rows[k])}: {', '.join(d)}" for k in rows if k in base
              for d in [spec_differences(base[k], rows[k])] if d]
    out += claims[:MAX_CLAIM_DIFFS]
    if len(claims) > MAX_CLAIM_DIFFS:
        out.append(f"and {len(claims) - MAX_CLAIM_DIFFS} more claims with a different protocol")
    return out


def _protocol_section(reports: list[dict]) -> tuple[list[str], set[int]]:
    """The 'Protocol differences' list, and the indices of the runs it flags."""
    lines, flagged = [], set()
    for i, report in enumerate(reports[1:], start=1):
        diffs = protocol_differences(reports[0], report)
        if diffs:
            flagged.add(i)
            lines.append(f"- **run {i + 1}** ({column_header(report)}): " + "; ".join(diffs))
    if not lines:
        return [], flagged
    return ["## Protocol differences", "",
            f"These runs were not run under the same protocol as run 1 (marked {PROTOCOL_MARK}); "
            "differences in their verdicts may come from the protocol, not the model.", "",
            *lines, ""], flagged


def matrix(reports: list[dict], flagged: set[int] = frozenset()) -> list[str]:
    """The markdown table: claims down, runs across."""
    heads = [f"{i + 1}. {column_header(r)}{' ' + PROTOCOL_MARK if i in flagged else ''}"
             for i, r in enumerate(reports)]
    tables = [rows_of(r) for r in reports]
    keys = list(dict.fromkeys(k for t in tables for k in t))
    lines = ["| claim | " + " | ".join(heads) + " |", "|---|" + "---|" * len(reports)]
    for key in keys:
        name = claim_name(next(t[key] for t in tables if key in t))
        first = tables[0].get(key)
        cells = [cell(t.get(key), first if i else None) for i, t in enumerate(tables)]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def _runs_list(reports: list[dict], names: list[str]) -> list[str]:
    """One numbered line per run: file, model, profile, seed, date and verdict counts."""
    lines = ["## Runs", ""]
    for i, (report, name) in enumerate(zip(reports, names)):
        run = report["run"]
        counts = verdict_counts(report["claims"])
        lines.append(f"{i + 1}. {md(name, 200)}: {md(label(report), 80)}, profile "
                     f"{md(run.get('profile', '?'))}, seed {md(run.get('seed', '?'))}, "
                     f"{md(run.get('date', 'undated'))}: {counts}")
    return lines


def render_comparison(reports: list[dict], names: list[str] | None = None) -> str:
    """The whole comparison as markdown (pure: checked reports in, text out)."""
    names = names or [f"run {i + 1}" for i in range(len(reports))]
    protocol, flagged = _protocol_section(reports)
    lines = ["# Claims compared across runs", "",
             f"Each cell: verdict, estimate [95% CI]. **{FLIP} bold**: the verdict differs from "
             f"run 1; {MISSING}: the claim was not in that run.", "",
             *protocol, *matrix(reports, flagged), "", *_runs_list(reports, names)]
    return "\n".join(lines) + "\n"
