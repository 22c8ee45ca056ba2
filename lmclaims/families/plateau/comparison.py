"""Decide a plateau/direction claim from a PlateauRun: onsets of two conditions, compared."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import stats as sps

from lmclaims.families.plateau.figures import curves_figure, onsets_figure
from lmclaims.families.plateau.onsets import max_slope_onset, threshold_onset
from lmclaims.families.plateau.run import CONDITIONS, PlateauRun
from lmclaims.report.fmt import interval
from lmclaims.stats import ClaimSpec, Threshold, decide

ONSETS = ("threshold", "max_slope")
METRIC_UNITS = {"kl": "KL(P_clean || P_perturbed), nats", "l2": "||r(t) - r(0)|| / ||r(0)|| at the last block"}


@dataclass(frozen=True)
class OnsetComparison:
    """A claim of the family: condition `a` against condition `b`, ratio of median onsets."""

    a: str
    b: str
    design: str  # "paired" (same bases) or "unpaired"
    alternative: str  # "greater": a's onsets later than b's; "less": earlier
    primary: str  # "threshold" or "max_slope"
    reference: str


def onsets(run: PlateauRun, condition: str, kind: str, threshold: float) -> tuple[np.ndarray, float]:
    """Onsets of one condition's curves (in median-norm units) and the censored share."""
    curves = run.curves[condition]
    if kind == "max_slope":
        values, censored = max_slope_onset(curves, run.sizes)
    else:
        values, censored = threshold_onset(curves, run.sizes, threshold)
    return values, float(censored.mean())


def spec_for(cmp: OnsetComparison, run: PlateauRun, threshold: Threshold, n_resamples: int) -> ClaimSpec:
    return ClaimSpec(
        statistic=f"median {cmp.primary.replace('_', '-')} onset ratio, {cmp.a} / {cmp.b}",
        estimator="ratio_of_medians", design=cmp.design, null=1.0, alternative=cmp.alternative,
        n=len(run.curves[cmp.a]), thresholds={"output_change": threshold},
        primary=f"{cmp.primary} onset (the other onset is reported beside it)",
        reference=cmp.reference)


def decide_comparison(claim, run: PlateauRun, cmp: OnsetComparison, threshold: Threshold) -> None:
    """Declare, measure, figure, note robustness and secondary onset, then conclude."""
    n_resamples = claim.profile.n_resamples
    spec = spec_for(cmp, run, threshold, n_resamples)
    claim.declare(spec)
    results, medians = {}, {}
    for kind in ONSETS:
        for scale in ((0.5, 1.0, 2.0) if kind == "threshold" else (1.0,)):
            xa, ca = onsets(run, cmp.a, kind, threshold.value * scale)
            xb, cb = onsets(run, cmp.b, kind, threshold.value * scale)
            key = kind if scale == 1.0 else f"{kind} x{scale:g}"
            results[key] = decide(replace(spec, primary=key), xa, xb, rng=claim.rng("resample"),
                                  n_resamples=n_resamples)
            medians[key] = {f"median {cmp.a}": float(np.median(xa)), f"median {cmp.b}": float(np.median(xb)),
                            "censored": f"{ca:.0%} / {cb:.0%}",
                            "KS": float(sps.ks_2samp(xa, xb).statistic)}
    primary = results[cmp.primary]
    _figures(claim, run, cmp, threshold.value)
    claim.note(
        conditions={cmp.a: CONDITIONS[cmp.a], cmp.b: CONDITIONS[cmp.b]},
        onsets=[{"onset": k, **medians[k], "ratio [95% CI]": interval(r.estimate, r.ci_low, r.ci_high),
                 "verdict": r.verdict} for k, r in results.items()],
        threshold_robust=all(results[k].verdict == primary.verdict
                             for k in ("threshold x0.5", "threshold", "threshold x2")),
        reference=cmp.reference, diagnostics=run.diagnostics,
        layers=f"write blocks.{run.write_layer}.hook_resid_pre, metric {METRIC_UNITS[run.metric]}")
    claim.conclude(primary)


def _figures(claim, run: PlateauRun, cmp: OnsetComparison, threshold: float) -> None:
    title = f"{claim.model_label}, block {run.write_layer} ({run.metric})"
    picked = {c: run.curves[c] for c in (cmp.a, cmp.b)}
    curves_figure(claim.figure_path("curves"), run.sizes, picked, threshold,
                  METRIC_UNITS[run.metric], f"f(t): {title}")
    onsets_figure(claim.figure_path("onsets"),
                  {c: onsets(run, c, cmp.primary, threshold)[0] for c in picked},
                  f"{cmp.primary} onset (median activation norms)", f"onsets: {title}")
