"""What training produces, watched over training on small models the suite trains itself:
induction heads forming in a phase change (Olsson et al. 2022), activation plateaus emerging
(Janiak et al. 2024) and polysemantic neurons arising without superposition (Lecomte et al. 2023).

Seeds are the sampling unit. Setups and their deviations from the papers:
lmclaims/families/training/setups.py and polysemantic.py.
"""

import numpy as np
import pytest

pytestmark = pytest.mark.training

from lmclaims.families.training import setups
from lmclaims.families.training.figures import series_figure
from lmclaims.families.training.induction import phase_change
from lmclaims.families.training.polysemantic import (PolyConfig, count_polysemantic, expected_collisions,
                                                     features_per_neuron, reconstruction_error, train_toys)
from lmclaims.families.training.sizes import SIZES
from lmclaims.stats import ClaimSpec, Threshold, decide, intersection_union, part_rows

OLSSON = "Olsson et al. 2022, In-context Learning and Induction Heads (transformer-circuits.pub)"
JANIAK = "Janiak et al. 2024, Characterizing stable regions in the residual stream of LLMs (arXiv 2409.17113)"
LECOMTE = "Lecomte et al. 2023, What causes polysemanticity? (arXiv 2312.03096)"
SCORE_FLOOR = Threshold(0.4, "as induction.heads_exist: an induction head puts most of its attention "
                             "on the target; GPT-2 small's best heads score about 0.9")
ABRUPT = Threshold(1.0, "10%-90% rise width over the step of its midpoint: a straight-line rise from "
                        "step 0 gives 1.6, a jump near 0; below 1 the rise takes less time than it "
                        "took to begin")
SAME_WINDOW = Threshold(0.25, "'at the same point': the repeated-token loss is halfway down within a "
                              "quarter of the changepoint's step from the changepoint")
CARRIES = Threshold(0.5, "a neuron carries a feature when |W_ij| > 0.5: with the L1 penalty weights "
                         "settle at 0 or near 1 (Lecomte et al.), 0.5 splits the two")
READOUT = "l2"  # ||r(t) - r(0)|| at the last block, as the seed report read GPT-2 small (block 11)
SWAP_RULE = Threshold(0.1, "the plateau family's rule, per checkpoint: 10% of the median L2 change of "
                           "a full real-to-real swap (the LASR reproduction's rescaling)")
POLY = PolyConfig()


def _score_curves(runs):
    return [(np.array(r.log["step"]), np.array(r.log["induction_score"])) for r in runs]


@pytest.mark.claim("induction.phase_change", source=OLSSON, subject="attention-only transformers "
                   "trained on the corpus (two layers; one-layer control)",
                   statement="In a two-layer attention-only model trained on text, the induction score "
                             "rises abruptly and the loss on repeated tokens drops in the same window; "
                             "a one-layer attention-only control forms no induction heads.")
@pytest.mark.xdist_group("training-induction")
def test_induction_phase_change(claim, profile, induction_runs):
    """Induction heads form abruptly in two layers, with the repeated-token loss, and not in one."""
    k = SIZES[profile.name].induction_seeds
    spec = ClaimSpec(statistic="mean final best-head induction score, two layers", estimator="mean",
                     design="one-sample", null=SCORE_FLOOR.value, alternative="greater", n=k,
                     thresholds={"score_floor": SCORE_FLOOR, "abrupt": ABRUPT, "same_window": SAME_WINDOW},
                     primary="intersection-union of four parts: formed, abrupt, loss drop in the "
                             "window, one-layer control below the floor",
                     reference="Olsson et al. 2022: induction heads form abruptly, at about the same "
                               "point across model sizes, with a bump in the training loss")
    claim.declare(spec, seeds=k)
    two, one = induction_runs(profile.name, 2), induction_runs(profile.name, 1)
    m = phase_change(two)
    final1 = np.array([r.log["induction_score"][-1] for r in one])
    rng, n = claim.rng("resample"), profile.n_resamples
    part = lambda stat, x, null, side: decide(ClaimSpec(stat, "mean", "one-sample", null, side, k), x,
                                              rng=rng, n_resamples=n)
    result = intersection_union(
        decide(spec, m["final"], rng=rng, n_resamples=n),
        part("mean rise width / midpoint step", m["relative_width"], ABRUPT.value, "less"),
        part("mean |loss halfway step - changepoint| / changepoint", m["apart"], SAME_WINDOW.value, "less"),
        part("mean final best-head induction score, one layer", final1, SCORE_FLOOR.value, "less"),
        names=("formed (2 layers)", "abrupt", "loss drops in window", "control (1 layer)"))
    claim.note(final_score_two_layers=m["final"].tolist(), final_score_one_layer=final1.tolist(),
               changepoint_steps=m["middle"].tolist(), rise_starts=m["start"].tolist(),
               rise_ends=m["end"].tolist(), repeated_loss_half_steps=m["loss_half"].tolist(),
               parts=part_rows(result), reference=spec.reference)
    series_figure(claim.figure_path("induction-score"),
                  {"two layers": _score_curves(two), "one layer (control)": _score_curves(one)},
                  "best head's induction score", "induction score over training; changepoint = median "
                  "midpoint of the rise", marks={"changepoint (median)": float(np.median(m["middle"]))},
                  second={"ylabel": "loss on the repeated copy (nats)", "series": {"repeated-token loss, two layers":
                          [(r.log["step"], r.log["repeated_loss"]) for r in two]}})
    claim.conclude(result)


