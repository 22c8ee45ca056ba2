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


def test_model_entries_never_apply_to_a_claim_about_another_subject(pytester):
    """`random:*` lists induction.*; a trained-toy claim with subject= is not about --model."""
    pytester.makeconftest('''
from lmclaims.plugin.expectations import apply_expectations

def pytest_collection_modifyitems(config, items):
    apply_expectations(items, "random", "smoke", {"random:*": {"induction.*": "learned"}})
''')
    pytester.makepyfile(test_subject='''
import pytest

@pytest.mark.claim("induction.on_model", statement="s", source="s")
def test_on_model(claim):
    pass

@pytest.mark.claim("induction.on_toys", statement="s", source="s", subject="toy transformers")
def test_on_toys(claim):
    pass
''')
    items, _ = pytester.inline_genitems("-p", "no:cacheprovider")
    xfails = {item.name: item.get_closest_marker("xfail") is not None for item in items}
    assert xfails == {"test_on_model": True, "test_on_toys": False}
