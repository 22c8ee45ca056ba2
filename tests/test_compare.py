"""`lmclaims compare`: the matrix of verdicts across runs, and its command line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from lmclaims.cli import main
from lmclaims.report.compare import ReportError, check_report, render_comparison, row_key


def claim(cid="model.beats_unigram", verdict="holds", est=1.74, lo=1.52, hi=1.98, params=None,
          n=48, alpha=0.025, nodeid=None):
    return {"id": cid, "nodeid": nodeid or f"claims/test_x.py::{cid}", "params": params or {},
            "verdict": verdict, "estimate": est, "ci_low": lo, "ci_high": hi,
            "spec": {"n": n, "alpha": alpha, "null": 0.0,
                     "thresholds": {"margin": {"value": 0.1, "why": "pre-registered"}}}}


def report(claims, label="gemma-3-270m", profile="standard", seed=0):
    return {"run": {"model": {"label": label}, "profile": profile, "seed": seed}, "claims": claims}


def table_rows(text: str) -> dict[str, list[str]]:
    """Matrix body rows by their first cell, as lists of the other cells."""
    rows = [ln for ln in text.splitlines() if ln.startswith("| ") and not ln.startswith("| claim ")]
    cells = [[c.strip() for c in ln.strip("|").split(" | ")] for ln in rows]
    return {c[0]: c[1:] for c in cells}


@pytest.fixture
def two_runs():
    first = report([claim(), claim("induction.onset", "holds", 2.1, 1.9, 2.3, {"layer": 2})])
    second = report([claim(verdict="contradicted", est=-3.1, lo=-3.3, hi=-2.9)],
                    label="random:gemma-3-270m")
    return first, second


def test_cells_show_verdict_estimate_and_interval(two_runs):
    rows = table_rows(render_comparison(list(two_runs)))
    assert rows["`model.beats_unigram`"][0] == "holds 1.74 [1.52, 1.98]"


def test_a_verdict_that_differs_from_the_first_run_is_marked(two_runs):
    rows = table_rows(render_comparison(list(two_runs)))
    assert rows["`model.beats_unigram`"][1] == "**⚠ contradicted -3.1 [-3.3, -2.9]**"


def test_same_verdict_is_not_marked():
    text = render_comparison([report([claim()]), report([claim(est=1.6)], label="other")])
    assert table_rows(text)["`model.beats_unigram`"] == ["holds 1.74 [1.52, 1.98]", "holds 1.6 [1.52, 1.98]"]


def test_a_row_absent_from_a_run_shows_a_dash(two_runs):
    rows = table_rows(render_comparison(list(two_runs)))
    assert rows["`induction.onset` layer=2"] == ["holds 2.1 [1.9, 2.3]", "–"]


def test_a_row_only_in_a_later_run_is_listed_and_not_marked(two_runs):
    first, second = two_runs
    second["claims"].append(claim("toy.superposition", "holds", 0.5, 0.4, 0.6))
    rows = table_rows(render_comparison([first, second]))
    assert rows["`toy.superposition`"] == ["–", "holds 0.5 [0.4, 0.6]"]


def test_rows_are_keyed_by_id_and_sorted_params_not_nodeid():
    a = claim("induction.onset", params={"layer": 2, "len": 48}, nodeid="claims/a.py::t[2-48]")
    b = claim("induction.onset", params={"len": 48, "layer": 2}, nodeid="claims/b.py::other[x]")
    assert row_key(a) == row_key(b)
    assert row_key(a) != row_key(claim("induction.onset", params={"layer": 3, "len": 48}))
    text = render_comparison([report([a]), report([b], label="other")])
    assert len(table_rows(text)) == 1


def test_column_headers_are_model_label_and_profile(two_runs):
    header = next(ln for ln in render_comparison(list(two_runs)).splitlines() if ln.startswith("| claim"))
    assert header == "| claim | 1. gemma-3-270m · standard | 2. random:gemma-3-270m · standard |"


def test_same_protocol_has_no_protocol_section(two_runs):
    assert "Protocol differences" not in render_comparison(list(two_runs))


def test_profile_and_seed_differences_are_flagged_above_the_matrix():
    text = render_comparison([report([claim()]), report([claim()], profile="full", seed=3)])
    section = text.split("## Protocol differences")[1].split("| claim")[0]
    assert "profile full ≠ standard" in section and "seed 3 ≠ 0" in section
    assert text.index("## Protocol differences") < text.index("| claim")
    assert "· full †" in text  # the column is marked too


@pytest.mark.parametrize("changed, phrase", [
    (dict(n=200), "n 200 ≠ 48"),
    (dict(alpha=0.05), "alpha 0.05 ≠ 0.025"),
])
def test_a_claims_spec_difference_is_flagged(changed, phrase):
    text = render_comparison([report([claim()]), report([claim(**changed)], label="b")])
    assert "## Protocol differences" in text
    assert f"`model.beats_unigram`: {phrase}" in text


def test_a_threshold_difference_is_flagged_but_not_its_wording():
    other = claim()
    other["spec"]["thresholds"]["margin"] = {"value": 0.2, "why": "reworded"}
    text = render_comparison([report([claim()]), report([other], label="b")])
    assert "threshold margin 0.2 ≠ 0.1" in text
    other["spec"]["thresholds"]["margin"]["value"] = 0.1
    assert "Protocol differences" not in render_comparison([report([claim()]), report([other])])


def test_malformed_numbers_show_as_dashes():
    bad = claim(est="1.7", lo=None, hi=[1])
    text = render_comparison([report([claim()]), report([bad], label="b")])
    assert table_rows(text)["`model.beats_unigram`"][1] == "holds"


@pytest.mark.parametrize("data, reason", [
    ([1, 2], "no 'run' object"),
    ({"run": {}}, "no 'claims' list"),
    ({"run": {}, "claims": [{"id": "a.b"}]}, "claim 0 lacks"),
    ({"run": {}, "claims": [{"id": 3, "verdict": "holds"}]}, "claim 0 lacks"),
])
def test_check_report_rejects_other_json(data, reason):
    with pytest.raises(ReportError, match=reason):
        check_report(data, "x.json")


# --- the command line ---------------------------------------------------------------------


@pytest.fixture
def files(tmp_path, two_runs):
    paths = []
    for name, data in zip(("a.json", "b.json"), two_runs):
        (tmp_path / name).write_text(json.dumps(data))
        paths.append(str(tmp_path / name))
    return paths


def test_cli_prints_the_matrix(files, capsys):
    assert main(["compare", *files]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Claims compared across runs")
    assert "**⚠ contradicted -3.1 [-3.3, -2.9]**" in out


def test_cli_writes_to_output_file(files, tmp_path, capsys):
    out = tmp_path / "sub" / "cmp.md"
    assert main(["compare", *files, "-o", str(out)]) == 0
    assert "| claim |" in out.read_text()
    assert capsys.readouterr().out == ""


def _error(capsys, argv) -> tuple[int, str]:
    code = main(argv)
    err = capsys.readouterr().err.strip()
    return code, err


def test_cli_missing_file(files, tmp_path, capsys):
    code, err = _error(capsys, ["compare", files[0], str(tmp_path / "nope.json")])
    assert code == 2
    assert err == f"lmclaims compare: {tmp_path / 'nope.json'}: no such file"


def test_cli_not_json(tmp_path, capsys):
    (tmp_path / "bad.json").write_text("{not json")
    code, err = _error(capsys, ["compare", str(tmp_path / "bad.json")])
    assert code == 2 and "bad.json: not JSON (" in err and len(err.splitlines()) == 1


def test_cli_json_that_is_not_a_report(tmp_path, capsys):
    (tmp_path / "other.json").write_text(json.dumps({"name": "package.json"}))
    code, err = _error(capsys, ["compare", str(tmp_path / "other.json")])
    assert code == 2 and err.endswith("other.json: not a claims report (no 'run' object)")


def test_cli_binary_file(tmp_path, capsys):
    (tmp_path / "model.bin").write_bytes(b"\xff\xfe\x00\x81")
    code, err = _error(capsys, ["compare", str(tmp_path / "model.bin")])
    assert code == 2 and "model.bin: cannot read it" in err


def test_cli_a_directory(tmp_path, capsys):
    code, err = _error(capsys, ["compare", str(tmp_path)])
    assert code == 2 and len(err.splitlines()) == 1 and "cannot read it" in err


def test_cli_without_arguments_is_a_usage_error(capsys):
    assert main([]) == 2
    assert main(["compare"]) == 2
    assert "usage: lmclaims" in capsys.readouterr().err


def test_cli_help_exits_zero(capsys):
    assert main(["compare", "--help"]) == 0
    assert "-o OUT.md" in capsys.readouterr().out


def test_python_dash_m_lmclaims(files):
    done = subprocess.run([sys.executable, "-m", "lmclaims", "compare", *files],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "| claim |" in done.stdout
