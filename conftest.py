"""Root conftest: the shared fixtures, and which claims are expected not to hold on which model.

The pytest plugin itself (options, the `claim` marker and fixture, the report) is
the `lmclaims` package's pytest11 entry point.
"""

from __future__ import annotations

import pytest

from lmclaims.plugin.expectations import apply_expectations

pytest_plugins = ["fixtures.models", "fixtures.data", "fixtures.perturbations", "fixtures.sae",
                  "fixtures.training"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from claims.expectations import EXPECTED_NOT_TO_HOLD

    apply_expectations(items, config.getoption("model"), config.getoption("claims_profile"),
                       EXPECTED_NOT_TO_HOLD)
