"""The pytest plugin on small claim tests that need no model: records, outcomes, a complete report."""

import json
import tomllib
from pathlib import Path

import pytest

from lmclaims.report import fmt

PROJECT_INI = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]

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
    claim.conclude(decide(claim.spec, claim.rng("data").normal(1.0, 1.0, 40), rng=claim.rng("resample"), n_resamples=999))

@pytest.mark.claim("demo.inconclusive", statement="No effect is inconclusive.", source="test")
@pytest.mark.parametrize("depth", [0.5], ids=["middle"])
def test_inconclusive(claim, depth):
    claim.declare(spec(40))
    claim.conclude(decide(claim.spec, claim.rng("data").normal(0.0, 1.0, 40), rng=claim.rng("resample"), n_resamples=999))

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
@pytest.mark.xdist_group("shared")
def test_dies(claim):
    if os.environ.get("DEMO_DIE"):
        with open(os.environ["DEMO_DIE"], "a") as fh:
            fh.write("ran;")
        os._exit(3)

@pytest.mark.claim("demo.after_death", statement="Shares a worker with the dying claim.", source="test")
@pytest.mark.xdist_group("shared")
def test_after_death(claim):
    claim.declare(spec(40))
    claim.conclude(decide(claim.spec, claim.rng("data").normal(1.0, 1.0, 40), rng=claim.rng("resample"), n_resamples=999))

def test_not_a_claim():
    assert sum([1, 1]) == 2
'''


@pytest.fixture
def demo(pytester, monkeypatch):
    """Run the demo claims in a subprocess under the project's own pytest options (addopts)."""
    pytester.makepyfile(test_demo=CLAIMS)
    pytester.makeini("[pytest]\naddopts = " + " ".join(PROJECT_INI["addopts"])
                     + f"\nxfail_strict = {PROJECT_INI['xfail_strict']}\n")
    def run(*args, report="claims", **env):
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=120)
        data = json.loads((pytester.path / "reports" / f"{report}.json").read_text())
        return result, {c["id"]: c for c in data["claims"]}, data
    return run


def test_each_outcome_becomes_a_verdict(demo, pytester):
    """holds, inconclusive (a failed test), error, n/a; ordinary tests stay out of the report."""
    result, claims, report = demo("-n", "0")
    assert claims["demo.holds"]["verdict"] == "holds"
    assert claims["demo.inconclusive"]["verdict"] == "inconclusive"
    assert claims["demo.inconclusive"]["params"] == {"depth": 0.5}
    assert claims["demo.crashes"]["verdict"] == "error"
    assert "division by zero" in claims["demo.crashes"]["reason"]
    assert claims["demo.skipped"]["verdict"] == "n/a" and "no attention" in claims["demo.skipped"]["reason"]
    assert len(report["claims"]) == 7
    result.assert_outcomes(passed=5, failed=2, skipped=1)
    assert "demo.inconclusive inconclusive" in result.stdout.str()  # the verdict's own line
    rows = {}
    for line in (pytester.path / "reports" / "claims.md").read_text().splitlines():
        if line.startswith("| `demo."):  # the summary table's rows come first
            rows.setdefault(line.split("|")[1].strip(" `"), [cell.strip() for cell in line.split("|")[1:-1]])
    level = 4  # claim | parameters | verdict | estimate | level | n | p | ...
    assert rows["demo.holds"][level] == fmt.num(claims["demo.holds"]["level"]) != "–"
    assert rows["demo.crashes"][level] == rows["demo.skipped"][level] == "–"  # nothing decided: no level


def test_a_claim_past_its_time_limit_is_an_error(demo):
    """--claims-timeout turns a hanging claim into an error; the others are still reported."""
    result, claims, _ = demo("-n", "0", "--claims-timeout", "1", DEMO_SLOW="1")
    assert claims["demo.slow"]["verdict"] == "error"
    assert "ran longer than --claims-timeout 1 s" in claims["demo.slow"]["reason"]
    assert claims["demo.holds"]["verdict"] == "holds"


@pytest.mark.parametrize("workers", ["2", "3"])
def test_a_dead_worker_still_leaves_a_complete_report(demo, tmp_path, workers):
    """Under xdist with the project's addopts (loadgroup), a claim that kills its worker runs
    once and is an error with the exit code; its group's other claim and every other claim
    are decided; the run ends by itself."""
    ran = tmp_path / "ran"
    result, claims, report = demo("-n", workers, "-v", DEMO_DIE=str(ran))
    assert "scheduling tests via CrashSafeLoadGroupScheduling" in result.stdout.str()
    assert ran.read_text() == "ran;"  # never re-sent to another worker
    assert claims["demo.dies"]["verdict"] == "error"
    assert "exited with code 3" in claims["demo.dies"]["reason"]
    assert claims["demo.after_death"]["verdict"] == "holds"
    assert claims["demo.holds"]["verdict"] == "holds"
    assert {c["verdict"] for c in claims.values()} <= {"holds", "inconclusive", "error", "n/a"}
    assert [c["id"] for c in report["claims"] if c["verdict"] == "error"] == ["demo.crashes", "demo.slow",
                                                                                 "demo.dies"]
    assert len(claims) == 7 and not report["run"]["interrupted"] and not report["run"]["partial"]
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


def test_without_xdist_the_same_records_as_n0(demo):
    """`-p no:xdist` runs (no --dist in addopts to trip on, xdist_group still a known marker)
    and gives the records `-n 0` gives."""
    result, without, _ = demo("-p", "no:xdist")
    assert result.ret == 1, result.stdout.str()[-2000:]
    _, serial, _ = demo("-n", "0")
    fields = ("verdict", "estimate", "ci_low", "ci_high", "p_value", "p_adjusted", "reason")
    assert {k: [c[f] for f in fields] for k, c in without.items()} == \
           {k: [c[f] for f in fields] for k, c in serial.items()}


def test_an_interrupt_lists_unfinished_claims_as_errors(demo):
    """Stopping after the first failure (as Ctrl-C would) reports what ran and lists the rest."""
    result, claims, report = demo("-n", "0", "-x")
    assert report["run"]["interrupted"] and report["run"]["partial"].startswith("2 of the 7 claims")
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
    """A claim marker without a dotted id fails its module's collection with one line."""
    pytester.makepyfile(test_bad='''
import pytest
@pytest.mark.claim("nodots", statement="s", source="s")
def test_x(claim):
    pass
''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert "ERROR collecting test_bad.py" in result.stdout.str() and "one dotted id" in result.stdout.str()
