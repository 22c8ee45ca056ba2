"""The pytest plugin on small claim tests that need no model: records, outcomes, a complete report."""

import json

import pytest

CLAIMS = '''
import os, time
import numpy as np
import pytest
from lmclaims.stats import ClaimSpec, decide

def spec(n):
    return ClaimSpec(statistic="mean", estimator="mean", design="one-sample", null=0.0,
                     alternative="greater", n=n)

@pytest.mark.claim("demo.holds", statement="A clear effect holds.", source="test")
def test_holds(claim):
    claim.declare(spec(40))
    claim.conclude(decide(claim.spec, claim.rng.normal(1.0, 1.0, 40), rng=claim.rng, n_resamples=999))

@pytest.mark.claim("demo.inconclusive", statement="No effect is inconclusive.", source="test")
@pytest.mark.parametrize("depth", [0.5], ids=["middle"])
def test_inconclusive(claim, depth):
    claim.declare(spec(40))
    claim.conclude(decide(claim.spec, claim.rng.normal(0.0, 1.0, 40), rng=claim.rng, n_resamples=999))

@pytest.mark.claim("demo.crashes", statement="A bug is an error, not a verdict.", source="test")
def test_crashes(claim):
    raise ZeroDivisionError("division by zero in the measurement")

@pytest.mark.claim("demo.skipped", statement="Not applicable.", source="test")
def test_skipped(claim):
    pytest.skip("n/a: the model has no attention")

@pytest.mark.claim("demo.slow", statement="Hangs.", source="test")
def test_slow(claim):
    if os.environ.get("DEMO_SLOW"):
        time.sleep(30)

@pytest.mark.claim("demo.dies", statement="Kills its worker.", source="test")
def test_dies(claim):
    if os.environ.get("DEMO_DIE"):
        os._exit(3)

def test_not_a_claim():
    assert sum([1, 1]) == 2
'''


@pytest.fixture
def demo(pytester):
    pytester.makepyfile(test_demo=CLAIMS)
    def run(*args, **env):
        for key, value in env.items():
            pytester._monkeypatch.setenv(key, value)
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)
        report = json.loads((pytester.path / "reports" / "claims.json").read_text())
        return result, {c["id"]: c for c in report["claims"]}, report
    return run


def test_each_outcome_becomes_a_verdict(demo):
    """holds, inconclusive (a failed test), error, n/a; ordinary tests stay out of the report."""
    result, claims, report = demo("-n", "0")
    assert claims["demo.holds"]["verdict"] == "holds"
    assert claims["demo.inconclusive"]["verdict"] == "inconclusive"
    assert claims["demo.inconclusive"]["params"] == {"depth": 0.5}
    assert claims["demo.crashes"]["verdict"] == "error"
    assert "division by zero" in claims["demo.crashes"]["reason"]
    assert claims["demo.skipped"]["verdict"] == "n/a" and "no attention" in claims["demo.skipped"]["reason"]
    assert len(report["claims"]) == 6
    result.assert_outcomes(passed=4, failed=2, skipped=1)
    assert "demo.inconclusive inconclusive" in result.stdout.str()  # the verdict's own line


def test_a_claim_past_its_time_limit_is_an_error(demo):
    """--claims-timeout turns a hanging claim into an error; the others are still reported."""
    result, claims, _ = demo("-n", "0", "--claims-timeout", "1", DEMO_SLOW="1")
    assert claims["demo.slow"]["verdict"] == "error"
    assert "ran longer than --claims-timeout 1 s" in claims["demo.slow"]["reason"]
    assert claims["demo.holds"]["verdict"] == "holds"


def test_a_dead_worker_still_leaves_a_complete_report(demo):
    """Under xdist, a claim whose worker dies is an error; every other claim is reported."""
    result, claims, _ = demo("-n", "2", DEMO_DIE="1")
    assert claims["demo.dies"]["verdict"] == "error"
    assert claims["demo.holds"]["verdict"] == "holds"
    assert len(claims) == 6


def test_an_interrupt_lists_unfinished_claims_as_errors(demo):
    """Stopping after the first failure (as Ctrl-C would) reports what ran and lists the rest."""
    result, claims, report = demo("-n", "0", "-x")
    assert report["run"]["interrupted"]
    assert claims["demo.holds"]["verdict"] == "holds"
    (unfinished,) = [c for c in report["claims"] if c["nodeid"].endswith("::test_skipped")]
    assert unfinished["verdict"] == "error" and "did not run" in unfinished["reason"]


def test_same_seed_same_numbers_and_seed_changes_them(demo):
    """The run seed and node id fix every number; another --claims-seed changes them."""
    _, first, _ = demo("-n", "0")
    _, again, _ = demo("-n", "2")
    _, other, _ = demo("-n", "0", "--claims-seed", "7")
    assert first["demo.holds"]["estimate"] == again["demo.holds"]["estimate"]
    assert first["demo.holds"]["estimate"] != other["demo.holds"]["estimate"]


def test_marker_arguments_are_validated(pytester):
    """A claim marker without a dotted id is refused at collection with a usage error."""
    pytester.makepyfile(test_bad='''
import pytest
@pytest.mark.claim("nodots", statement="s", source="s")
def test_x(claim):
    pass
''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "one dotted id" in result.stderr.str()
