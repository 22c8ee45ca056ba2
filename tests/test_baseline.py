"""`--claims-baseline`: what changed against an earlier run; and the job summary of a run."""

from __future__ import annotations

import json

import pytest

from lmclaims.report.baseline import NO_CHANGES, changes_against
from lmclaims.report.summary import append_job_summary
from lmclaims.report.write import write_report


def claim(cid="model.beats_unigram", verdict="holds", lo=1.5, hi=2.0, params=None, n=48):
    return {"id": cid, "nodeid": f"claims/t.py::{cid}", "params": params or {}, "verdict": verdict,
            "verdict_raw": verdict, "estimate": (lo + hi) / 2, "ci_low": lo, "ci_high": hi,
            "n": n, "p_value": 0.001, "p_adjusted": 0.002, "mde": 0.1, "spec": {"n": n},
            "expected": None, "reason": "", "statement": "s", "source": "src"}


def report(claims, label="gemma-3-270m", profile="standard", date="2025-06-01T00:00:00+00:00"):
    return {"run": {"model": {"label": label}, "profile": profile, "seed": 0, "date": date},
            "claims": claims}


def test_heading_names_the_baseline():
    lines = changes_against(report([claim()], label="gpt2"), report([claim()]))
    assert lines[0] == r"## Changes against gpt2 (profile standard, 2025-06-01T00:00:00\+00:00)"


def test_no_changes_line():
    lines = changes_against(report([claim()]), report([claim(lo=1.6, hi=2.1)]))
    assert lines == [lines[0], "", NO_CHANGES]


def test_a_claim_that_started_holding():
    lines = changes_against(report([claim(verdict="inconclusive", lo=-0.1, hi=1.6)]), report([claim()]))
    text = "\n".join(lines)
    assert "**Started holding** (1):" in text
    assert "- `model.beats_unigram`: inconclusive 0.75 [-0.1, 1.6] → holds 1.75 [1.5, 2]" in text
    assert "Stopped holding" not in text


def test_a_claim_that_stopped_holding():
    text = "\n".join(changes_against(report([claim()]), report([claim(verdict="error")])))
    assert "**Stopped holding** (1):" in text and "holds 1.75 [1.5, 2] → error" in text
    assert "Started holding" not in text


def test_intervals_that_no_longer_overlap():
    text = "\n".join(changes_against(report([claim(lo=1.0, hi=1.4)]), report([claim(lo=1.5, hi=2.0)])))
    assert "**Effect intervals no longer overlap** (1):" in text
    assert "holds 1.2 [1, 1.4] → holds 1.75 [1.5, 2]" in text


def test_touching_intervals_overlap():
    lines = changes_against(report([claim(lo=1.0, hi=1.5)]), report([claim(lo=1.5, hi=2.0)]))
    assert NO_CHANGES in lines


def test_rows_are_keyed_by_id_and_params():
    base = report([claim("induction.onset", params={"layer": 2}),
                   claim("induction.onset", "inconclusive", params={"layer": 5})])
    cur = report([claim("induction.onset", "inconclusive", params={"layer": 2}),
                  claim("induction.onset", params={"layer": 5})])
    text = "\n".join(changes_against(base, cur))
    started, stopped = text.split("**Stopped holding**")
    assert "layer=5" in started and "layer=2" in stopped


def test_claims_in_only_one_run_are_counted_not_compared():
    base = report([claim(), claim("a.gone", "holds")])
    cur = report([claim(), claim("a.new", "holds")])
    lines = changes_against(base, cur)
    assert NO_CHANGES in lines
    assert lines[-1] == ("1 claim(s) of this run are not in the baseline; "
                         "1 of the baseline's are not in this run.")


def test_a_different_protocol_is_said_first():
    lines = changes_against(report([claim()], profile="smoke"), report([claim(n=200)], profile="full"))
    assert lines[2].startswith("⚠️ This run's protocol differs from the baseline's")
    assert "profile full ≠ smoke" in lines[2] and "n 200 ≠ 48" in lines[2]


# --- wired into write_report ---------------------------------------------------------------



@pytest.fixture(autouse=True)
def no_job_summary(monkeypatch):
    """These tests must not append to a real job summary when CI runs them on Actions."""
    for name in ("GITHUB_STEP_SUMMARY", "GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"):
        monkeypatch.delenv(name, raising=False)


