"""Controller-side plugin: gathers claim records from test reports and writes the report."""

from __future__ import annotations

import shlex
import sys
from typing import Any

import pytest

from lmclaims.plugin import options
from lmclaims.report.assemble import assemble
from lmclaims.report.write import write_report

RECORD_ATTR = "lmclaims_record"  # the claim's record, on each of its test reports
RUN_ATTR = "lmclaims_run"  # what the worker knows about the run (model, corpus, family)


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
        self.partial: str | bool = False
        self.data: dict | None = None  # the report's data, once written
        self.collection_errors = 0  # collectors that failed (bad claim markers included)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.expected = [i.nodeid for i in session.items if i.get_closest_marker("claim")]

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        sent = getattr(report, RECORD_ATTR, None)
        if isinstance(sent, dict):
            record = self.records.setdefault(report.nodeid, {})
            record.update({k: v for k, v in sent.items() if v not in (None, [], {}, "")})
            self.run.update(getattr(report, RUN_ATTR, None) or {})
        elif report.nodeid not in self.records and report.when != "???":
            self.not_claims.add(report.nodeid)  # an ordinary test ("???": xdist's crashed worker)
            return
        status = outcome_of(report)
        if status is not None and (report.when == "call" or report.nodeid not in self.outcomes
                                   or self.outcomes[report.nodeid]["outcome"] == "passed"):
            self.outcomes[report.nodeid] = status

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collection_errors += 1

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if nothing_runs(self.config):
            return  # --collect-only, --setup-only, --setup-plan: no claim ran, no report
        if exitstatus == pytest.ExitCode.USAGE_ERROR or (self.collection_errors and not self.records):
            return  # the run stopped before any claim ran: the error says why, no report would
        if not self.records and not any(n.startswith("claims/") for n in self.expected):
            return
        interrupted = (exitstatus == pytest.ExitCode.INTERRUPTED
                       or bool(session.shouldstop) or bool(session.shouldfail))
        expected = [n for n in self.expected if n not in self.not_claims]
        data = assemble(self.header(session), self.records, self.outcomes, expected, interrupted)
        self.partial, self.data = data["run"]["partial"], data
        self.written = write_report(data, options.report_path(self.config),
                                    self.config.getoption("claims_baseline"))

    def header(self, session: pytest.Session) -> dict[str, Any]:
        cfg = self.config
        return {
            **self.run,
            "seed": cfg.getoption("claims_seed"), "profile": cfg.getoption("claims_profile"),
            "model_requested": cfg.getoption("model"), "device_requested": cfg.getoption("device"),
            "dataset_requested": cfg.getoption("dataset"),
            "workers": getattr(cfg.option, "numprocesses", None) or 0,
            "shard": cfg.getoption("claims_shard"),
            "command": " ".join(shlex.quote(a) for a in ["pytest", *sys.argv[1:]]),
        }

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.written and self.partial:
            terminalreporter.write_line(f"claims report of a partial run ({self.partial}):")
        for path in self.written:
            terminalreporter.write_line(f"claims report: {path}")


def nothing_runs(config: pytest.Config) -> bool:
    """Whether this session only collects or only sets up fixtures (no test body runs)."""
    return any(config.getoption(name, False) for name in ("collectonly", "setuponly", "setupplan"))
