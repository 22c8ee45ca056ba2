"""Progress lines for long measurements: shown in a plain run, quiet under xdist workers."""

from __future__ import annotations

from typing import Callable

import pytest


def progress_writer(config: pytest.Config) -> Callable[[str], None]:
    """A function that prints 'lmclaims: <message>' on the terminal, or does nothing on a worker."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if hasattr(config, "workerinput") or reporter is None or config.getoption("verbose") < 0:
        return lambda message: None
    def write(message: str) -> None:
        reporter.write_line(f"lmclaims: {message}")
    return write
