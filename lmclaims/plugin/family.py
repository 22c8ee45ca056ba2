"""The family a claim is judged against: every claim test in the claim modules collected.

What `-k`, `-m`, a node id, `--deselect` or `--lf` select does not change it, so a claim's
verdict never depends on which other claims were selected or finished. The count is taken
inside collection, before pytest's own filters (node ids, `--lf`) drop items: a claim
module that is collected counts whole. Claim modules that are not collected at all (a
run of one file, or `--lf` skipping files without failures) are outside the family.
"""

from __future__ import annotations

import pytest


class FamilyCounter:
    """Plugin object that records the node ids of every claim test in each collected module."""

    def __init__(self) -> None:
        self.ids: set[str] = set()

    @pytest.hookimpl(wrapper=True, trylast=True)  # innermost: sees the result before others filter it
    def pytest_make_collect_report(self, collector: pytest.Collector):
        report = yield
        for node in report.result or ():
            if isinstance(node, pytest.Item) and node.get_closest_marker("claim") is not None:
                self.ids.add(node.nodeid)
        return report

    def describe(self) -> dict:
        """{"size": claim tests in the family, "modules": the claim modules they come from}."""
        modules = sorted({nodeid.split("::")[0] for nodeid in self.ids})
        return {"size": len(self.ids), "modules": modules}
