"""The report files: what a selection, `--co`, odd report names, file modes, figures and
`--junitxml` do to them (small claim tests that need no model, run as a user runs pytest)."""

import json
import os
import stat

import pytest

from test_plugin import PROJECT_INI

CLAIMS = '''
import pytest
from lmclaims.stats import ClaimSpec, decide

def spec(n):
    return ClaimSpec(statistic="mean", estimator="mean", design="one-sample", null=0.0,
                     alternative="greater", n=n)

@pytest.mark.claim("demo.strong", statement="A clear effect holds.", source="test")
@pytest.mark.parametrize("lang", ["日本語", "中文"])
def test_strong(claim, lang):
    claim.declare(spec(40))
    claim.figure_path("curve").write_text(lang, encoding="utf-8")
    claim.conclude(decide(claim.spec, claim.rng("data").normal(1.5, 1.0, 40), rng=claim.rng("resample"), n_resamples=999))

@pytest.mark.claim("demo.weak", statement="A small effect, near the level.", source="test")
@pytest.mark.parametrize("k", range(6))
def test_weak(claim, k):
    claim.declare(spec(40))
    claim.conclude(decide(claim.spec, claim.rng("data").normal(0.4, 1.0, 40), rng=claim.rng("resample"), n_resamples=999))
'''
FAMILY = 8  # claim tests in CLAIMS
ALPHA = 0.025  # ClaimSpec's default level


@pytest.fixture
def suite(pytester):
    """`suite(*args, cache=False) -> (result, {nodeid: claim})` under the project's addopts."""
    pytester.makepyfile(test_demo=CLAIMS)
    pytester.makeini("[pytest]\naddopts = " + " ".join(PROJECT_INI["addopts"]) + "\n")
    def run(*args, cache=False, report="claims"):
        result = pytester.runpytest_subprocess(*([] if cache else ["-p", "no:cacheprovider"]), *args,
                                               timeout=120)
        path = pytester.path / "reports" / f"{report}.json"
        claims = {c["nodeid"]: c for c in json.loads(path.read_text())["claims"]} if path.exists() else {}
        return result, claims
    return run


def _reports(pytester) -> dict:
    folder = pytester.path / "reports"
    return {p.name: p.read_bytes() for p in folder.glob("claims*")} if folder.exists() else {}


@pytest.mark.parametrize("selection", [["-k", "weak"], ["test_demo.py::test_weak[1]"], ["--lf"]],
                         ids=["-k", "node id", "--lf"])
def test_a_selection_neither_changes_verdicts_nor_replaces_the_full_report(suite, pytester, selection):
    """The family is every claim test of the collected modules: a selected claim gets the full
    run's outcome and verdict, and a Holm p no smaller (the claims that did not run count as
    p = 1); the selection's report goes beside the full one, marked partial."""
    result, full = suite(cache=True)
    weak = [c for c in full.values() if c["id"] == "demo.weak"]
    assert any(ALPHA / FAMILY < c["p_value"] <= ALPHA for c in weak)  # the family size decides these
    full_bytes = _reports(pytester)
    result, _ = suite(*selection, cache=True)
    assert {k: v for k, v in _reports(pytester).items() if "partial" not in k} == full_bytes
    partial = json.loads((pytester.path / "reports" / "claims.partial.json").read_text())
    assert partial["run"]["family"]["size"] == FAMILY
    assert partial["run"]["partial"].startswith(f"{len(partial['claims'])} of the {FAMILY} claims")
    for claim in partial["claims"]:
        before = full[claim["nodeid"]]
        assert (claim["test_outcome"], claim["verdict"]) == (before["test_outcome"], before["verdict"])
        assert claim["p_adjusted"] >= before["p_adjusted"]
    text = (pytester.path / "reports" / "claims.partial.md").read_text()
    assert "⚠️ Partial run:" in text and "claims report of a partial run" in result.stdout.str()


@pytest.mark.parametrize("flag", ["--co", "--setup-only", "--setup-plan"])
def test_collecting_or_planning_writes_nothing(suite, pytester, flag):
    """Nothing ran, so nothing is written: the previous report stays as it was."""
    suite()
    before = _reports(pytester)
    result, _ = suite(flag)
    assert result.ret == 0 and _reports(pytester) == before
    assert "claims report" not in result.stdout.str()


def test_a_report_path_must_be_markdown(suite, pytester):
    """`--claims-report x.json` is refused with one line, before the JSON could be overwritten."""
    result, _ = suite("--claims-report", "x.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--claims-report 'x.json': give the markdown report's path, ending in .md" in result.stderr.str()
    assert not (pytester.path / "x.json").exists()


def test_report_files_get_the_mode_of_ordinary_files(suite, pytester):
    """claims.md and claims.json are 0666 less the umask (0644 under umask 022), like figures."""
    suite()
    umask = os.umask(0o022)
    os.umask(umask)
    for name in ("claims.md", "claims.json"):
        mode = stat.S_IMODE((pytester.path / "reports" / name).stat().st_mode)
        assert mode == 0o666 & ~umask, (name, oct(mode))


def test_figures_of_ids_that_differ_only_in_non_ascii_do_not_collide(suite, pytester):
    """Each parametrisation links its own figure, holding what it wrote."""
    _, claims = suite()
    strong = [c for c in claims.values() if c["id"] == "demo.strong"]
    paths = [c["figures"][0]["path"] for c in strong]
    assert len(set(paths)) == 2
    written = {(pytester.path / "reports" / p).read_text(encoding="utf-8") for p in paths}
    assert written == {"日本語", "中文"}


def test_junitxml_does_not_carry_the_record(suite, pytester):
    """The claim record travels on the report, not as a junit property of every test case."""
    suite("--junitxml", "junit.xml")
    xml = (pytester.path / "junit.xml").read_text()
    assert "testcase" in xml and "lmclaims" not in xml and "A clear effect holds" not in xml
