"""`lmclaims matrix RUN.json ... [-o matrix.md]`: which claims hold for which models.

One column per run (model · profile, plus seed or library versions where the runs differ),
one row per claim and parametrisation, the published reference in its own column, and per
claim a pooled estimate across models (`meta_analysis.dersimonian_laird`; log scale for
ratios). The pooled column takes one run per model, never a random-weights control: a
second run of the same model is shown and flagged, not pooled. With -o, a heatmap goes
beside the markdown (`matrix_figure`). Report files are untrusted input (see compare).
"""

from __future__ import annotations

import math
from pathlib import Path
from statistics import NormalDist

from lmclaims.files import atomic_write
from lmclaims.report import fmt
from lmclaims.report.compare import (ReportError, RowKey, cell, claim_name, label, load_report,
                                     number, rows_of)
from lmclaims.report.escape import md
from lmclaims.report.markdown import verdict_counts
from lmclaims.report.meta_analysis import Z95, Pooled, dersimonian_laird, effect_and_se, is_ratio

CONTROL, SAME_MODEL = "control", "‡"
VERSION_KEYS = ("lmclaims", "torch", "transformer-lens", "transformers")


def check_inputs(reports: list[dict], names: list[str]) -> None:
    """Raise ReportError (one line naming the file) for inputs that cannot share a matrix."""
    ids = [{c["id"] for c in r["claims"]} for r in reports]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise ReportError(f"{name}: given twice")
        if not ids[i]:
            raise ReportError(f"{name}: the report holds no claims")
        if i and not ids[i] & ids[0]:
            raise ReportError(f"{name}: no claim in common with {names[0]} (a report of another suite?)")


def is_control(report: dict) -> bool:
    """Whether the run is a random-weights control (never pooled)."""
    model = report["run"].get("model") if isinstance(report["run"].get("model"), dict) else {}
    return model.get("random") is True or label(report).startswith("random")


def _versions(report: dict) -> dict:
    libs = report["run"].get("libraries") if isinstance(report["run"].get("libraries"), dict) else {}
    return {k: libs.get(k) for k in VERSION_KEYS}


def column_headers(reports: list[dict]) -> list[str]:
    """'1. model · profile' plus what tells runs apart (seed, versions) and their marks."""
    seeds = {str(r["run"].get("seed")) for r in reports}
    versions = [_versions(r) for r in reports]
    differ = [k for k in VERSION_KEYS if len({v[k] for v in versions}) > 1]
    heads = []
    for i, report in enumerate(reports):
        parts = [md(label(report), 60), md(report["run"].get("profile", "?"), 20)]
        if len(seeds) > 1:
            parts.append(f"seed {md(report['run'].get('seed'), 20)}")
        parts += [f"{md(k)} {md(versions[i][k], 30)}" for k in differ]
        marks = [CONTROL] * is_control(report) + ["partial"] * bool(report["run"].get("partial"))
        marks += [SAME_MODEL] * (first_of_model(reports)[i] != i)
        heads.append(f"{i + 1}. " + " · ".join(parts) + (f" ({', '.join(marks)})" if marks else ""))
    return heads


def first_of_model(reports: list[dict]) -> list[int]:
    """For each run, the index of the first run of the same model."""
    firsts: dict[str, int] = {}
    return [firsts.setdefault(label(r), i) for i, r in enumerate(reports)]


def pooled_runs(reports: list[dict]) -> list[int]:
    """The runs that enter the pooled estimate: the first of each model, controls left out."""
    return [i for i, first in enumerate(first_of_model(reports)) if first == i and not is_control(reports[i])]


def pool_row(claims: list[dict | None]) -> tuple[Pooled, bool] | None:
    """The pooled effect of one row over the given runs' claims, and whether it is on the log
    scale; None where fewer than two have a usable interval."""
    present = [c for c in claims if c is not None]
    spec = next((c["spec"] for c in present if isinstance(c.get("spec"), dict)), {})
    log = is_ratio(spec.get("estimator") if isinstance(spec.get("estimator"), str) else None)
    alpha = number(spec.get("alpha"))
    z = NormalDist().inv_cdf(1 - alpha) if alpha is not None and 0 < alpha < 0.5 else Z95
    usable = [e for c in present for e in [effect_and_se(*(number(c.get(k)) for k in
              ("estimate", "ci_low", "ci_high")), log=log, z=z)] if e is not None]
    if len(usable) < 2:
        return None
    return dersimonian_laird([e for e, _ in usable], [s for _, s in usable]), log


