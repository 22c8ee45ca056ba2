"""The run's weighted plan (stats.budget) and the marker's `primary=` (claim.marker, plugin.family)."""

import json

import pytest

from lmclaims.claim import ClaimMeta
from lmclaims.stats import budget
from test_plugin import PROJECT_INI


def family(*claims: tuple[str, int, int]) -> list[tuple[str, str, bool]]:
    """Members of claims given as (id, tests, primaries): the first `primaries` tests primary."""
    return [(f"{cid}[{i}]", cid, i < primaries) for cid, tests, primaries in claims for i in range(tests)]


PLANS = {
    "one claim": family(("a.one", 1, 0)),
    "no primaries": family(("a.x", 18, 0), ("a.y", 3, 0), ("a.z", 1, 0)),
    "suite-like": family(*[(f"plateau.c{i}", 18, 1) for i in range(3)], ("plateau.eq", 9, 1),
                         ("residual.r", 3, 1), ("toy.t", 2, 0), *[(f"one.c{i}", 1, 0) for i in range(17)]),
    "several primaries": family(("a.x", 10, 3), ("a.y", 4, 4), ("a.z", 5, 0)),
}


@pytest.mark.parametrize("name", list(PLANS))
def test_weights_sum_to_one(name):
    """Bonferroni's guarantee needs sum_i w_i = 1 exactly (up to rounding), whatever the plan."""
    w = budget.weights(PLANS[name])
    assert sum(v for v, _ in w.values()) == pytest.approx(1.0, abs=1e-12)
    assert all(0 < v <= 1 for v, _ in w.values())


def test_primaries_get_their_share_of_their_claim():
    """One primary of 18 tests gets half the claim's 18 / K; the 17 secondaries share the rest."""
    members = PLANS["suite-like"]
    size, w = len(members), budget.weights(members)
    assert w["plateau.c0[0]"] == (pytest.approx(budget.PRIMARY_SHARE * 18 / size), "primary")
    assert w["plateau.c0[1]"] == (pytest.approx((1 - budget.PRIMARY_SHARE) * 18 / size / 17), "secondary")
    assert w["plateau.c0[0]"][0] == pytest.approx(9 * (1 / size))  # nine times the equal level
    claim_total = sum(v for t, (v, _) in w.items() if t.startswith("plateau.c0["))
    assert claim_total == pytest.approx(18 / size)  # a claim keeps the share equal weights give it
    several = budget.weights(PLANS["several primaries"])
    assert several["a.x[0]"][0] == pytest.approx(0.5 * 10 / 19 / 3)


def test_declaring_primaries_changes_no_other_claims_weight():
    with_primary = budget.weights(PLANS["suite-like"])
    without = budget.weights([(t, c, False) for t, c, _ in PLANS["suite-like"]])
    others = [t for t in without if not t.startswith(("plateau.", "residual."))]
    assert all(with_primary[t] == without[t] for t in others)


def test_a_plan_without_primaries_is_equal_weights():
    members = PLANS["no primaries"]
    w = budget.weights(members)
    assert all(v == pytest.approx(1 / len(members)) for v, _ in w.values())
    assert {role for _, role in w.values()} == {"equal"}
    every = budget.weights(family(("a.y", 4, 4)))  # every test primary: the same as none
    assert all(v == 0.25 for v, _ in every.values())
    assert "equal weights" in budget.describe({"size": len(members), "plan": budget.plan_rows(members)}, 0.025)["plan"]


def test_the_described_plan_states_weights_and_levels():
    members = PLANS["suite-like"]
    shown = budget.describe({"size": len(members), "plan": budget.plan_rows(members)}, 0.025)
    assert "primaries share 0.5" in shown["plan"] and f"{len(members)} claim tests" in shown["plan"]
    row = next(r for r in shown["claims"] if r["id"] == "plateau.c1")
    assert (row["tests"], row["primaries"]) == (18, 1)
    assert row["level_primary"] == pytest.approx(0.025 * 9 / len(members))


@pytest.mark.parametrize("primary, message", [
    ("early", "'primary' must be a dict"),
    ({}, "'primary' must be a dict"),
    ([{"depth": 0.5}, "late"], "'primary' must be a dict"),
    ({"depth": [0.5, [1]]}, "'primary' must be a dict"),
])
def test_marker_refuses_bad_primary_shapes_naming_the_claim(primary, message):
    with pytest.raises(ValueError, match=f"claim\\('demo.x'\\): {message}"):
        ClaimMeta.from_marker(("demo.x",), {"statement": "s", "source": "s", "primary": primary})


def test_primary_matches_parameter_values():
    meta = ClaimMeta.from_marker(("demo.x",), {"statement": "s", "source": "s",
                                               "primary": [{"depth": 0.1, "readout": ("l2", "kl")}]})
    assert meta.is_primary({"depth": 0.1, "readout": "kl", "design": "ours"})
    assert not meta.is_primary({"depth": 0.5, "readout": "l2"}) and not meta.is_primary({})


