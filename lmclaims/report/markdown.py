"""Render the report's data as GitHub-flavoured markdown (pure: data in, text out)."""

from __future__ import annotations

from collections import Counter

from lmclaims.report import fmt
from lmclaims.report.escape import code, md
from lmclaims.stats.spec import ALPHA, VERDICTS

BADGE = {"holds": "✅ holds", "equivalent": "🟰 equivalent", "contradicted": "❌ contradicted",
         "inconclusive": "➖ inconclusive", "underpowered": "🔋 underpowered", "n/a": "⏭ n/a",
         "error": "⚠️ error"}
assert set(BADGE) == set(VERDICTS), "a badge per verdict of stats.spec.VERDICTS"


def verdict_counts(claims: list[dict]) -> str:
    counts = Counter(c["verdict"] for c in claims)
    return " · ".join(f"{counts.get(v, 0)} {v}" for v in VERDICTS) + f" ({len(claims)} claims)"


def _level(c: dict) -> float | None:
    """The one-sided level the claim was decided at; None where nothing was decided at a level
    (an error, an n/a: the report's level is null); reports from before levels were recorded
    (no "level" key): the spec's alpha."""
    if "level" not in c:
        return (c.get("spec") or {}).get("alpha", ALPHA)
    level = c["level"]
    return float(level) if isinstance(level, (int, float)) and not isinstance(level, bool) else None


NO_REFERENCE = "no published effect"


def _reference(c: dict) -> str:
    """The published effect in the statistic's units, or says there is none (never a blank)."""
    value = c.get("reference_effect")
    return NO_REFERENCE if value is None or value != value else fmt.num(value)


def _n(c: dict) -> str:
    """n, and for a sequential claim that stopped early, of how many planned."""
    n, budget = c.get("n"), c.get("n_budget")
    if not n:
        return "–"
    return f"{n} of {budget}" if budget and budget > n else str(n)


def _level_cell(c: dict, level: float | None) -> str:
    role = c.get("role")
    return fmt.num(level) + (f" ({role})" if role in ("primary", "secondary") else "")


def summary_table(claims: list[dict]) -> list[str]:
    lines = ["| claim | parameters | verdict | estimate [CI at 1 − 2·level] | level | n | p | "
             "MDE at level | reference effect |", "|---|---|---|---|---|---|---|---|---|"]
    for c in claims:
        verdict = BADGE[c["verdict"]] + (" (expected)" if c.get("expected") else "")
        level = _level(c)
        lines.append(f"| {code(c['id'])} | {md(fmt.params(c))} | {verdict} | {fmt.estimate(c)} "
                     f"| {_level_cell(c, level)} | {_n(c)} | {fmt.p(c.get('p_value'), level)} "
                     f"| {fmt.mde(c)} | {_reference(c)} |")
        lines += _part_rows(c, level)
    return lines


def _part_rows(c: dict, level: float | None) -> list[str]:
    """One summary row per part of a compound claim, each with its own numbers and verdict."""
    parts = (c.get("details") or {}).get("parts") or []
    return [f"| ↳ part: {md(part.get('part', '?'))} | | {md(part.get('verdict', '?'))} "
            f"| {fmt.estimate(part)} | {fmt.num(level)} | {part.get('n') or '–'} "
            f"| {fmt.p(part.get('p_value'), level)} | {fmt.mde(part)} | – |"
            for part in parts if isinstance(part, dict)]


def _kv_table(rows: dict, head: tuple[str, str] = ("", "")) -> list[str]:
    lines = [f"| {head[0]} | {head[1]} |", "|---|---|"]
    for key, value in _flatten(rows):
        shown = fmt.num(value) if isinstance(value, float) else md(value)
        lines.append(f"| {md(key)} | {shown} |")
    return lines


def _rows_table(title: str, rows: list[dict]) -> list[str]:
    """A list of records (same keys) as its own table under a bold title."""
    keys = list(dict.fromkeys(k for row in rows for k in row))
    lines = ["", f"**{md(title)}**", "", "| " + " | ".join(md(k) for k in keys) + " |",
             "|" + "---|" * len(keys)]
    for row in rows:
        cells = [fmt.num(row.get(k)) if isinstance(row.get(k), float)
                 else md("–" if row.get(k) is None else row[k]) for k in keys]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _details(details: dict) -> list[str]:
    """Scalars and nested dicts in one two-column table; lists of records as tables of their own."""
    tables = {k: v for k, v in details.items()
              if isinstance(v, list) and v and all(isinstance(r, dict) for r in v)}
    rest = {k: v for k, v in details.items() if k not in tables}
    lines = _kv_table(rest, ("measured", "value")) if rest else []
    for title, rows in tables.items():
        lines += _rows_table(title, rows)
    return lines


