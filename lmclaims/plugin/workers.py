"""What the plugin does only where pytest-xdist runs: the default grouping, and dead workers.

Registered as its own plugin object when xdist is present and enabled, so that a run
with `-p no:xdist` (or without xdist installed) never sees xdist's hooks.

A claim that kills its worker (a segfault, the out-of-memory killer, `os._exit`) must
become one `error` and never run again: xdist's group schedulers re-queue the whole
group of a dead worker, the crashing test included, so it would kill the next worker
too and, once restarts run out, leave the run hanging. `CrashSafe*Scheduling` mark the
test that was running as done before re-queueing the rest.
"""

from __future__ import annotations

import signal
import subprocess
from typing import Any

import pytest
from xdist.scheduler import LoadFileScheduling, LoadGroupScheduling, LoadScopeScheduling

DEFAULT_DIST = "loadgroup"  # the plateau claims of one depth share a worker (xdist_group marks)


class _SkipTheCrashedTest:
    """`remove_node` of xdist's scope schedulers, except that the crashed test is not re-queued."""

    def remove_node(self, node) -> str | None:
        """Forget a finished or dead worker; return the test it died in (None if it finished)."""
        workload = self.assigned_work.pop(node)
        pending = [(scope, nodeid) for scope, unit in workload.items()
                   for nodeid, done in unit.items() if not done]
        if not pending:
            return None
        scope, crashed = pending[0]  # a worker runs its tests in the order they were sent
        workload[scope][crashed] = True  # it took its worker down: never send it to another
        self.workqueue.update((s, unit) for s, unit in workload.items() if not all(unit.values()))
        for other in self.assigned_work:
            self._reschedule(other)
        return crashed


class CrashSafeLoadGroupScheduling(_SkipTheCrashedTest, LoadGroupScheduling):
    """`--dist loadgroup` that runs a test which killed its worker only once."""


class CrashSafeLoadScopeScheduling(_SkipTheCrashedTest, LoadScopeScheduling):
    """`--dist loadscope` that runs a test which killed its worker only once."""


class CrashSafeLoadFileScheduling(_SkipTheCrashedTest, LoadFileScheduling):
    """`--dist loadfile` that runs a test which killed its worker only once."""


SCHEDULERS = {"loadgroup": CrashSafeLoadGroupScheduling, "loadscope": CrashSafeLoadScopeScheduling,
              "loadfile": CrashSafeLoadFileScheduling}


def exit_description(returncode: int | None) -> str:
    """'exited with code 3', 'was killed by signal 9 (SIGKILL)', or that the status is unknown."""
    if returncode is None:
        return "ended with an unknown exit status"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = "unknown signal"
        hint = " (the out-of-memory killer?)" if name == "SIGKILL" else ""
        return f"was killed by signal {-returncode} ({name}){hint}"
    return f"exited with code {returncode}"


def _worker_returncode(node) -> int | None:
    """The dead worker's exit status, where execnet started it as a local subprocess."""
    popen = getattr(getattr(getattr(node, "gateway", None), "_io", None), "popen", None)
    if popen is None:  # execnet keeps no public handle on the process; other gateways have none
        return None
    try:
        return popen.wait(timeout=10)
    except (subprocess.TimeoutExpired, OSError):
        return None


class XdistSupport:
    """Controller-side xdist hooks; `collector` is the report's Collector."""

    def __init__(self, collector: Any) -> None:
        self.collector = collector

    @pytest.hookimpl(tryfirst=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log):
        dist = config.getvalue("dist")
        return SCHEDULERS[dist](config, log) if dist in SCHEDULERS else None

    def pytest_xdist_node_collection_finished(self, node, ids: list[str]) -> None:
        if not self.collector.expected:
            self.collector.expected = list(ids)  # non-claim ids are dropped in assemble()

    def pytest_handlecrashitem(self, crashitem: str, report: pytest.TestReport, sched) -> None:
        """Say how the worker died: its exit code or signal."""
        node = getattr(report, "node", None)
        report.longrepr = f"{report.longrepr}: the worker {exit_description(_worker_returncode(node))}"


def xdist_active(config: pytest.Config) -> bool:
    """Whether pytest-xdist is installed and not disabled with `-p no:xdist`."""
    return config.pluginmanager.hasplugin("xdist")


def default_to_loadgroup(config: pytest.Config) -> None:
    """With `-n N` and no `--dist`, group by xdist_group (set before xdist reads it)."""
    if xdist_active(config) and config.option.numprocesses and config.option.dist == "no" \
            and not getattr(config.option, "distload", False):
        config.option.dist = DEFAULT_DIST
