"""What the plugin does only where pytest-xdist runs: the default grouping, and dead workers.

Registered as its own plugin object when xdist is present and enabled, so that a run
with `-p no:xdist` (or without xdist installed) never sees xdist's hooks.

Groups (`@pytest.mark.xdist_group`): xdist's worker marks a grouped test by renaming
`item._nodeid` to `<nodeid>@<group>`, and its LoadGroupScheduling reads the group from that
suffix; pytest 9 builds `nodeid` from `item._id` instead, so the suffix never reaches the
controller and every test becomes its own group (measured: pytest 9.2, xdist 3.8; the
plateau claims of one depth then computed the same sweep on every worker). Here each worker
writes the groups of its collection to a directory the controller handed it
(`workerinput`), before it reports its collection, and the scheduler reads them:
test ids stay as they are, and the grouping holds whichever way pytest spells node ids.

A claim that kills its worker (a segfault, the out-of-memory killer, `os._exit`) must
become one `error` and never run again: xdist's group schedulers re-queue the whole
group of a dead worker, the crashing test included, so it would kill the next worker
too and, once restarts run out, leave the run hanging. `CrashSafe*Scheduling` mark the
test that was running as done before re-queueing the rest.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from xdist.scheduler import LoadFileScheduling, LoadGroupScheduling, LoadScopeScheduling

from lmclaims.files import atomic_write

DEFAULT_DIST = "loadgroup"  # the plateau claims of one depth share a worker (xdist_group marks)
GROUPS_KEY = "lmclaims_groups_dir"  # workerinput key: where workers write their tests' groups


def group_of(item: pytest.Item) -> str | None:
    """The item's xdist group as xdist names it (several marks: their sorted names joined by _)."""
    names = {str(m.args[0] if m.args else m.kwargs.get("name", "default"))
             for m in item.iter_markers("xdist_group")}
    return "_".join(sorted(names)) if names else None


def record_groups(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On an xdist worker of a grouped run: write {nodeid: group} of the collection where the
    controller's scheduler reads it (`GroupsFromWorkers`). Elsewhere nothing."""
    where = getattr(config, "workerinput", {}).get(GROUPS_KEY)
    if where is None:
        return
    groups = {item.nodeid: g for item in items if (g := group_of(item)) is not None}
    atomic_write(Path(where) / f"{config.workerinput['workerid']}.json", json.dumps(groups))


class GroupsFromWorkers:
    """`_split_scope` of the group schedulers: the group the workers recorded for a node id."""

    groups_dir: Path | None = None
    _groups: dict[str, str] | None = None

    def _split_scope(self, nodeid: str) -> str:
        if self._groups is None:  # first asked once every worker has sent its collection
            self._groups = {}
            for path in sorted(self.groups_dir.glob("*.json")) if self.groups_dir else ():
                self._groups.update(json.loads(path.read_text()))
        group = self._groups.get(nodeid)
        return group if group is not None else super()._split_scope(nodeid)


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


class CrashSafeLoadGroupScheduling(_SkipTheCrashedTest, GroupsFromWorkers, LoadGroupScheduling):
    """`--dist loadgroup` that groups by the workers' records and runs a test which killed its
    worker only once."""


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

    def __init__(self, collector: Any, config: pytest.Config) -> None:
        self.collector = collector
        self.groups_dir = None
        if config.getvalue("dist") == "loadgroup":
            self.groups_dir = Path(tempfile.mkdtemp(prefix="lmclaims-xdist-groups-"))
            config.add_cleanup(lambda: shutil.rmtree(self.groups_dir, ignore_errors=True))

    def pytest_configure_node(self, node) -> None:
        if self.groups_dir is not None:
            node.workerinput[GROUPS_KEY] = str(self.groups_dir)

    @pytest.hookimpl(tryfirst=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log):
        dist = config.getvalue("dist")
        if dist not in SCHEDULERS:
            return None
        scheduler = SCHEDULERS[dist](config, log)
        scheduler.groups_dir = self.groups_dir
        return scheduler

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
    """With `-n N` and no `--dist`, group by xdist_group (set before xdist reads it); a `--dist`
    that ignores groups is honoured, with a warning that says what it costs."""
    if not (xdist_active(config) and config.option.numprocesses):
        return
    if config.option.dist == "no" and not getattr(config.option, "distload", False):
        config.option.dist = DEFAULT_DIST
    elif config.option.dist not in (DEFAULT_DIST, "no"):
        config.issue_config_time_warning(pytest.PytestConfigWarning(
            f"--dist {config.option.dist} ignores the claims' xdist_group marks: each worker then "
            f"recomputes the measurements a group shares (a plateau depth's sweeps), the same numbers "
            f"in more time; leave --dist out to get --dist {DEFAULT_DIST}"), stacklevel=2)
