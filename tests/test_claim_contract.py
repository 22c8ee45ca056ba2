"""The claim contract (lmclaims.claim): marker rules, random streams, subject, enforced capabilities."""

import json
from pathlib import Path

import numpy as np
import pytest

from lmclaims.claim import Claim, ClaimMeta
from lmclaims.profiles import get_profile
from lmclaims.stats import ClaimSpec, decide


SPEC = ClaimSpec(statistic="mean", estimator="mean", design="one-sample", null=0.0,
                 alternative="greater", n=30)


def _claim(seed: int = 7, declared: bool = False, **meta) -> Claim:
    info = ClaimMeta("demo.streams", "s", "s", **meta)
    claim = Claim(info, "test_x.py::test_x", seed, get_profile("smoke"), Path("/tmp/f"), Path("/tmp"))
    if declared:
        claim.declare(SPEC)
    return claim


def test_each_purpose_has_its_own_stream_that_continues():
    """Different purposes draw different numbers; the same purpose continues one stream."""
    claim = _claim(declared=True)
    data, resample = claim.rng("data"), claim.rng("resample")
    first = data.random(4)
    assert not np.allclose(first, resample.random(4))
    assert claim.rng("data") is data and not np.allclose(first, claim.rng("data").random(4))
    again = _claim(declared=True).rng("data").random(4)
    assert np.allclose(again, first)  # same seed and purpose: same numbers
    assert not np.allclose(_claim(seed=8, declared=True).rng("data").random(4), first)


def test_subject_names_what_the_claim_is_about():
    assert _claim(subject="toy ReLU autoencoders").model_label == "toy ReLU autoencoders"
    assert _claim().model_label == "the model"


@pytest.mark.parametrize("kwargs, message", [
    ({"requires": "attention"}, "tuple of capability names"),
    ({"requires": ("attentoin",)}, "unknown capabilities"),
    ({"subject": "toy models", "requires": ("attention",)}, "drop one of them"),
    ({"subject": "  "}, "'subject' must be a non-empty string"),
])
def test_marker_refuses_bad_requires_and_subject(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ClaimMeta.from_marker(("demo.x",), {"statement": "s", "source": "s", **kwargs})


NO_FIXTURE = '''
import pytest
@pytest.mark.claim("demo.no_fixture", statement="s", source="s")
def test_x():
    pass
'''

REQUIRES_WITHOUT_MODEL = '''
import pytest
from lmclaims.stats import ClaimSpec, decide

@pytest.mark.claim("demo.needs_attention", statement="s", source="s", requires=("attention",))
def test_needs_attention(claim):
    spec = ClaimSpec(statistic="mean", estimator="mean", design="one-sample", null=0.0,
                     alternative="greater", n=30)
    claim.declare(spec)
    claim.conclude(decide(spec, claim.rng("data").normal(2.0, 1.0, 30), rng=claim.rng("resample"),
                          n_resamples=999))
'''

LOADED_MODEL = '''
import dataclasses
import pytest
from lmclaims.models.tiny import tiny_model

class WithoutAttention:
    """The real tiny bridge with its attention hooks hidden (no attention-free model ships)."""
    def __init__(self, bridge):
        self.hook_dict = {{k: v for k, v in bridge.hook_dict.items() if ".attn." not in k}}

@pytest.fixture(scope="session")
def loaded_model():
    model = tiny_model("gpt2", layers=1)
    return dataclasses.replace(model, bridge=WithoutAttention(model.bridge)) if {cut!r} else model
'''


def test_a_claim_test_must_take_the_claim_fixture(pytester):
    pytester.makepyfile(test_bad=NO_FIXTURE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.INTERRUPTED  # a collection error of the module
    assert "must take the `claim` fixture" in result.stdout.str()


@pytest.mark.parametrize("cut, verdict", [(False, "holds"), (True, "n/a")])
def test_requires_is_checked_even_when_the_test_never_asks_for_the_model(pytester, cut, verdict):
    """The plugin, not the `model` fixture, checks `requires=`: a model without the hook is n/a."""
    pytester.makepyfile(test_needs=REQUIRES_WITHOUT_MODEL)
    pytester.makeconftest(LOADED_MODEL.format(cut=cut))
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "--claims-profile", "smoke", timeout=300)
    claims = json.loads((pytester.path / "reports" / "claims.json").read_text())["claims"]
    assert [c["verdict"] for c in claims] == [verdict]
    if cut:
        assert "lacks attention" in claims[0]["reason"]


def test_the_protocol_is_declared_once_before_any_draw():
    """rng before declare, a second declare and a second conclude are refused, naming the claim."""
    claim = _claim()
    with pytest.raises(RuntimeError, match="declare.*before drawing"):
        claim.rng("data")
    claim.declare(SPEC)
    with pytest.raises(RuntimeError, match="declare was called twice"):
        claim.declare(SPEC)
    result = decide(SPEC, claim.rng("data").normal(0.0, 1.0, 30), rng=claim.rng("resample"),
                    n_resamples=199)
    with pytest.raises(Exception):
        claim.conclude(result)  # a null effect: not shown (the claim fails or is n/a)
    with pytest.raises(RuntimeError, match="conclude was called twice"):
        claim.conclude(result)
