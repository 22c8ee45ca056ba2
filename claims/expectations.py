"""Claims expected not to hold, per model: (model pattern -> claim pattern -> reason).

Patterns are shell-style, matched against the normalized `--model` value
('random' means 'random:gemma-3-270m') and against the claim id or `id[param-id]`.
Each entry becomes a strict xfail: if the claim unexpectedly holds, the run fails.
"""

EXPECTED_NOT_TO_HOLD: dict[str, dict[str, str]] = {
    "random:*": {
        "model.beats_unigram": "random weights predict near-uniformly over the vocabulary; the "
                               "unigram baseline is far better (built-in negative control)",
        "induction.repeated_tokens_loss_drop": "induction heads form during training",
        "induction.heads_exist": "induction heads form during training",
    },
}
