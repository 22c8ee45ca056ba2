"""`--claims-shard I/K`: run one of K deterministic parts of the selected tests.

Tests are partitioned by unit: the xdist group where a test has one (the plateau claims of
one depth share their perturbation runs), else its file and function (every
parametrisation of a claim goes to the same shard). Units are ordered by a SHA-256 of their
name and dealt round-robin, so every machine that collects the same tests with the same
selection computes the same partition, and the K parts are disjoint, cover the selection
and differ in size by at most one unit. The family a claim is judged against is counted
before this deselection (`lmclaims.plugin.family`), so a claim's pass/fail and its report
entry are those of the unsharded run; `lmclaims merge` re-applies the plan over the union.
"""

from __future__ import annotations

import hashlib
import re

import pytest

SHARD_PATTERN = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """'2/4' -> (2, 4); None -> None; anything else raises pytest.UsageError (one line)."""
    if text is None:
        return None
    match = SHARD_PATTERN.match(text)
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise pytest.UsageError(f"--claims-shard {text!r}: give I/K with 1 <= I <= K, e.g. 2/4")
    return int(match[1]), int(match[2])


def unit_of(item: pytest.Item) -> str:
    """The name of the unit a test is sharded with: its xdist group, else file::function."""
    group = item.get_closest_marker("xdist_group")
    if group is not None:
        name = group.args[0] if group.args else group.kwargs.get("name", "")
        return f"xdist_group:{name}"
    function = getattr(item, "originalname", None) or item.name.split("[")[0]
    return f"{item.nodeid.split('::')[0]}::{function}"


def shard_units(units: list[str], index: int, count: int) -> set[str]:
    """The units of shard index (1-based) of count: sorted by hash, dealt round-robin."""
    order = sorted(set(units), key=lambda u: (hashlib.sha256(u.encode()).hexdigest(), u))
    return {u for j, u in enumerate(order) if j % count == index - 1}


@pytest.hookimpl(trylast=True)  # after -k/-m and the other plugins have deselected
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    shard = parse_shard(config.getoption("claims_shard"))
    if shard is None:
        return
    keep = shard_units([unit_of(i) for i in items], *shard)
    kept = [i for i in items if unit_of(i) in keep]
    dropped = [i for i in items if unit_of(i) not in keep]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