def _flatten(rows: dict, prefix: str = ""):
    for key, value in rows.items():
        if isinstance(value, dict) and key != "thresholds":
            yield from _flatten(value, f"{prefix}{key}.")
        elif isinstance(value, dict):
            for name, th in value.items():
                yield f"threshold {name}", f"{th.get('value')} ({th.get('why')})"
        else:
            yield f"{prefix}{key}", value


def _spec_shown(spec: dict) -> dict:
    """The declared protocol, with words where a field is empty by design."""
    shown = dict(spec)
    if shown.get("reference_effect") is None:
        shown["reference_effect"] = NO_REFERENCE
    if "looks" in shown and not shown["looks"]:
        shown["looks"] = "one look at n (fixed sample size)"
    return shown


def claim_section(c: dict) -> list[str]:
    lines = [f"### {code(c['id'])} {md(fmt.params(c)) if c.get('params') else ''}".rstrip(), "",
             f"> {md(c.get('statement', ''), 1000)}", "",
             f"Source: {md(c.get('source', ''), 1000)}", "",
             f"**Verdict: {BADGE[c['verdict']]}**: {md(c.get('reason', ''), 1000)}"]
    if c.get("note"):
        lines += ["", f"Note: {md(c['note'])}"]
    if c.get("expected"):
        lines += ["", f"Expected not to hold on this model: {md(c['expected'])}"]
    if c.get("ci_method") and c["ci_method"] not in ("BCa", "bootstrap-t"):
        lines += ["", f"Method: {md(c['ci_method'])}"]
    if c.get("spec"):
        lines += ["", "<details><summary>Pre-registered protocol</summary>", "",
                  *_kv_table(_spec_shown(c["spec"]), ("field", "declared")), "", "</details>"]
    if c.get("details"):
        lines += ["", *_details(c["details"])]
    for fig in c.get("figures", []):
        lines += ["", f"![{md(fig['title'])}]({fig['path']})"]
    return lines + [""]


def plan_lines(run: dict) -> list[str]:
    """What a verdict means in this run: the error budget, the level, the interval, the MDE."""
    plan = run.get("error_budget") or {}
    return [f"Error budget, declared before the run: {md(plan.get('plan', 'not recorded'))}; "
            f"{md(plan.get('controls', ''))}. Each interval is at the level its verdict was decided "
            "at (two-sided 1 − 2·level), its test inverted; p is that test's one-sided p-value. "
            "A sequential claim (n shown as 'used of planned') looks at its data more than once, "
            "each look at its share of the claim's level, and stops at the first decided look; "
            "its level column is that look's. "
            "MDE: the smallest effect detectable with power 0.8 at that level and this n; "
            "**underpowered**: the reference effect lies below the MDE (the n needed is given); "
            "**equivalent**: two one-sided tests put the statistic inside its declared margin.",
            *plan_table(plan.get("claims") or [])]


def plan_table(rows: list[dict]) -> list[str]:
    """Per claim id: its tests, primaries, and the weight and level of each role."""
    if not rows:
        return []
    lines = ["", "<details><summary>Error budget per claim</summary>", "",
             "| claim | tests | primaries | weight, level: primary | secondary | equal |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        cells = [f"{fmt.num(r[f'weight_{role}'])}, {fmt.num(r[f'level_{role}'])}"
                 if f"weight_{role}" in r else "–" for role in ("primary", "secondary", "equal")]
        lines.append(f"| {code(str(r.get('id')))} | {r.get('tests')} | {r.get('primaries')} | "
                     + " | ".join(cells) + " |")
    return lines + ["", "</details>"]


def _run_shown(run: dict) -> dict:
    """The run header without the plan's per-claim rows (shown as their own table)."""
    shown = dict(run)
    if isinstance(shown.get("error_budget"), dict):
        shown["error_budget"] = {k: v for k, v in shown["error_budget"].items() if k != "claims"}
    if isinstance(shown.get("family"), dict):
        shown["family"] = {k: v for k, v in shown["family"].items() if k != "plan"}
    return shown


def interrupted_banner(run: dict) -> list[str]:
    """The warning lines an interrupted run's report and job summary open with (none otherwise)."""
    if not run.get("interrupted"):
        return []
    return ["⚠️ The run was interrupted: claims that did not finish are listed as errors.", ""]


def render(data: dict, changes: list[str] | None = None) -> str:
    run, claims = data["run"], data["claims"]
    model = run.get("model", {})
    lines = [f"# Claims report: {md(model.get('label', run.get('model_requested', '?')))}", "",
             f"**{verdict_counts(claims)}**", ""]
    if changes:
        lines += changes + [""]
    lines += interrupted_banner(run)
    lines += ["## Summary", "", *summary_table(claims), "",
              *plan_lines(run), "",
              "<details><summary>Run</summary>", "", *_kv_table(_run_shown(run), ("", "")), "", "</details>", "",
              "## Claims", ""]
    for c in claims:
        lines += claim_section(c)
    return "\n".join(lines)
