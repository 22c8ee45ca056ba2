"""The family a claim is judged against: every claim test in the claim modules collected,
and the plan that gives each its weight of the run's error budget (`stats.budget`).

What `-k`, `-m`, a node id, `--deselect` or `--lf` select does not change either, so a
claim's verdict never depends on which other claims were selected or finished. The count is
taken inside collection, before pytest's own filters (node ids, `--lf`) drop items: a claim
module that is collected counts whole. Claim modules that are not collected at all (a run of
one file, or `--lf` skipping files without failures) are outside the family.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lmclaims.claim.marker import ClaimMeta
from lmclaims.stats import budget


@dataclass(frozen=True)
class Member:
    """One claim test of the family: its marker and its parameter values."""

    nodeid: str
    meta: ClaimMeta
    params: dict


def params_of(item: pytest.Item) -> dict:
    """The test's parameter values (as the report shows them)."""
    callspec = getattr(item, "callspec", None)
    return dict(callspec.params) if callspec is not None else {}


class FamilyCounter:
    """Plugin object that records every claim test of each collected module."""

    def __init__(self) -> None:
        self.items: dict[str, pytest.Item] = {}

    @pytest.hookimpl(wrapper=True, trylast=True)  # innermost: sees the result before others filter it
    def pytest_make_collect_report(self, collector: pytest.Collector):
        """Count the collector's claim tests; a bad claim marker fails the collector's collection
        with one line (reported as a collection error, under xdist as well)."""
        report = yield
        claims = [node for node in report.result or ()
                  if isinstance(node, pytest.Item) and node.get_closest_marker("claim") is not None]
        try:
            check_members(claims)
        except ValueError as exc:
            report.outcome, report.longrepr, report.result = "failed", str(exc), []
            return report
        for node in claims:
            self.items[node.nodeid] = node
        return report

    def add(self, item: pytest.Item) -> None:
        """A claim item the collection hook did not see (added by another plugin)."""
        self.items.setdefault(item.nodeid, item)

    def describe(self) -> dict:
        """{"size": claim tests in the family, "modules": their modules, "plan": stats.budget's
        rows}; raises ValueError naming the claim where a marker or its `primary=` is bad."""
        members = [member(item) for item in self.items.values()]
        modules = sorted({m.nodeid.split("::")[0] for m in members})
        check_primaries(members)
        plan = budget.plan_rows(triples(members)) if members else []
        return {"size": len(members), "modules": modules, "plan": plan}

    def weights(self) -> dict[str, tuple[float, str]]:
        """{nodeid: (weight, role)} of every claim test (stats.budget.weights)."""
        members = [member(item) for item in self.items.values()]
        return budget.weights(triples(members)) if members else {}


def member(item: pytest.Item) -> Member:
    marker = item.get_closest_marker("claim")
    try:
        meta = ClaimMeta.from_marker(marker.args, marker.kwargs)
    except ValueError as exc:
        raise ValueError(f"{item.nodeid}: {exc}") from None
    return Member(item.nodeid, meta, params_of(item))


def check_members(items: list[pytest.Item]) -> None:
    """ValueError naming the test where a claim marker is bad, a claim test lacks the `claim`
    fixture, or a `primary=` matches no test of its function."""
    members = [member(item) for item in items]
    for item in items:
        if "claim" not in getattr(item, "fixturenames", ()):
            raise ValueError(f"{item.nodeid}: a @pytest.mark.claim test must take the `claim` fixture "
                             f"(declare, conclude); add it to the arguments")
    check_primaries(members)


def triples(members: list[Member]) -> list[tuple[str, str, bool]]:
    return [(m.nodeid, m.meta.id, m.meta.is_primary(m.params)) for m in members]


def check_primaries(members: list[Member]) -> None:
    """Each `primary=` names parameters its tests have and values one of them takes."""
    by_function: dict[tuple[str, str], list[Member]] = {}
    for m in members:
        by_function.setdefault((m.meta.id, m.nodeid.split("[")[0]), []).append(m)
    for (claim_id, _), group in by_function.items():
        declared = group[0].meta.primary
        names = sorted({k for m in group for k in m.params})
        for alt in declared:
            for name, values in alt:
                if name not in names:
                    have = ", ".join(names) or "none: the test is not parametrised"
                    raise ValueError(f"claim({claim_id!r}): primary names parameter {name!r}, which "
                                     f"its tests do not have (parameters: {have})")
                seen = list(dict.fromkeys(m.params[name] for m in group))
                missing = [v for v in values if v not in seen]
                if missing:
                    raise ValueError(f"claim({claim_id!r}): primary {name}={missing[0]!r} matches no "
                                     f"test; its {name} values are {', '.join(map(repr, seen))}")
            if not any(all(m.params.get(k) in v for k, v in alt) for m in group):
                raise ValueError(f"claim({claim_id!r}): primary {dict(alt)} matches no single test "
                                 f"(no test has all these values at once)")
