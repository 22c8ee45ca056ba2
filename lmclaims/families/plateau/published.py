"""Our estimate beside the published figures of the same design, in the same units (issue 13).

One row for ours (each arm's mean +/- sd, the ratio with its interval, KS, n), one for GPT-2
small, one each for the published code on the default model and on its random-weights control.
`peer ratio in our interval` says whether the published code's ratio on the model under test
lies inside our interval; `same setting` whether this test reads what that code read (L2 at the
last block, early writing layer).
"""

from __future__ import annotations

import numpy as np
from scipy import stats as sps

from lmclaims.families.plateau.references import Figure
from lmclaims.report.fmt import interval

EARLY_DEPTH = 0.1  # claims/test_plateaus.py's "early": nearest to the peer's blocks.1.hook_resid_pre


def _arm(mean: float, sd: float) -> str:
    return f"{mean:.4g} +/- {sd:.3g}"


def _figure_row(name: str, fig: Figure, a: str, b: str) -> dict:
    return {"figure": name, a: _arm(*fig.a), b: _arm(*fig.b), "ratio": f"{fig.ratio:.3g}",
            "KS": fig.ks, "n": fig.n, "source": fig.source}


def published_rows(cmp, run, readout: str, label: str, samples: tuple[np.ndarray, np.ndarray],
                   result) -> list[dict]:
    """Rows comparing our primary onsets with the published figures, where the design has them."""
    xa, xb = samples
    ours = {"figure": f"ours: {label}, block {run.write_layer}, {readout}", cmp.a: _arm(xa.mean(), xa.std()),
            cmp.b: _arm(xb.mean(), xb.std()), "ratio": interval(result.estimate, result.ci_low, result.ci_high),
            "KS": float(sps.ks_2samp(xa, xb).statistic), "n": len(xa), "source": cmp.estimator.replace("_", " ")}
    if cmp.published is None:
        return [{**ours, "source": f"{ours['source']}; {cmp.qualitative}"}]
    pub = cmp.published
    rows = [ours, _figure_row("GPT-2 small (LASR)", pub.gpt2, cmp.a, cmp.b),
            _figure_row(f"published code, {pub.peer_model}", pub.peer, cmp.a, cmp.b),
            _figure_row(f"published code, random:{pub.peer_model}", pub.peer_random, cmp.a, cmp.b)]
    peer = pub.peer_for(label)
    if peer is not None:
        inside = bool(result.ci_low <= peer.ratio <= result.ci_high)
        same = readout == pub.peer_readout and run.design.depth == EARLY_DEPTH
        ours.update({"peer ratio in our interval": "yes" if inside else "no",
                     "same setting": "yes" if same else f"no (peer: {pub.peer_readout}, {pub.peer_depth})"})
    return rows

