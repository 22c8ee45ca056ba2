"""Expected non-holding is data: patterns over models, claim ids and parameter ids."""

from lmclaims.models.spec import canonical_model
from lmclaims.plugin.expectations import expectation_for

TABLE = {
    "random:*": {"model.beats_unigram": "random weights"},
    "gemma-3-270m@standard": {"plateau.real_wider[middle-*]": "weaker in the middle", "directions.*": "all"},
}


def test_model_patterns_and_normalisation():
    """'random' means the default's architecture with random weights; patterns are shell-style."""
    assert canonical_model("random") == "random:gemma-3-270m"
    assert expectation_for("model.beats_unigram", "", "random:gemma-3-270m@smoke", TABLE) == "random weights"
    assert expectation_for("model.beats_unigram", "", "gemma-3-270m@standard", TABLE) is None
    assert expectation_for("directions.x", "early-kl", "gemma-3-270m@smoke", TABLE) is None


def test_parameter_patterns_select_parametrisations():
    """'id[param-pattern]' matches the test's parameter id; brackets are not character classes."""
    assert expectation_for("plateau.real_wider", "middle-kl", "gemma-3-270m@standard", TABLE) == "weaker in the middle"
    assert expectation_for("plateau.real_wider", "early-kl", "gemma-3-270m@standard", TABLE) is None
    assert expectation_for("directions.isotropic", "late-l2", "gemma-3-270m@standard", TABLE) == "all"
