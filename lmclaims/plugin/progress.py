"""Progress lines for long measurements: shown in a plain run, quiet under xdist workers."""

from __future__ import annotations

import time
from typing import Callable

import pytest

from lmclaims.report.assemble import raw_verdict
from lmclaims.report.terminal import claim_line, results_table


def progress_writer(config: pytest.Config) -> Callable[[str], None]:
    """A function that prints 'lmclaims: <message>' on the terminal, or does nothing on a worker."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if hasattr(config, "workerinput") or reporter is None or config.getoption("verbose") < 0:
        return lambda message: None
    writer = config.get_terminal_writer()
    def write(message: str) -> None:
        if writer.width_of_current_line:  # after xdist's progress dots: start a line of our own
            writer.line()
        reporter.write_line(f"lmclaims: {message}")
    return write


class ClaimProgress:
    """Controller-side plugin: a line per finished claim and, at the end, the results table.

    The per-claim line shows the claim's verdict at its level under the run's plan (the
    report's); hidden with -q. The results table is hidden with -qq. Registered by hooks.py
    beside the Collector, whose records and written data it reads.
    """

    def __init__(self, config: pytest.Config, collector) -> None:
        self.config, self.collector = config, collector
        self.total, self.done, self.start = 0, 0, time.monotonic()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.total = self.total or len(session.items)
        self.start = time.monotonic()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when not in ("teardown", "???") or report.nodeid in self.collector.not_claims:
            return
        record = self.collector.records.get(report.nodeid)
        if record is None:
            return
        self.done += 1
        outcome = self.collector.outcomes.get(report.nodeid)
        verdict, _ = raw_verdict(record, outcome)
        if verdict == "holds" and (outcome or {}).get("outcome") == "failed":
            verdict = "holds, but its test failed"
        if "expected" in (outcome or {}):
            verdict += " (expected)"
        elapsed = time.monotonic() - self.start
        left = elapsed / self.done * max(0, self.total - self.done) if self.total else None
        entry = {**(record.get("result") or {}), "id": record.get("id"), "params": record.get("params")}
        seconds = (outcome or {}).get("duration")
        write = progress_writer(self.config)
        write(claim_line(self.done, max(self.total, self.done), entry, verdict, seconds, left))

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter) -> None:
        data = self.collector.data
        if data is None or self.config.getoption("verbose") < -1:
            return
        terminalreporter.section("claims: results")
        for line in results_table(data["claims"]):
            terminalreporter.write_line(line)


class XdistClaimProgress(ClaimProgress):
    """Under xdist the controller collects nothing itself: the total comes from the workers."""

    def pytest_xdist_node_collection_finished(self, node, ids) -> None:
        self.total = max(self.total, len(ids))
