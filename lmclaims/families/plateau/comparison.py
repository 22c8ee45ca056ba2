"""Decide a plateau/direction claim from a PlateauRun: two conditions' onsets compared, and set
beside the published figures of the same design in the same units (`published.py`)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import stats as sps

from lmclaims.families.plateau.conditions import CONDITIONS
from lmclaims.families.plateau.figures import comparison_figure
from lmclaims.families.plateau.onsets import distance_onset, slope_step
from lmclaims.families.plateau.published import published_rows
from lmclaims.families.plateau.references import Published
from lmclaims.families.plateau.run import PUBLISHED_STEPS, READOUT_UNITS, PlateauRun
from lmclaims.families.plateau.thresholds import ROBUSTNESS, SWAPS_PER_BASE, THRESHOLD_SHARE
from lmclaims.report.fmt import interval
from lmclaims.stats import ClaimSpec, Threshold, decide

ONSET_UNITS = {
    "distance": "threshold onset, distance from the base in median activation norms (censored at the horizon)",
    "plateau_steps": "plateau length in steps of 1/100 of the median real-to-real distance (100 if "
                     "uncrossed within min(target, 100 steps), the published rule)",
    "max_slope_steps": "max-slope step of 100 along the whole path (fraction of the way x 99)",
}
SECONDARY = {"distance": "max_slope_steps", "plateau_steps": "max_slope_steps", "max_slope_steps": "plateau_steps"}
ESTIMATOR_WORDS = {"ratio_of_medians": "median", "ratio_of_means": "mean"}


@dataclass(frozen=True)
class OnsetComparison:
    """A claim's design: condition `a` against condition `b`, onsets of one kind, one estimator."""

    a: str
    b: str
    design: str  # "paired" (same bases) or "unpaired"
    alternative: str  # "greater": a's onsets later than b's; "less": earlier; "equivalent": within margin
    onset: str  # a key of ONSET_UNITS: the primary statistic
    estimator: str  # "ratio_of_medians" (our designs) or "ratio_of_means" (as the published figures)
    published: Published | None = None  # the published figures of this very design, if any
    qualitative: str = ""  # the reference where no figure exists
    margin: float | None = None  # "equivalent" claims: the ratio region [1 / margin, margin]

    @property
    def reference(self) -> str:
        if self.published is None:
            return self.qualitative
        g, p = self.published.gpt2, self.published.peer
        return (f"{self.published.setting}. GPT-2 small: {g.a[0]} vs {g.b[0]} (ratio {g.ratio:.2f}, KS "
                f"{g.ks}, n={g.n}); published code on {self.published.peer_model}: {p.a[0]} vs {p.b[0]} "
                f"(ratio {p.ratio:.2f}, KS {p.ks}, n={p.n})")


def onsets(run: PlateauRun, condition: str, kind: str, readout: str, threshold: float):
    """([N] onsets in the units of ONSET_UNITS[kind], [N] censored) of one condition's paths."""
    curves = run.curves[condition][readout]
    if kind == "max_slope_steps":
        return slope_step(curves, run.fractions, PUBLISHED_STEPS)
    if kind == "plateau_steps":
        values, censored = distance_onset(curves, run.fractions, run.lengths[condition], threshold,
                                          run.step * PUBLISHED_STEPS)
        return values / run.step, censored
    return distance_onset(curves, run.fractions, run.lengths[condition], threshold, run.horizon)


def threshold_for(run: PlateauRun, readout: str) -> Threshold:
    """The declared threshold of `readout` at this layer, with the rule that set it."""
    return Threshold(run.thresholds[readout],
                     f"{THRESHOLD_SHARE:.0%} of the median {readout} change of a full real-to-real swap at "
                     f"block {run.write_layer} ({run.swap_medians[readout]:.4g}; {SWAPS_PER_BASE} swaps per "
                     f"base prompt, measured before the sweeps); the same rule for every model, layer "
                     f"and arm; x0.5 and x2 reported")


def spec_for(cmp: OnsetComparison, run: PlateauRun, readout: str) -> ClaimSpec:
    return ClaimSpec(
        statistic=f"{ESTIMATOR_WORDS[cmp.estimator]} {cmp.onset.replace('_', ' ')} ratio, {cmp.a} / {cmp.b} "
                  f"({readout})",
        estimator=cmp.estimator, design=cmp.design, null=1.0, alternative=cmp.alternative,
        n=len(run.curves[cmp.a][readout]), thresholds={"output_change": threshold_for(run, readout)},
        primary=f"{ONSET_UNITS[cmp.onset]}; the secondary onset and x0.5 / x2 thresholds reported beside it",
        reference=cmp.reference, margin=cmp.margin,
        reference_effect=cmp.published.peer.ratio if cmp.published else None)


def _variants(cmp: OnsetComparison):
    """(key, onset kind, threshold multiplier): the primary first, robustness, the secondary."""
    yield cmp.onset, cmp.onset, 1.0
    if cmp.onset != "max_slope_steps":
        yield from ((f"{cmp.onset} x{s:g}", cmp.onset, s) for s in ROBUSTNESS)
    yield SECONDARY[cmp.onset], SECONDARY[cmp.onset], 1.0


def decide_comparison(claim, run: PlateauRun, cmp: OnsetComparison, readout: str) -> None:
    """Declare, measure, compare with the published figures, figure, note, then conclude."""
    spec = spec_for(cmp, run, readout)
    claim.declare(spec)
    threshold = spec.thresholds["output_change"].value
    results, rows, samples = {}, [], {}
    for key, kind, scale in _variants(cmp):
        (xa, ca), (xb, cb) = (onsets(run, c, kind, readout, threshold * scale) for c in (cmp.a, cmp.b))
        censored = (ca, cb) if cmp.estimator == "ratio_of_medians" else None  # means: the published rule
        results[key] = r = decide(replace(spec, primary=key), xa, xb, rng=claim.rng("resample"),
                                  n_resamples=claim.profile.n_resamples, censored=censored)
        samples[key] = (xa, xb)
        rows.append({"onset": key, f"mean {cmp.a}": float(xa.mean()), f"mean {cmp.b}": float(xb.mean()),
                     f"median {cmp.a}": float(np.median(xa)), f"median {cmp.b}": float(np.median(xb)),
                     "censored": f"{ca.mean():.0%} / {cb.mean():.0%}", "KS": float(sps.ks_2samp(xa, xb).statistic),
                     "ratio [95% CI]": interval(r.estimate, r.ci_low, r.ci_high), "verdict": r.verdict})
    primary = results[cmp.onset]
    robust = [k for k in results if k.startswith(cmp.onset)]  # the primary and its x0.5 / x2 thresholds
    comparison_figure(claim.figure_path("paths"), run, cmp, readout, threshold, samples[cmp.onset],
                      f"{claim.model_label}, block {run.write_layer} ({readout})")
    claim.note(
        conditions={cmp.a: CONDITIONS[cmp.a].text, cmp.b: CONDITIONS[cmp.b].text},
        onsets=rows, threshold_robust=(all(results[k].verdict == primary.verdict for k in robust)
                                       if len(robust) > 1 else "n/a: the max-slope step needs no threshold"),
        published_vs_ours=published_rows(cmp, run, readout, claim.model_label, samples[cmp.onset], primary),
        reference=cmp.reference, diagnostics=run.diagnostics,
        layers=f"write blocks.{run.write_layer}.hook_resid_pre; read {READOUT_UNITS[readout]}")
    claim.conclude(primary)
