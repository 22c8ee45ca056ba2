"""pytest11 entry point: wires options, the `claim` marker and fixture, and the report.

Data flow (as in Hypothesis's plugin and pytest-json-report): each claim test's
record is put on its test reports as plain builtins in the report attribute
`lmclaims_record` (not `user_properties`, which `--junitxml` would copy into every
test case); xdist carries the report's attributes to the controller, where the
`Collector` plugin gathers them and writes the report once, at the end of the session.
Hooks that exist only under xdist live in `lmclaims.plugin.workers`, registered only
where xdist runs, so `-p no:xdist` works.
"""

from __future__ import annotations

import signal
import threading

import pytest

from lmclaims.claim import Claim, ClaimMeta, ClaimNotHolding
from lmclaims.claim.marker import MARKER_HELP
from lmclaims.errors import (ClaimTimeout, FastPathMismatch, MissingCapability, NumericalError,
                             UserInputError)
from lmclaims.models.capabilities import require
from lmclaims.plugin import options, shard
from lmclaims.plugin.collector import RECORD_ATTR, RUN_ATTR, Collector
from lmclaims.plugin.family import FamilyCounter
from lmclaims.plugin.progress import ClaimProgress, XdistClaimProgress
from lmclaims.plugin.runinfo import RUN_INFO, model_label, set_run_info
from lmclaims.profiles import get_profile
from lmclaims.seeding import test_seed
from lmclaims.stats import budget

META = pytest.StashKey[ClaimMeta]()
FAMILY = pytest.StashKey[int]()  # claim tests in the collected claim modules, whatever is selected
WEIGHTS = pytest.StashKey[dict]()  # nodeid -> (weight of the error budget, role): the run's plan
COUNTER = pytest.StashKey[FamilyCounter]()
CLAIM = pytest.StashKey[Claim]()
ONE_LINE_ERRORS = (ClaimNotHolding, UserInputError, MissingCapability, NumericalError, ClaimTimeout,
                   FastPathMismatch)


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add_options(parser)


@pytest.hookimpl(wrapper=True)
def pytest_cmdline_main(config: pytest.Config):
    """Before xdist reads `--dist`: `-n N` alone groups tests by their xdist_group."""
    from lmclaims.plugin.workers import default_to_loadgroup

    default_to_loadgroup(config)
    return (yield)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    options.validate_options(config)
    config.stash[RUN_INFO] = {}
    config.stash[COUNTER] = FamilyCounter()
    config.pluginmanager.register(config.stash[COUNTER], "lmclaims-family")
    config.pluginmanager.register(shard, "lmclaims-shard")
    if not config.pluginmanager.hasplugin("xdist"):  # -p no:xdist: its marker is still declared
        config.addinivalue_line("markers", "xdist_group(name): tests that share an xdist worker")
    if not hasattr(config, "workerinput"):  # the controller, or a run without xdist
        collector = Collector(config)
        config.pluginmanager.register(collector, "lmclaims-collector")
        xdist = config.pluginmanager.hasplugin("xdist")
        progress = (XdistClaimProgress if xdist else ClaimProgress)(config, collector)
        config.pluginmanager.register(progress, "lmclaims-progress")
        if xdist:
            from lmclaims.plugin.workers import XdistSupport

            config.pluginmanager.register(XdistSupport(collector, config), "lmclaims-xdist")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        marker = item.get_closest_marker("claim")
        if marker is not None:
            try:
                item.stash[META] = ClaimMeta.from_marker(marker.args, marker.kwargs)
            except ValueError as exc:
                raise pytest.UsageError(f"{item.nodeid}: {exc}") from None
            if "claim" not in getattr(item, "fixturenames", ()):
                raise pytest.UsageError(f"{item.nodeid}: a @pytest.mark.claim test must take the "
                                        f"`claim` fixture (declare, conclude); add it to the arguments")
    if hasattr(config, "workerinput"):
        from lmclaims.plugin.workers import record_groups

        record_groups(config, items)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Fix the plan before anything runs: the family and each claim test's weight (stats.budget)."""
    counter = session.config.stash[COUNTER]
    for item in session.items:
        if META in item.stash:
            counter.add(item)
    try:
        family = counter.describe()
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    session.config.stash[FAMILY] = max(1, family["size"])
    session.config.stash[WEIGHTS] = counter.weights()
    set_run_info(session.config, "family", family)


def _weight(config: pytest.Config, nodeid: str) -> tuple[float, str]:
    """(weight, role) of a claim test under the run's plan (equal where it is not in the family)."""
    return config.stash.get(WEIGHTS, {}).get(nodeid, (1 / config.stash.get(FAMILY, 1), "equal"))


def _params(item: pytest.Item) -> dict:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return {}
    return {k: v for k, v in callspec.params.items() if isinstance(v, (str, int, float))}


@pytest.fixture(scope="session")
def profile(request: pytest.FixtureRequest):
    """The sample-size profile chosen with --claims-profile."""
    return get_profile(request.config.getoption("claims_profile"))


@pytest.fixture
def claim(request: pytest.FixtureRequest, profile):
    """The recorder of the current claim test: declare, note, figure_path, conclude.

    Before the test runs, the marker's `requires=` is checked against the suite's
    `loaded_model` fixture: a claim on a model lacking a capability is skipped as n/a.
    """
    item, config = request.node, request.config
    if META not in item.stash:
        raise RuntimeError(f"{item.nodeid} uses the `claim` fixture without @pytest.mark.claim")
    _check_applies(request, item.stash[META])
    report_dir = options.report_path(config).parent
    weight, role = _weight(config, item.nodeid)
    record = Claim(
        meta=item.stash[META], nodeid=item.nodeid,
        seed=test_seed(config.getoption("claims_seed"), item.nodeid), profile=profile,
        figure_dir=report_dir / "figures", report_dir=report_dir,
        label_of_model=lambda: model_label(config), params=_params(item),
        family_size=config.stash.get(FAMILY, 1), weight=weight, role=role,
    )
    item.stash[CLAIM] = record
    with budget.entered(weight):  # decide() in this test runs at alpha * its weight
        yield record


def _check_applies(request: pytest.FixtureRequest, meta: ClaimMeta) -> None:
    """Skip as n/a when the loaded model lacks a capability the claim `requires`."""
    if not meta.requires:
        return
    loaded = request.getfixturevalue("loaded_model")
    try:
        require(loaded.bridge, meta.requires, loaded.spec.label)
    except MissingCapability as exc:
        pytest.skip(f"n/a: {exc}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """With --claims-timeout, a claim whose call outlasts it raises ClaimTimeout (Unix, main thread)."""
    limit = item.config.getoption("claims_timeout")
    usable = hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    if limit is None or META not in item.stash or not usable:
        yield
        return
    def on_alarm(signum, frame):
        raise ClaimTimeout(f"{item.stash[META].id} ran longer than --claims-timeout {limit:g} s")
    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if META not in item.stash:
        return
    if call.excinfo is not None and isinstance(call.excinfo.value, ONE_LINE_ERRORS):
        report.longrepr = f"{type(call.excinfo.value).__name__}: {call.excinfo.value}"
    meta = item.stash[META]
    if CLAIM in item.stash:
        record = item.stash[CLAIM].payload()
    else:
        weight, role = _weight(item.config, item.nodeid)
        record = {"id": meta.id, "nodeid": item.nodeid, "params": _params(item),
                  "statement": meta.statement, "source": meta.source, "weight": weight, "role": role}
    setattr(report, RECORD_ATTR, record)
    setattr(report, RUN_ATTR, dict(item.config.stash[RUN_INFO]))
