"""`--claims-shard I/K` and `lmclaims merge`: a run split over K shards and merged has the
verdicts, adjusted p-values and test outcomes of the same run unsharded (demo claims, no model)."""

import json

import pytest

from lmclaims.cli import main
from test_plugin import PROJECT_INI

CLAIMS = '''
import pytest
from lmclaims.stats import ClaimSpec, decide

def spec(n):
    return ClaimSpec(statistic="mean", estimator="mean", design="one-sample", null=0.0,
                     alternative="greater", n=n)

def run(claim, effect):
    claim.declare(spec(40))
    claim.conclude(decide(claim.spec, claim.rng("data").normal(effect, 1.0, 40), rng=claim.rng("resample"), n_resamples=999))

@pytest.mark.claim("demo.strong", statement="A clear effect holds.", source="test")
@pytest.mark.parametrize("k", range(2))
def test_strong(claim, k):
    run(claim, 1.5)

@pytest.mark.claim("demo.weak", statement="A small effect, near the level.", source="test")
@pytest.mark.parametrize("k", range(6))
def test_weak(claim, k):
    run(claim, 0.4)

@pytest.mark.claim("demo.grouped", statement="Shares a worker.", source="test")
@pytest.mark.xdist_group("shared")
def test_grouped_a(claim):
    run(claim, 0.6)

@pytest.mark.claim("demo.grouped_too", statement="Shares a worker.", source="test")
@pytest.mark.xdist_group("shared")
def test_grouped_b(claim):
    run(claim, 0.0)

@pytest.mark.claim("demo.crashes", statement="A bug is an error.", source="test")
def test_crashes(claim):
    raise ZeroDivisionError("in the measurement")
'''
FAMILY = 11  # claim tests in CLAIMS
K = 3
SAME = ("verdict", "verdict_raw", "p_value", "p_adjusted", "estimate", "ci_low", "ci_high",
        "test_outcome", "note")


@pytest.fixture
def suite(pytester):
    """`suite(*args, report=NAME) -> (result, report data)` under the project's addopts."""
    pytester.makepyfile(test_demo=CLAIMS)
    pytester.makeini("[pytest]\naddopts = " + " ".join(PROJECT_INI["addopts"]) + "\n")
    def run(*args, report="claims"):
        path = pytester.path / "reports" / f"{report}.md"
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--claims-report", str(path),
                                               *args, timeout=120)
        return result, json.loads(path.with_suffix(".json").read_text())
    return run


def test_merged_shards_equal_the_unsharded_run(suite, pytester):
    """Each shard runs whole claims (xdist groups together), the shards are disjoint and cover the
    run, each shard's pass/fail is judged against the whole family (alpha / K, stats.budget), and
    the merge recomputes the adjusted p-values so that every claim's verdict, p-values, numbers and test outcome equal the unsharded run's."""
    _, full = suite("-n", "0")
    shards = [suite("-n", "2" if i == 1 else "0", f"--claims-shard={i}/{K}", report=f"s{i}")
              for i in range(1, K + 1)]
    ran = [[c["nodeid"] for c in data["claims"]] for _, data in shards]
    assert sorted(n for r in ran for n in r) == sorted(c["nodeid"] for c in full["claims"])
    for nodeids in ran:
        assert len({n.split("[")[0] for n in nodeids if "test_weak" in n}) <= 1
        assert ("test_demo.py::test_grouped_a" in nodeids) == ("test_demo.py::test_grouped_b" in nodeids)
        assert nodeids  # 6 units dealt round-robin over 3 shards: none is empty
    for _, data in shards:
        assert data["run"]["partial"] and data["run"]["family"]["size"] == FAMILY
    weak = [c for c in full["claims"] if c["id"] == "demo.weak"]
    assert any(c["p_value"] > 0.025 / FAMILY for c in weak)  # the family-wise level decides these
    assert all(c["verdict_raw"] == c["verdict"] for c in full["claims"])  # one decision, in the test
    paths = [str(pytester.path / "reports" / f"s{i}.json") for i in range(1, K + 1)]
    assert main(["merge", *paths[::-1], "-o", str(pytester.path / "merged" / "claims.md")]) == 0
    merged = json.loads((pytester.path / "merged" / "claims.json").read_text())
    assert not merged["run"]["partial"] and merged["run"]["shards"] == ["1/3", "2/3", "3/3"]
    by_node = {c["nodeid"]: c for c in merged["claims"]}
    for claim in full["claims"]:
        assert {k: by_node[claim["nodeid"]][k] for k in SAME} == {k: claim[k] for k in SAME}
    text = (pytester.path / "merged" / "claims.md").read_text()
    assert "Partial run" not in text and "demo.grouped_too" in text


def test_a_missing_shard_gives_a_partial_merge_and_bad_shards_one_line(suite, pytester, capsys):
    """Two of three shards merge into a report marked partial; the same shard twice, a shard of
    another seed, or a file that is not a report: exit 2 and one line naming the file."""
    suite("--claims-shard", "1/3", report="s1")
    suite("--claims-shard", "2/3", report="s2")
    suite("--claims-shard", "2/3", "--claims-seed", "7", report="seed7")
    reports = pytester.path / "reports"
    assert main(["merge", str(reports / "s1.json"), str(reports / "s2.json"),
                 "-o", str(pytester.path / "m.md")]) == 0
    assert "claims in the family ran" in json.loads((pytester.path / "m.json").read_text())["run"]["partial"]
    capsys.readouterr()
    (pytester.path / "bad.json").write_text("{\"run\": {}}")
    for other, phrase in [("s1.json", "shard 1/3 is also"), ("seed7.json", "seed 7 differs"),
                          ("../bad.json", "no 'claims' list")]:
        assert main(["merge", str(reports / "s1.json"), str(reports / other), "-o",
                     str(pytester.path / "x.md")]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and phrase in err and other.lstrip("./") in err
    assert not (pytester.path / "x.md").exists()


@pytest.mark.parametrize("value", ["0/3", "4/3", "a/b", "1"])
def test_a_bad_shard_is_one_line(suite, pytester, value):
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--claims-shard={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert f"--claims-shard {value!r}: give I/K with 1 <= I <= K" in result.stderr.str()
