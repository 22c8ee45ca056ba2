"""pytest11 entry point: wires options, the `claim` marker and fixture, and the report.

Data flow (as in Hypothesis's plugin and pytest-json-report): each claim test's
record is put on its test reports as plain builtins in `user_properties`; xdist
carries them to the controller, where the `Collector` plugin gathers them and
writes the report once, at the end of the session.
"""

from __future__ import annotations

import signal
import threading

import pytest

from lmclaims.errors import (ClaimTimeout, FastPathMismatch, MissingCapability, NumericalError,
                             UserInputError)
from lmclaims.plugin import options
from lmclaims.plugin.collector import RECORD_KEY, RUN_KEY, Collector
from lmclaims.plugin.recorder import Claim, ClaimMeta, ClaimNotHolding
from lmclaims.plugin.runinfo import RUN_INFO, model_label
from lmclaims.profiles import get_profile
from lmclaims.seeding import test_seed

META = pytest.StashKey[ClaimMeta]()
FAMILY = pytest.StashKey[int]()  # claim tests selected in this session (the same on every worker)
CLAIM = pytest.StashKey[Claim]()
ONE_LINE_ERRORS = (ClaimNotHolding, UserInputError, MissingCapability, NumericalError, ClaimTimeout,
                   FastPathMismatch)


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "claim(id, statement=..., source=..., requires=()): a scientific claim test")
    options.validate_options(config)
    config.stash[RUN_INFO] = {}
    if not hasattr(config, "workerinput"):  # the controller, or a run without xdist
        config.pluginmanager.register(Collector(config), "lmclaims-collector")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        marker = item.get_closest_marker("claim")
        if marker is not None:
            try:
                item.stash[META] = ClaimMeta.from_marker(marker.args, marker.kwargs)
            except ValueError as exc:
                raise pytest.UsageError(f"{item.nodeid}: {exc}") from None


def pytest_collection_finish(session: pytest.Session) -> None:
    session.config.stash[FAMILY] = max(1, sum(META in item.stash for item in session.items))


def _params(item: pytest.Item) -> dict:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return {}
    return {k: v for k, v in callspec.params.items() if isinstance(v, (str, int, float))}


@pytest.fixture
def profile(request: pytest.FixtureRequest):
    """The sample-size profile chosen with --claims-profile."""
    return get_profile(request.config.getoption("claims_profile"))


@pytest.fixture
def claim(request: pytest.FixtureRequest, profile) -> Claim:
    """The recorder of the current claim test: declare, note, figure_path, conclude."""
    item, config = request.node, request.config
    if META not in item.stash:
        raise RuntimeError(f"{item.nodeid} uses the `claim` fixture without @pytest.mark.claim")
    report_dir = options.report_path(config).parent
    record = Claim(
        meta=item.stash[META], nodeid=item.nodeid,
        seed=test_seed(config.getoption("claims_seed"), item.nodeid), profile=profile,
        figure_dir=report_dir / "figures", report_dir=report_dir,
        label_of_model=lambda: model_label(config), params=_params(item),
        family_size=config.stash.get(FAMILY, 1),
    )
    item.stash[CLAIM] = record
    return record


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
        record = {"id": meta.id, "nodeid": item.nodeid, "params": _params(item),
                  "statement": meta.statement, "source": meta.source}
    report.user_properties.append((RECORD_KEY, record))
    report.user_properties.append((RUN_KEY, dict(item.config.stash[RUN_INFO])))
