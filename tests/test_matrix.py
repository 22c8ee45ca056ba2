"""`lmclaims matrix` on reports written by real (demo) claim runs of differently named models."""

import json
import math

import pytest

from lmclaims.cli import main
from lmclaims.report.meta_analysis import dersimonian_laird, effect_and_se
from test_plugin import PROJECT_INI

CLAIMS = '''
import os
import pytest
from lmclaims.stats import ClaimSpec, decide

EFFECT = float(os.environ.get("DEMO_EFFECT", "0"))

@pytest.mark.claim("demo.wider", statement="Real is wider than synthetic.", source="test")
@pytest.mark.parametrize("depth", [0.1, 0.5])
def test_wider(claim, depth):
    claim.declare(ClaimSpec(statistic="median ratio", estimator="ratio_of_medians", design="unpaired",
                            null=1.0, alternative="greater", n=60, reference="paper: about 1.8x"))
    x, y = claim.rng("data").lognormal(EFFECT * depth * 2, 0.5, 60), claim.rng("data").lognormal(0.0, 0.5, 60)
    claim.conclude(decide(claim.spec, x, y, rng=claim.rng("resample"), n_resamples=999))

@pytest.mark.claim("demo.drop", statement="Loss drops.", source="test")
def test_drop(claim):
    claim.declare(ClaimSpec(statistic="mean drop", estimator="mean", design="one-sample", null=0.0,
                            alternative="greater", n=40))
    claim.conclude(decide(claim.spec, claim.rng("data").normal(EFFECT, 1.0, 40), rng=claim.rng("resample"), n_resamples=999))
'''
RUNS = {"a": ("tiny-a", "0.6", "0"), "b": ("tiny-b", "0.3", "0"), "ctl": ("random:tiny-a", "0", "0"),
        "a_again": ("tiny-a", "0.6", "1")}  # name: (--model, effect, seed)




@pytest.fixture
def reports(pytester, monkeypatch):
    pytester.makepyfile(test_demo=CLAIMS)
    pytester.makeini("[pytest]\naddopts = " + " ".join(PROJECT_INI["addopts"]) + "\n")
    paths = {}
    for name, (model, effect, seed) in RUNS.items():
        monkeypatch.setenv("DEMO_EFFECT", effect)
        path = pytester.path / name / "claims.md"
        pytester.runpytest_subprocess("-p", "no:cacheprovider", "--model", model, "--claims-seed", seed,
                                      "--claims-report", str(path), timeout=120)
        paths[name] = str(path.with_suffix(".json"))
    return paths


def _rows(text: str) -> dict[str, list[str]]:
    lines = [ln for ln in text.splitlines() if ln.startswith("| `")]
    return {c[0]: c[1:] for c in ([x.strip() for x in ln.strip("|").split(" | ")] for ln in lines)}


def test_matrix_pools_models_not_controls_or_repeats(reports, pytester, capsys):
    """Columns per run with seed told apart; the control and the repeated model are shown and
    not pooled; the pooled cell is DerSimonian-Laird over tiny-a and tiny-b on the log scale; the
    reference has its column; the figure is a PNG beside the markdown."""
    out = pytester.path / "out" / "matrix.md"
    assert main(["matrix", *reports.values(), "-o", str(out)]) == 0
    text = out.read_text()
    header = next(ln for ln in text.splitlines() if ln.startswith("| claim"))
    assert "1. tiny-a · standard · seed 0" in header and "(control)" in header
    assert "4. tiny-a · standard · seed 1 (‡)" in header and "pooled runs: 1, 2 " in text
    row = _rows(text)["`demo.wider` depth=0.5"]
    assert row[0] == "paper: about 1.8x"
    data = [next(c for c in json.load(open(reports[n]))["claims"] if c["params"] == {"depth": 0.5})
            for n in ("a", "b")]
    eff = [effect_and_se(c["estimate"], c["ci_low"], c["ci_high"], log=True) for c in data]
    pooled = dersimonian_laird([e for e, _ in eff], [s for _, s in eff])
    assert row[-1].startswith(f"{math.exp(pooled.estimate):.3g} [") and "(log)" in row[-1]
    assert "k=2" in row[-1] and "(log)" not in _rows(text)["`demo.drop`"][-1]
    assert (out.parent / "matrix.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "![heatmap of effects](matrix.png)" in text
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temporary left


def test_bad_inputs_are_one_line_naming_the_file(reports, pytester, capsys):
    bad = pytester.path / "bad.json"
    bad.write_text("[1, 2")
    other = pytester.path / "other.json"
    other.write_text(json.dumps({"run": {}, "claims": [{"id": "x.y", "verdict": "holds"}]}))
    for args, phrase in [([reports["a"], str(bad)], "bad.json: not JSON"),
                         ([reports["a"], reports["a"]], "given twice"),
                         ([reports["a"], str(other)], "other.json: no claim in common"),
                         ([reports["a"], "missing.json"], "missing.json: no such file")]:
        assert main(["matrix", *args, "-o", str(pytester.path / "m.md")]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and phrase in err
    assert not (pytester.path / "m.md").exists() and not (pytester.path / "m.png").exists()
