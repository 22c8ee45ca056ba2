"""Text from models, corpora and report files is inert in every markdown the suite writes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lmclaims.report.baseline import changes_against
from lmclaims.report.compare import render_comparison
from lmclaims.report.escape import md
from lmclaims.report.markdown import render
from lmclaims.report.summary import summary_markdown

EVIL = [
    "<img src=x onerror=alert(1)>",
    "a | b",
    "[link](http://evil)",
    "**bold**",
    "line one\n# injected heading\n| x | y |",
    "costs $5 and $10",
    "`tick` ~~strike~~ <script>x</script>",
    "back\\slash | \\| pipe",
]
OUR_TAGS = re.compile(r"</?(details|summary)>")
FIGURE = "figures/induction-len_48-curve.png"


def unescaped(text: str) -> str:
    """text with every backslash-escaped character (and its backslash) replaced by '_'."""
    return re.sub(r"\\.", "__", text)


def claim(evil: str, verdict: str = "holds") -> dict:
    return {
        "id": "induction.onset", "nodeid": f"claims/t.py::t[{evil}]", "params": {"len": evil, evil: 2},
        "verdict": verdict, "verdict_raw": verdict, "statement": evil, "source": evil,
        "estimate": 1.7, "ci_low": 1.5, "ci_high": 1.9, "n": 48, "p_value": 0.001,
        "p_adjusted": 0.002, "mde": 0.2, "ci_method": evil,
        "spec": {"statistic": evil, "n": 48, "alpha": 0.025,
                 "thresholds": {evil: {"value": 0.1, "why": evil}}},
        "reason": evil, "note": evil, "expected": evil, "figures": [{"title": evil, "path": FIGURE}],
        "details": {evil: evil, "nested": {evil: evil, "x": 1.5}}, "seed": 1, "duration": 0.1,
    }


def data(evil: str, verdict: str = "holds", profile: str = "standard") -> dict:
    run = {"model": {"label": evil, "architecture": evil}, "model_requested": evil, "profile": profile,
           "seed": 0, "device": evil, "corpus": {"name": evil}, "command": f"pytest --model '{evil}'",
           "date": evil, "interrupted": True}
    return {"run": run, "claims": [claim(evil, verdict), {**claim(evil, verdict), "id": evil}]}


def outputs(evil: str) -> dict[str, str]:
    """Every markdown the suite writes, fed with evil text everywhere a string goes."""
    current = data(evil)
    baseline = data(evil, verdict=evil, profile=evil)  # a report file: even verdicts are untrusted
    changes = changes_against(baseline, current)
    return {
        "report": render(current, changes),
        "compare": render_comparison([current, baseline, data(evil, "contradicted")], [evil] * 3),
        "changes": "\n".join(changes),
        "summary": summary_markdown(current, Path("reports/claims.md"), changes),
    }


def tables(text: str) -> list[list[str]]:
    """Blocks of consecutive table lines."""
    blocks, block = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            block.append(line)
        elif block:
            blocks.append(block)
            block = []
    return blocks


CASES = [(i, name) for i in range(len(EVIL)) for name in ("report", "compare", "changes", "summary")]


@pytest.fixture(scope="module")
def rendered() -> dict[int, dict[str, str]]:
    return {i: outputs(evil) for i, evil in enumerate(EVIL)}


@pytest.mark.parametrize("i, name", CASES)
def test_no_html_gets_through(rendered, i, name):
    text = OUR_TAGS.sub("", rendered[i][name])
    assert not re.search(r"<[A-Za-z/!?]", text), text


@pytest.mark.parametrize("i, name", CASES)
def test_no_links_but_our_figures(rendered, i, name):
    targets = re.findall(r"\]\(([^)]*)\)", unescaped(rendered[i][name]))
    assert set(targets) <= {FIGURE}


@pytest.mark.parametrize("i, name", CASES)
def test_no_raw_emphasis_code_or_math(rendered, i, name):
    text = rendered[i][name]
    for raw in ("**bold**", "`tick`", "~~strike~~", "$5", "$10"):
        assert raw not in text


@pytest.mark.parametrize("i, name", CASES)
def test_newlines_do_not_start_new_lines(rendered, i, name):
    lines = rendered[i][name].splitlines()
    assert not any(ln.lstrip("> ").startswith("# injected") for ln in lines)
    assert "| x | y |" not in lines


@pytest.mark.parametrize("i, name", CASES)
def test_every_table_row_has_the_headers_column_count(rendered, i, name):
    for block in tables(rendered[i][name]):
        counts = [unescaped(row).count("|") for row in block]
        assert len(set(counts)) == 1, "\n".join(block)


def test_the_compare_matrix_and_summary_have_tables(rendered):
    assert all(len(tables(rendered[0][name])) >= 1 for name in ("report", "compare", "summary"))


def test_md_keeps_text_readable():
    assert md("a | b") == r"a \| b"
    assert md("costs $5") == "costs &#36;5"
    assert md("<img src=x>") == "&lt;img src=x&gt;"
    assert md("two\nlines") == "two lines"