DEMO = '''
import pytest
from lmclaims.stats import ClaimSpec, decide

def run(claim, effect):
    claim.declare(ClaimSpec(statistic="mean", estimator="mean", design="one-sample", null=0.0,
                            alternative="greater", n=40))
    claim.conclude(decide(claim.spec, claim.rng("data").normal(effect, 1.0, 40),
                          rng=claim.rng("resample"), n_resamples=999))

@pytest.mark.claim("demo.depths", statement="s", source="s", primary=PRIMARY)
@pytest.mark.parametrize("readout", ["kl", "l2"])
@pytest.mark.parametrize("depth", [0.1, 0.5, 0.9], ids=["early", "middle", "late"])
def test_depths(claim, depth, readout):
    run(claim, 0.55)

@pytest.mark.claim("demo.single", statement="s", source="s")
def test_single(claim):
    run(claim, 0.55)
'''


@pytest.fixture
def demo(pytester):
    pytester.makeini("[pytest]\naddopts = " + " ".join(PROJECT_INI["addopts"]) + "\n")

    def run(primary: str, *args):
        pytester.makepyfile(test_demo=DEMO.replace("PRIMARY", primary))
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=120)
        path = pytester.path / "reports" / "claims.json"
        data = json.loads(path.read_text()) if path.exists() and result.ret != 4 else None
        return result, data
    return run


@pytest.mark.parametrize("primary, message", [
    ('{"dept": 0.1}', "claim('demo.depths'): primary names parameter 'dept', which its tests do not "
                      "have (parameters: depth, readout)"),
    ('{"depth": "early"}', "claim('demo.depths'): primary depth='early' matches no test; its depth "
                           "values are 0.1, 0.5, 0.9"),
    ('"late"', "claim('demo.depths'): 'primary' must be a dict"),
])
@pytest.mark.parametrize("workers", ["0", "2"])
def test_a_bad_primary_stops_collection_with_one_line(demo, primary, message, workers, pytester):
    """A collection error of the claim's module, with the whole reason on one line, under xdist
    too (a usage error raised on a worker used to end in an xdist INTERNALERROR); no report."""
    result, _ = demo(primary, "-n", workers)
    out = result.stdout.str()
    assert result.ret in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.TESTS_FAILED)  # xdist: 1
    assert "INTERNALERROR" not in out + result.stderr.str() and "ERROR collecting test_demo.py" in out
    assert any(message in line for line in out.splitlines()), out
    assert not (pytester.path / "reports" / "claims.json").exists()


def test_the_plan_is_fixed_at_collection_whatever_is_selected(demo, pytester):
    """The primary gets half its claim's 6 / 7 of alpha; -k changes no weight, level or outcome;
    the run section states the plan; -n 2 gives the same numbers as -n 0."""
    _, full = demo('{"depth": 0.1, "readout": "l2"}', "-n", "0")
    by_node = {c["nodeid"]: c for c in full["claims"]}
    primary = by_node["test_demo.py::test_depths[early-l2]"]
    assert (primary["role"], primary["weight"]) == ("primary", pytest.approx(0.5 * 6 / 7))
    assert primary["level"] == pytest.approx(0.025 * 0.5 * 6 / 7)
    secondary = by_node["test_demo.py::test_depths[late-kl]"]
    assert (secondary["role"], secondary["weight"]) == ("secondary", pytest.approx(0.5 * 6 / 7 / 5))
    assert by_node["test_demo.py::test_single"]["weight"] == pytest.approx(1 / 7)
    text = (pytester.path / "reports" / "claims.md").read_text()
    assert "Error budget per claim" in text and "primaries share 0.5" in text and "(primary)" in text
    _, selected = demo('{"depth": 0.1, "readout": "l2"}', "-k", "early or single")
    for c in selected["claims"]:
        assert {k: c[k] for k in ("weight", "level", "verdict", "test_outcome", "p_value")} == \
               {k: by_node[c["nodeid"]][k] for k in ("weight", "level", "verdict", "test_outcome", "p_value")}
    _, parallel = demo('{"depth": 0.1, "readout": "l2"}', "-n", "2")
    keys = ("weight", "level", "verdict", "p_value", "estimate", "ci_low", "ci_high", "p_adjusted")
    assert {c["nodeid"]: [c[k] for k in keys] for c in parallel["claims"]} == \
           {n: [c[k] for k in keys] for n, c in by_node.items()}
    assert all((c["test_outcome"] == "passed") == (c["verdict"] in ("holds", "equivalent"))
               for c in full["claims"])


def test_a_primary_never_gets_less_than_a_secondary():
    """With half or more of a claim's tests primary, the primaries' count share replaces 1/2, so
    every test of that claim gets its equal weight (4 of 6 primary used to give primaries 0.125 of
    the claim's share each and secondaries 0.25)."""
    members = [(f"t{i}", "c", i < 4) for i in range(6)] + [("u", "d", False)]
    w = budget.weights(members)
    assert all(w[f"t{i}"][0] == pytest.approx(1 / 7) for i in range(6))
    few = budget.weights([(f"t{i}", "c", i < 2) for i in range(6)])
    assert few["t0"][0] > few["t5"][0] and sum(v for v, _ in few.values()) == pytest.approx(1.0)
