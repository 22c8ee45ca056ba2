"""Facts about the run (model, corpus, device) that fixtures learn on a worker.

Fixtures put them in `config.stash[RUN_INFO]`; every claim report carries a copy
to the controller, which puts them in the report's header.
"""

from __future__ import annotations

from typing import Any

import pytest

RUN_INFO = pytest.StashKey[dict]()


def set_run_info(config: pytest.Config, key: str, value: Any) -> None:
    config.stash[RUN_INFO][key] = value


def model_label(config: pytest.Config) -> str:
    """The loaded model's label, or 'the model' where this worker has loaded none."""
    return config.stash[RUN_INFO].get("model", {}).get("label", "the model")
