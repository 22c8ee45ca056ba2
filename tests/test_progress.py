"""Terminal progress under xdist: a line per finished claim on the controller, with a running
count and the time left, and the closing results table (demo claims, no model)."""

import re

import pytest

from test_shard import CLAIMS, FAMILY, suite  # noqa: F401  (the fixture)

LINE = re.compile(r"^lmclaims: \[\s*(\d+)/(\d+)\] (demo\.\w+)(?: \(k=\d\))?: (.+?)(?: · \d+ s)?"
                  r"(?: · about \d+ (?:s|min) left)?$")


@pytest.mark.parametrize("workers", ["2", "0"])
def test_a_line_per_finished_claim_and_the_results_table(suite, workers):  # noqa: F811
    """Every claim gets one line, counted 1..N of N, with its verdict and interval; the results
    table closes the run with the verdict counts and a row per claim id."""
    result, data = suite("-n", workers)
    lines = [m for ln in result.stdout.lines for m in [LINE.match(ln)] if m]
    assert [int(m[1]) for m in lines] == list(range(1, FAMILY + 1))
    assert {int(m[2]) for m in lines} == {FAMILY}
    assert sorted(m[3] for m in lines) == sorted(c["id"] for c in data["claims"])
    crash = next(m for m in lines if m[3] == "demo.crashes")
    assert crash[4] == "error"
    assert any(re.match(r"holds [\d.]+ \[[\d.]+, [\d.]+\]", m[4]) for m in lines)
    text = result.stdout.str()
    assert "claims: results" in text and text.index("claims: results") > text.index(lines[-1][0])
    weak = next(ln for ln in result.stdout.lines if ln.startswith("| demo.weak "))
    counts = [c["verdict"] for c in data["claims"] if c["id"] == "demo.weak"]
    assert f"| 6     |" in weak and f"{counts.count('inconclusive')} inconclusive" in weak


def test_quiet_keeps_the_table_and_drops_the_lines(suite):  # noqa: F811
    result, _ = suite("-n", "2", "-q")
    assert not any(LINE.match(ln) for ln in result.stdout.lines)
    assert "claims: results" in result.stdout.str()
    result, _ = suite("-n", "2", "-qq")
    assert "claims: results" not in result.stdout.str()