@pytest.mark.claim("superposition.polysemantic_without_superposition", source=LECOMTE,
                   subject=f"toy autoencoders ReLU(W W^T x), n={POLY.n_features} features, m >= n neurons",
                   statement="With at least as many neurons as features, a trained toy model still has "
                             "polysemantic neurons, fewer as neurons are added, as a birthday-problem "
                             "count of collisions at initialisation predicts.")
def test_polysemantic_without_superposition(claim, profile):
    """At m = 2n neurons some neurons carry two features; at m = n there are more of them."""
    k, n = SIZES[profile.name].poly_seeds, POLY.n_features
    spec = ClaimSpec(statistic="mean number of polysemantic neurons at m = 2n", estimator="mean",
                     design="one-sample", null=0.0, alternative="greater", n=k,
                     thresholds={"carries": CARRIES},
                     primary="intersection-union with: paired by seed index, count at m = n minus "
                             "count at m = 2n > 0 (fewer with more neurons)",
                     reference=f"Lecomte et al. 2023: the count follows a birthday-problem estimate, "
                               f"growing as n^2/m; pairs of features colliding at initialisation: "
                               f"{expected_collisions(n, n):.1f} at m=n, {expected_collisions(n, 2 * n):.1f} at m=2n")
    claim.declare(spec, seeds=k)
    w = {m: train_toys(POLY, m, k, claim.seed) for m in (n, 2 * n)}
    counts = {m: count_polysemantic(v, CARRIES.value).numpy().astype(float) for m, v in w.items()}
    rng, r = claim.rng("resample"), profile.n_resamples
    exists = decide(spec, counts[2 * n], rng=rng, n_resamples=r)
    fewer = decide(ClaimSpec("mean count at m=n minus at m=2n", "mean_difference", "paired", 0.0,
                             "greater", k), counts[n], counts[2 * n], rng=rng, n_resamples=r)
    result = intersection_union(exists, fewer, names=("polysemantic at m = 2n", "fewer at m = 2n than m = n"))
    claim.note(counts={f"m={m}": c.tolist() for m, c in counts.items()},
               mean_counts={f"m={m}": float(c.mean()) for m, c in counts.items()},
               collision_pairs_predicted={f"m={m}": expected_collisions(n, m) for m in w},
               max_features_per_neuron={f"m={m}": int(features_per_neuron(v, CARRIES.value).max()) for m, v in w.items()},
               features_unrepresented={f"m={m}": int(((v.abs() > CARRIES.value).sum(-1) == 0).sum()) for m, v in w.items()},
               max_reconstruction_error={f"m={m}": float(reconstruction_error(v).max()) for m, v in w.items()},
               parts=part_rows(result), reference=spec.reference)
    claim.conclude(result)


@pytest.mark.claim("plateau.emerges_with_training", source=JANIAK,
                   subject="3-block GPT-2-architecture models trained on the corpus, over checkpoints",
                   statement="The plateau ratio of the seed report (real over synthetic bases) is about "
                             "1 at initialisation and grows as the model trains on real text.")
@pytest.mark.xdist_group("training-plateau")
def test_plateau_emerges_with_training(claim, profile, plateau_over_training):
    """The real/synthetic onset ratio at the last checkpoint exceeds the one at initialisation."""
    k = SIZES[profile.name].plateau_seeds
    spec = ClaimSpec(statistic="mean plateau ratio (median distance onset, real / synthetic bases, L2) at the last "
                               "checkpoint over the mean at initialisation",
                     estimator="ratio_of_means", design="paired", null=1.0, alternative="greater", n=k,
                     thresholds={"output_change_share_of_swap": SWAP_RULE},
                     primary="paired by training seed; the initialisation is the control (the ratio "
                             "there is reported with its own interval)",
                     reference="Janiak et al. 2024: stable regions emerge during training and sharpen "
                               "with training and size; seed report (GPT-2 small): ratio about 1.8; "
                               "random-weights Gemma 3 270M with the LASR code: 0.97")
    claim.declare(spec, seeds=k, depth=setups.WRITE_DEPTH)
    per_seed = plateau_over_training(profile.name, READOUT)
    steps = sorted(per_seed[0])
    ratios = np.array([[m[s]["ratio"] for s in steps] for m in per_seed])  # [seeds, checkpoints]
    rng, n = claim.rng("resample"), profile.n_resamples
    at_init = decide(ClaimSpec("mean plateau ratio at initialisation", "mean", "one-sample", 1.0,
                               "greater", k), ratios[:, 0], rng=rng, n_resamples=n)
    claim.note(checkpoints=steps, ratios_by_seed=ratios.tolist(),
               ratio_at_init=f"{at_init.estimate:.3g} [{at_init.ci_low:.3g}, {at_init.ci_high:.3g}]",
               censored_real_last=[m[steps[-1]]["censored_real"] for m in per_seed],
               reference=spec.reference)
    series_figure(claim.figure_path("plateau-ratio"), {"plateau ratio (real / synthetic)":
                  [(steps, r.tolist()) for r in ratios]}, "median onset ratio, real / synthetic",
                  "plateau ratio over training checkpoints (one line per seed)")
    claim.conclude(decide(spec, ratios[:, -1], ratios[:, 0], rng=rng, n_resamples=n))
