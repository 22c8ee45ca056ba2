"""The claims suite on the real embedded model, run as a user runs it (subprocess, smoke profile)."""

import pytest

pytestmark = pytest.mark.real_model

SMOKE = ("--claims-profile", "smoke")
RECORD_FIELDS = {"id", "nodeid", "params", "verdict", "statement", "source", "estimate", "ci_low",
                 "ci_high", "n", "p_value", "p_adjusted", "spec", "mde"}


def test_first_claims_hold_on_the_default_model(run_suite):
    """The sanity and induction claims hold on Gemma 3 270M, and the report has every field."""
    run = run_suite("claims/test_sanity.py", "claims/test_induction.py", *SMOKE, "-n", "0")
    assert run.returncode == 0, run.output[-3000:]
    claims = run.report["claims"]
    assert {c["id"] for c in claims} == {"model.beats_unigram", "induction.repeated_tokens_loss_drop",
                                         "induction.heads_exist"}
    for c in claims:
        assert RECORD_FIELDS <= set(c), c.keys()
        assert c["verdict"] == "holds", c["reason"]
        assert c["ci_low"] <= c["estimate"] <= c["ci_high"]
        assert c["p_adjusted"] >= c["p_value"]
    header = run.report["run"]
    assert header["model"]["gguf_sha256"] and header["seed"] == 0 and header["libraries"]["torch"]
    text = run.report_md.read_text()
    assert "## Summary" in text and "Pre-registered protocol" in text


def test_same_numbers_with_and_without_xdist(run_suite):
    """`-n 0` and `-n 2` with the same seed give identical estimates, intervals and p-values."""
    args = ("claims/test_sanity.py", "claims/test_residual.py", "-k", "unigram or early", *SMOKE)
    serial = run_suite(*args, "-n", "0", report_name="serial.md")
    parallel = run_suite(*args, "-n", "2", report_name="parallel.md")
    assert serial.returncode == 0 and parallel.returncode == 0, parallel.output[-3000:]
    key = lambda c: c["nodeid"]
    fields = ("estimate", "ci_low", "ci_high", "p_value", "mde", "verdict")
    a = sorted(serial.report["claims"], key=key)
    b = sorted(parallel.report["claims"], key=key)
    assert [[c[f] for f in fields] for c in a] == [[c[f] for f in fields] for c in b]
    assert len(a) == 2


def test_random_weights_do_not_beat_unigram(run_suite):
    """The random-weights control fails the sanity claim, as expected (strict xfail, exit 0)."""
    run = run_suite("claims/test_sanity.py", "--model", "random", *SMOKE, "-n", "0")
    assert run.returncode == 0, run.output[-3000:]
    (record,) = run.claims("model.beats_unigram")
    assert record["verdict"] == "contradicted" and record["expected"]
    assert run.report["run"]["model"]["label"] == "random:gemma-3-270m"
