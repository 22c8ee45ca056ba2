"""Claims expected not to hold, per model: (model pattern -> claim pattern -> reason).

Model patterns are shell-style, matched against 'model@profile' with the normalized
`--model` value ('random' means 'random:gemma-3-270m'); a pattern without '@' applies to
every profile. Claim patterns are 'id' or 'id[param-id]', each part shell-style (param
ids look like 'early-kl'). Each entry becomes a strict xfail: if the claim unexpectedly
holds, the run fails, and the table needs updating.

Only substantive predictions belong here, each ending with its source: what a random-weights
control cannot show, and what the literature itself predicts for a model. A borderline
outcome measured once (one seed, one n) is not a prediction: rerun with another seed or more
data it holds with a probability near one half and fails the run as a strict XPASS, so more
evidence would make the suite fail (issue 12). Those claims run without an entry; the report
says whether they held, at the run's level, with the MDE beside the reference effect.
directions.improved_baseline has no entry: it is an equivalence claim (TOST), so the
literature's "no practical difference" (Lee & Heimersheim 2024) is what passing means, on a
trained model and on a random-weights control alike.
"""

TRAINING_PRODUCES = ("produced by training; a random-weights control is not expected to show it. "
                     "Source: the claim's own paper (a negative control, CLAIMS.md 'Controls')")

EXPECTED_NOT_TO_HOLD: dict[str, dict[str, str]] = {
    "random:*": {
        "model.beats_unigram": "random weights predict near-uniformly over the vocabulary; the "
                               "unigram baseline is far better (built-in negative control). "
                               "Source: CLAIMS.md, sanity claims",
        "induction.*": "induction heads form during training. Source: Olsson et al. 2022, "
                       "In-context Learning and Induction Heads",
        "plateau.*": "stable regions emerge with training; on random weights the plateau ratio is "
                     "0.97 and KS 0.12 (p 0.47) with the published code. Source: Janiak et al. 2024; "
                     "CLAIMS.md, random-weights rows of the LASR reference table",
        "directions.isotropic_less_sensitive": TRAINING_PRODUCES,
        "directions.toward_real_more_sensitive": TRAINING_PRODUCES,
        "sae.reconstruction_recovers_loss": "random weights predict near-uniformly whatever the "
            "residual (the model.beats_unigram control), so zero ablation opens no loss gap for an "
            "SAE to recover. Source: CLAIMS.md, sanity claims",
        "sae.features_sensitive": "on random weights the KL never reaches the threshold along any "
            "direction (as for plateau.*): sensitive directions emerge with training. Source: "
            "Janiak et al. 2024",
    },
    "gemma-3-270m*": {
        "directions.isotropic_less_sensitive": "on a model with massive activations the covariance "
            "baseline's top eigenvalue holds most of the variance (94% at block 1 of this model), "
            "to which the output is insensitive, so covariance-random directions are the less "
            "sensitive and isotropic ones the more. Source: Sun et al. 2024, Massive Activations "
            "in Large Language Models (arXiv 2402.17762); CLAIMS.md, 'A trap in the covariance "
            "baseline'",
    },
}