def test_write_report_without_baseline(tmp_path):
    data = report([claim()])
    write_report(data, tmp_path / "claims.md", None)
    assert "Changes against" not in (tmp_path / "claims.md").read_text()
    assert "baseline" not in json.loads((tmp_path / "claims.json").read_text())["run"]


def test_write_report_with_baseline(tmp_path):
    base = tmp_path / "old.json"
    base.write_text(json.dumps(report([claim(verdict="inconclusive")], label="old-model")))
    data = report([claim()])
    write_report(data, tmp_path / "claims.md", str(base))
    md = (tmp_path / "claims.md").read_text()
    assert md.index("**1 holds") < md.index("## Changes against old-model") < md.index("## Summary")
    assert "**Started holding** (1):" in md
    assert json.loads((tmp_path / "claims.json").read_text())["run"]["baseline"] == str(base)


def test_baseline_that_is_the_report_being_replaced(tmp_path):
    """`--claims-baseline reports/claims.json` compares with the previous run, then replaces it."""
    (tmp_path / "claims.json").write_text(json.dumps(report([claim(verdict="contradicted")])))
    write_report(report([claim()]), tmp_path / "claims.md", str(tmp_path / "claims.json"))
    assert "contradicted 1.75 [1.5, 2] → holds" in (tmp_path / "claims.md").read_text()


@pytest.mark.parametrize("content, reason", [
    (None, "no such file"), ("{oops", "not JSON"), ("[]", "not a claims report"),
])
def test_a_bad_baseline_does_not_lose_the_report(tmp_path, content, reason):
    base = tmp_path / "base.json"
    if content is not None:
        base.write_text(content)
    written = write_report(report([claim()]), tmp_path / "claims.md", str(base))
    md = (tmp_path / "claims.md").read_text()
    warning = next(ln for ln in md.splitlines() if ln.startswith("⚠️ No comparison with the baseline"))
    assert reason in warning
    assert "## Summary" in md and len(written) == 2


# --- the job summary -----------------------------------------------------------------------


def test_no_summary_outside_actions(tmp_path):
    assert append_job_summary(report([claim()]), tmp_path / "claims.md") is None


def test_summary_is_appended_to_github_step_summary(tmp_path, monkeypatch):
    target = tmp_path / "step_summary.md"
    target.write_text("earlier step's summary\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    monkeypatch.chdir(tmp_path)
    write_report(report([claim(), claim("a.b", "contradicted")]), tmp_path / "reports" / "claims.md",
                 None)
    text = target.read_text()
    assert text.startswith("earlier step's summary\n## Claims: gemma-3-270m (profile standard, seed 0)")
    assert ("**1 holds · 0 equivalent · 1 contradicted · 0 inconclusive · 0 underpowered · 0 n/a · "
            "0 error (2 claims)**") in text
    assert "| claim | parameters | verdict |" in text and "| `a.b` |" in text
    assert "`reports/claims.md`" in text and "artifact" in text


def test_summary_links_to_the_runs_artifacts(tmp_path, monkeypatch):
    target = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "org/lmclaims")
    monkeypatch.setenv("GITHUB_RUN_ID", "42")
    append_job_summary(report([claim()]), tmp_path / "claims.md")
    append_job_summary(report([claim()], label="second"), tmp_path / "claims.md")
    text = target.read_text()
    assert "[this run's artifacts](https://github.com/org/lmclaims/actions/runs/42#artifacts)" in text
    assert "## Claims: gemma-3-270m" in text and "## Claims: second" in text  # appended, not replaced


def test_summary_carries_the_baseline_changes(tmp_path, monkeypatch):
    target = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    base = tmp_path / "base.json"
    base.write_text(json.dumps(report([claim(verdict="inconclusive")])))
    write_report(report([claim()]), tmp_path / "claims.md", str(base))
    assert "**Started holding** (1):" in target.read_text()


def test_an_unwritable_summary_does_not_lose_the_report(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "no" / "such" / "dir" / "f.md"))
    write_report(report([claim()]), tmp_path / "claims.md", None)
    assert (tmp_path / "claims.md").exists()
    assert "could not append the job summary" in capsys.readouterr().err
