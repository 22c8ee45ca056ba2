"""Command-line options of the claims suite, checked once at start-up."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lmclaims.data.corpus import EMBEDDED_CORPUS
from lmclaims.models.embedded import EMBEDDED_NAME
from lmclaims.plugin.shard import parse_shard
from lmclaims.profiles import PROFILES

DEVICE_PATTERN = re.compile(r"^(auto|cpu|cuda|cuda:\d+|mps)$")


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("lmclaims", "claims about language models")
    group.addoption("--model", default=EMBEDDED_NAME,
                    help=f"model to test: '{EMBEDDED_NAME}' (embedded default), a TransformerLens model name, "
                         "a local Hugging Face directory, a .gguf file, or 'random:<any of those>' "
                         "for the same architecture with random weights ('random' alone: the default's).")
    group.addoption("--device", default="auto",
                    help="auto|cpu|cuda|cuda:N (auto: one GPU per xdist worker if any, else CPU)")
    group.addoption("--dataset", default=EMBEDDED_CORPUS,
                    help=f"'{EMBEDDED_CORPUS}' (embedded default), a local text file or folder, or a hub dataset name")
    group.addoption("--claims-seed", type=int, default=0, help="run seed (default 0)")
    group.addoption("--claims-profile", default="standard",
                    help=f"sample sizes: {'|'.join(PROFILES)} (default standard)")
    group.addoption("--claims-report", default="reports/claims.md",
                    help="where to write the markdown report; the JSON goes beside it")
    group.addoption("--claims-baseline", default=None,
                    help="an earlier claims.json: the report opens with what changed against it")
    group.addoption("--claims-timeout", type=float, default=None,
                    help="seconds one claim may run before it is reported as an error")
    group.addoption("--claims-shard", default=None, metavar="I/K",
                    help="run shard I of K of the selected tests (deterministic; whole claims and "
                         "xdist groups); `lmclaims merge` joins the shards' claims.json")
    group.addoption("--trust-remote-code", action="store_true", default=False,
                    help="allow a model's own Python code to run when it is loaded (off by default)")
    group.addoption("--allow-pickle", action="store_true", default=False,
                    help="allow pickled .bin/.pt weights (loaded with torch's weights-only loader)")


def validate_options(config: pytest.Config) -> None:
    """Refuse bad option values before anything is collected, with one line each."""
    profile = config.getoption("claims_profile")
    if profile not in PROFILES:
        raise pytest.UsageError(
            f"unknown --claims-profile {profile!r}: choose one of {', '.join(PROFILES)}")
    device = config.getoption("device")
    if not DEVICE_PATTERN.match(device):
        raise pytest.UsageError(f"unknown --device {device!r}: use auto, cpu, cuda or cuda:N")
    report = config.getoption("claims_report")
    if Path(report).suffix.lower() != ".md":
        raise pytest.UsageError(
            f"--claims-report {report!r}: give the markdown report's path, ending in .md "
            f"(the JSON goes beside it, with the same name and .json)")
    parse_shard(config.getoption("claims_shard"))
    timeout = config.getoption("claims_timeout")
    if timeout is not None and timeout <= 0:
        raise pytest.UsageError(f"--claims-timeout must be positive seconds, got {timeout}")


def report_path(config: pytest.Config) -> Path:
    """The markdown report's absolute path (claims.json goes beside it)."""
    return Path(config.getoption("claims_report")).resolve()
