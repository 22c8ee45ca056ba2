"""Controller-side plugin: gathers claim records from test reports and writes the report."""

from __future__ import annotations

import shlex
import sys
from typing import Any

import pytest

from lmclaims.plugin import options
from lmclaims.report.assemble import assemble
from lmclaims.report.write import write_report

RECORD_KEY = "lmclaims.record"
RUN_KEY = "lmclaims.run"


def _first_line(longrepr: Any) -> str:
    """The most informative single line of a failure representation."""
    text = str(longrepr or "").strip()
    if not text:
        return "no details"
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("E ")]
    return (errors[-1][2:].strip() if errors else lines[-1])[:500]


def outcome_of(report: pytest.TestReport) -> dict[str, Any] | None:
    """What one phase's report says about the claim, or None if it says nothing new."""
    if report.when == "call" or report.failed or report.skipped:
        status = {"when": report.when, "outcome": report.outcome, "duration": report.duration}
        if hasattr(report, "wasxfail"):
            status["expected"] = report.wasxfail or "expected not to hold"
        if report.skipped and not hasattr(report, "wasxfail"):
            longrepr = report.longrepr
            status["reason"] = longrepr[2] if isinstance(longrepr, tuple) else _first_line(longrepr)
        elif report.failed:
            status["reason"] = _first_line(report.longrepr)
        return status
    return None


class Collector:
    """Lives on the controller only; see lmclaims.plugin.hooks for the data flow."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.records: dict[str, dict[str, Any]] = {}
        self.outcomes: dict[str, dict[str, Any]] = {}
        self.run: dict[str, Any] = {}
        self.expected: list[str] = []
        self.not_claims: set[str] = set()
        self.written: list[str] = []

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.expected = [i.nodeid for i in session.items if i.get_closest_marker("claim")]

    def pytest_xdist_node_collection_finished(self, node, ids: list[str]) -> None:
        if not self.expected:
            self.expected = list(ids)  # non-claim ids are dropped in assemble()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(p for p in report.user_properties if isinstance(p, (tuple, list)) and len(p) == 2)
        if RECORD_KEY in props:
            record = self.records.setdefault(report.nodeid, {})
            record.update({k: v for k, v in props[RECORD_KEY].items() if v not in (None, [], {}, "")})
            self.run.update(props.get(RUN_KEY, {}))
        elif report.nodeid not in self.records and report.when != "???":
            self.not_claims.add(report.nodeid)  # an ordinary test ("???": xdist's crashed worker)
            return
        status = outcome_of(report)
        if status is not None and (report.when == "call" or report.nodeid not in self.outcomes
                                   or self.outcomes[report.nodeid]["outcome"] == "passed"):
            self.outcomes[report.nodeid] = status

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if not self.records and not any(n.startswith("claims/") for n in self.expected):
            return
        interrupted = (exitstatus == pytest.ExitCode.INTERRUPTED
                       or bool(session.shouldstop) or bool(session.shouldfail))
        expected = [n for n in self.expected if n not in self.not_claims]
        data = assemble(self.header(session), self.records, self.outcomes, expected, interrupted)
        self.written = write_report(data, options.report_path(self.config), self.config)

    def header(self, session: pytest.Session) -> dict[str, Any]:
        cfg = self.config
        return {
            **self.run,
            "seed": cfg.getoption("claims_seed"), "profile": cfg.getoption("claims_profile"),
            "model_requested": cfg.getoption("model"), "device_requested": cfg.getoption("device"),
            "dataset_requested": cfg.getoption("dataset"),
            "workers": getattr(cfg.option, "numprocesses", None) or 0,
            "command": " ".join(shlex.quote(a) for a in ["pytest", *sys.argv[1:]]),
        }

    def pytest_terminal_summary(self, terminalreporter) -> None:
        for path in self.written:
            terminalreporter.write_line(f"claims report: {path}")