def pooled_cell(result: tuple[Pooled, bool] | None) -> str:
    """'1.32 [1.1, 1.58] (log) τ²=0.012, I²=41%, k=3', back on the estimate's scale."""
    if result is None:
        return "–"
    pooled, log = result
    back = math.exp if log else (lambda x: x)
    text = fmt.estimate({"estimate": back(pooled.estimate), "ci_low": back(pooled.ci_low),
                         "ci_high": back(pooled.ci_high)})
    return (f"{text}{' (log)' if log else ''} τ²={fmt.num(pooled.tau2)}, "
            f"I²={pooled.i2:.0%}, k={pooled.k}")


def reference_of(claims: list[dict | None]) -> str:
    """The claim's published reference (its spec's `reference`), escaped and shortened."""
    for c in claims:
        spec = c.get("spec") if c is not None and isinstance(c.get("spec"), dict) else {}
        if spec.get("reference"):
            return md(spec["reference"], 120)
    return "–"


def matrix_rows(reports: list[dict]) -> list[tuple[RowKey, list[dict | None]]]:
    """(row key, each run's claim or None), rows in first-seen order."""
    tables = [rows_of(r) for r in reports]
    keys = list(dict.fromkeys(k for t in tables for k in t))
    return [(key, [t.get(key) for t in tables]) for key in keys]


def render_matrix(reports: list[dict], names: list[str], figure: str | None = None) -> str:
    """The matrix as markdown (pure: checked reports in, text out); figure: its file name."""
    pooled = pooled_runs(reports)
    lines = ["# Claims across models", "",
             "Each cell: verdict, estimate [95% CI]. **Pooled**: DerSimonian-Laird random-effects "
             "estimate across models [95% CI], on the log scale for ratios (shown back on the "
             f"ratio scale), with the between-model variance τ² and I²; pooled runs: "
             f"{', '.join(str(i + 1) for i in pooled) or 'none'} ({CONTROL}s and repeated runs of a "
             f"model, {SAME_MODEL}, are shown, not pooled).", ""]
    lines += [f"![heatmap of effects]({md(figure)})", ""] if figure else []
    lines += ["| claim | reference | " + " | ".join(column_headers(reports)) + " | pooled |",
              "|---|---|" + "---|" * len(reports) + "---|"]
    for key, claims in matrix_rows(reports):
        name = claim_name(next(c for c in claims if c is not None))
        cells = [cell(c, None) for c in claims]
        result = pool_row([claims[i] for i in pooled])
        lines.append(f"| {name} | {reference_of(claims)} | " + " | ".join(cells)
                     + f" | {pooled_cell(result)} |")
    return "\n".join([*lines, "", *runs_section(reports, names)]) + "\n"


def runs_section(reports: list[dict], names: list[str]) -> list[str]:
    """One line per run: file, model, profile, seed, date, partial, duplicates, verdict counts."""
    lines = ["## Runs", ""]
    firsts = first_of_model(reports)
    for i, (report, name) in enumerate(zip(reports, names)):
        run = report["run"]
        notes = [f"partial: {md(run['partial'], 200)}"] if run.get("partial") else []
        notes += [f"{SAME_MODEL} same model as run {firsts[i] + 1}: shown, not pooled"] * (firsts[i] != i)
        notes += ["random-weights control: shown, not pooled"] * is_control(report)
        lines.append(f"{i + 1}. {md(name, 200)}: {md(label(report), 80)}, profile "
                     f"{md(run.get('profile', '?'))}, seed {md(run.get('seed', '?'))}, "
                     f"{md(run.get('date', 'undated'))}: {verdict_counts(report['claims'])}"
                     + "".join(f"; {n}" for n in notes))
    return lines


def run_matrix(paths: list[str], output: str | None, out, err) -> int:
    """The `lmclaims matrix` command: markdown to output (or out) and, with output, a .png beside
    it; one-line errors naming the file and exit 2; nothing half-written."""
    try:
        reports = [load_report(p) for p in paths]
        check_inputs(reports, list(paths))
    except ReportError as exc:
        print(f"lmclaims matrix: {exc}", file=err)
        return 2
    if output is None:
        out.write(render_matrix(reports, list(paths)))
        return 0
    from lmclaims.report.matrix_figure import draw_heatmap
    md_path = Path(output)
    figure = md_path.with_suffix(".png")
    try:
        draw_heatmap(reports, matrix_rows(reports), figure)
        atomic_write(md_path, render_matrix(reports, list(paths), figure.name))
    except OSError as exc:
        print(f"lmclaims matrix: cannot write {output}: {exc.strerror or exc}", file=err)
        return 2
    print(f"matrix of {len(reports)} runs written to {md_path} (figure {figure})", file=err)
    return 0
